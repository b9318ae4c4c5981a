#!/usr/bin/env node
// The `k3ts` command. From a checkout it runs the TypeScript source directly (Node 22.18+ strips
// types); from an installed package (under node_modules, where Node will not strip types) it
// runs the compiled build in dist/.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = new URL("../main.ts", import.meta.url);
const built = new URL("../dist/main.js", import.meta.url);
const underNodeModules = fileURLToPath(import.meta.url).split(/[\\/]/).includes("node_modules");
const entry = !underNodeModules && existsSync(source) ? source : built;
if (entry === source) {
  // Node's compile cache keeps the type-stripped source (and V8's code) between runs: without
  // it, every start instantiates the TypeScript stripper, whose WebAssembly memory stays in the
  // process (~30 MiB of an idle agent's RSS). Under the checkout's node_modules, which only its
  // owner can write; entries are checked against the source, so edits are picked up.
  const { enableCompileCache } = await import("node:module");
  enableCompileCache?.(fileURLToPath(new URL("../node_modules/.cache/k3ts-compile", import.meta.url)));
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
