/**
 * What a benchmark runs as `k3ts`: `dist` builds first and runs dist/main.js, as the installed
 * package runs; `source` runs bin/k3ts.js from the checkout (Node's type stripping).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const repo = resolve(import.meta.dirname, "../..");

export function k3tsEntry(from: string): string {
  if (from !== "dist" && from !== "source") throw new Error("--from is dist or source");
  if (from === "source") return join(repo, "bin/k3ts.js");
  try {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: repo, stdio: ["ignore", "ignore", "ignore"] });
  } catch {
    // tsc emits despite type errors; run what it wrote, but say so.
    if (!existsSync(join(repo, "dist/main.js"))) throw new Error("npm run build wrote no dist/main.js");
    console.error("# npm run build reported type errors; running the dist/ it emitted");
  }
  // dist/main.js runs itself when it is the entry module (Node 24 sets import.meta.main).
  return join(repo, "dist/main.js");
}
