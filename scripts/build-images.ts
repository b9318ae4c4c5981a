/**
 * `npm run images`: builds the project's image archives into build/images/ from Debian's
 * busybox-static (/bin/busybox): busybox:local and the pause image. Copy them into
 * <data-dir>/agent/images/ and the agent imports them at start (k3s's airgap images); the
 * containerd runtime module also builds them itself when the pause image is missing.
 *
 * Usage: node scripts/build-images.ts [--out DIR] [--busybox PATH]
 * The archives are reproducible: SOURCE_DATE_EPOCH (or a fixed default) is every file's mtime.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildImage } from "../agent/runtime/containerd/oci-image.ts";
import { ARCHIVE_FILES, DEFAULT_MTIME, imageDefinitions } from "../agent/runtime/containerd/images.ts";

const { values } = parseArgs({
  options: { out: { type: "string", default: "build/images" }, busybox: { type: "string", default: "/bin/busybox" } },
});
const out = resolve(values.out!);
const epoch = process.env.SOURCE_DATE_EPOCH;
const mtime = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) : DEFAULT_MTIME;

let definitions;
try {
  definitions = imageDefinitions({ busybox: values.busybox! });
} catch (error) {
  console.error(`build-images: ${(error as Error).message}\n(install Debian's busybox-static: scripts/setup-debian.sh)`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
for (const key of ["busybox", "pause"] as const) {
  const image = buildImage(definitions[key], mtime);
  const file = join(out, ARCHIVE_FILES[key]);
  writeFileSync(file, image.archive);
  console.log(`${file}: ${image.name} manifest ${image.manifestDigest} (${(image.archive.length / 1024).toFixed(0)} KiB)`);
}
