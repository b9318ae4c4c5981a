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
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
