/**
 * Copies into dist/ the files the build needs beside its JavaScript that tsc does not emit: the
 * CRI protocol definition, which agent/runtime/containerd/cri-client.ts loads at run time next to
 * itself. Run by `npm run build` after tsc; fails if an asset is missing, so that a package
 * without it is never packed.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

const ASSETS = ["agent/runtime/containerd/cri.proto"];
const root = join(import.meta.dirname, "..");

for (const asset of ASSETS) {
  const from = join(root, asset);
  if (!existsSync(from)) throw new Error(`build asset missing: ${asset}`);
  const to = join(root, "dist", asset);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  console.log(`copied ${asset} into dist/`);
}
