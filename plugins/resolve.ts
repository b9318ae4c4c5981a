/**
 * Finds the module a manifest's `use:` names, in this order:
 *  1. a built-in name, from the table the composition root passes in (plugins/ knows none);
 *  2. a path: `./x.ts`, `../x`, `/abs/x.ts` or `file:` (relative to the manifest file naming it);
 *  3. `jsr:`, `npm:`, `https:` and `http:` specifiers, which only Deno can import;
 *  4. an npm package name (`k3ts-plugin-x`, `@acme/x`, `@acme/x/sub`), looked up in the
 *     node_modules above the manifest's directory, then above the working directory, then by a
 *     plain dynamic import (k3ts's own dependencies, or Deno's import map).
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ConfigError } from "./errors.ts";
import { runtimeName } from "./platform.ts";

/** A built-in module: a module specifier (a URL) or a function that imports it. */
export type BuiltinModule = string | (() => Promise<unknown>);
export type BuiltinModules = Readonly<Record<string, BuiltinModule>>;

export interface ResolvedModule {
  /** For logs: `built-in sqlite`, a file path, a package name and its file. */
  source: string;
  /** Imports the module (its namespace object). */
  load(): Promise<unknown>;
}

export interface ResolveOptions {
  builtins: BuiltinModules;
  /** The directory of the manifest file that names the module. */
  baseDir: string;
  /** Where else to look for npm packages (the working directory). */
  cwd?: string;
  /** What the error messages call the place that named it: `config.yaml: plugins[1].use`. */
  where: string;
}

const DENO_ONLY = /^(jsr|npm|https?):/;

export function resolvePluginModule(use: string, options: ResolveOptions): ResolvedModule {
  const builtin = Object.hasOwn(options.builtins, use) ? options.builtins[use] : undefined;
  if (builtin !== undefined) return resolveBuiltin(use, builtin, options);
  if (/^(\.{1,2}[\\/]|[\\/]|file:)/.test(use) || isAbsolute(use)) return resolvePath(use, options);
  if (DENO_ONLY.test(use)) {
    if (runtimeName !== "deno") {
      throw new ConfigError(
        `${options.where}: ${JSON.stringify(use)} needs Deno: Node cannot import jsr:, npm: or https: specifiers. ` +
          "Run k3ts under Deno, or install the package with npm and name it without the prefix.",
      );
    }
    return { source: use, load: () => import(use) };
  }
  return resolvePackage(use, options);
}

function resolveBuiltin(name: string, builtin: BuiltinModule, options: ResolveOptions): ResolvedModule {
  if (typeof builtin === "function") return { source: `built-in ${name}`, load: builtin };
  if (builtin.startsWith("file:") && !existsSync(fileURLToPath(builtin))) {
    throw new ConfigError(`${options.where}: built-in module ${JSON.stringify(name)} is missing from this k3ts: ${fileURLToPath(builtin)} does not exist`);
  }
  return { source: `built-in ${name}`, load: () => import(builtin) };
}

function resolvePath(use: string, options: ResolveOptions): ResolvedModule {
  const path = use.startsWith("file:") ? fileURLToPath(use) : resolve(options.baseDir, use);
  if (!existsSync(path)) throw new ConfigError(`${options.where}: ${JSON.stringify(use)}: no such file: ${path}`);
  const file = statSync(path).isDirectory() ? packageEntry(path, ".", use, options) : path;
  const url = pathToFileURL(file).href;
  return { source: file, load: () => import(url) };
}

function resolvePackage(use: string, options: ResolveOptions): ResolvedModule {
  const match = /^((?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*)(\/.*)?$/.exec(use);
  if (!match) {
    throw new ConfigError(`${options.where}: ${JSON.stringify(use)} is not a built-in name, a path (./x.ts) or an npm package name; built-ins: ${Object.keys(options.builtins).join(", ") || "none"}`);
  }
  const [, name, rest] = match;
  const subpath = rest ? `.${rest}` : ".";
  const searched = [options.baseDir, ...(options.cwd ? [options.cwd] : [])];
  for (const start of searched) {
    const dir = findPackageDir(name!, start);
    if (dir) {
      const file = packageEntry(dir, subpath, use, options);
      const url = pathToFileURL(file).href;
      return { source: `${use} (${file})`, load: () => import(url) };
    }
  }
  // Not in any node_modules we looked in: let the runtime try (k3ts's own dependencies, Deno's
  // import map), and if it cannot, say where we looked.
  return {
    source: use,
    load: async () => {
      try {
        return await import(use);
      } catch (error) {
        throw new ConfigError(
          `${options.where}: cannot find package ${JSON.stringify(use)} (looked in node_modules above ${searched.join(" and ")}); ` +
            `is it installed (npm install ${name})? ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },
  };
}

/** The package's directory in the nearest node_modules at or above `start`, symlinks followed. */
function findPackageDir(name: string, start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The conditions an import matches in package.json "exports", in the runtime's order. */
const CONDITIONS = new Set(runtimeName === "deno" ? ["deno", "node", "import", "default"] : ["node", "import", "default"]);

/**
 * The file a package's subpath maps to: its "exports" (exact subpaths and conditions; no
 * patterns), else "module"/"main" or index.js for the root.
 */
function packageEntry(dir: string, subpath: string, use: string, options: ResolveOptions): string {
  const manifestPath = join(dir, "package.json");
  const pkg = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown>) : {};
  let target: string | undefined;
  if (pkg.exports !== undefined) {
    target = exportsTarget(pkg.exports, subpath);
    if (target === undefined) {
      throw new ConfigError(`${options.where}: package ${JSON.stringify(use)} (${dir}) does not export ${JSON.stringify(subpath)} for import`);
    }
  } else if (subpath !== ".") {
    target = subpath;
  } else {
    target = (typeof pkg.module === "string" && pkg.module) || (typeof pkg.main === "string" && pkg.main) || "index.js";
  }
  const file = join(dir, target);
  if (!existsSync(file)) throw new ConfigError(`${options.where}: package ${JSON.stringify(use)} points at ${file}, which does not exist`);
  return file;
}

function exportsTarget(exports: unknown, subpath: string): string | undefined {
  if (typeof exports === "string" || Array.isArray(exports)) return subpath === "." ? conditionalTarget(exports) : undefined;
  if (exports && typeof exports === "object") {
    const keys = Object.keys(exports);
    if (keys.some((key) => key.startsWith("."))) return conditionalTarget((exports as Record<string, unknown>)[subpath]);
    return subpath === "." ? conditionalTarget(exports) : undefined;
  }
  return undefined;
}

function conditionalTarget(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const each of target) {
      const found = conditionalTarget(each);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (target && typeof target === "object") {
    for (const [condition, value] of Object.entries(target)) {
      if (!CONDITIONS.has(condition)) continue;
      const found = conditionalTarget(value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
