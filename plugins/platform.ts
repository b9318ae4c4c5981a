/**
 * The one place that knows whether k3ts runs under Node or Deno: signals, environment, home
 * directory, user id, unhandled rejections, process exit, and how plugins that
 * `import ... from "k3ts"` get the running k3ts. Everything else uses web standards or `node:`
 * built-ins that both runtimes implement, so this file stays small.
 */
import { homedir } from "node:os";

/**
 * The global `process` (Node; Deno 2 has it too), not `import process from "node:process"`: an
 * ES module import of a built-in builds a facade that reads every export, and `process`'s lazy
 * ones (report, finalization, ...) load modules an idle process never uses. Built-ins below are
 * fetched with process.getBuiltinModule for the same reason (about 0.6 MiB of an idle agent).
 */
const process: NodeJS.Process = globalThis.process;

/** The slice of the `Deno` global that k3ts uses (no Deno type definitions in this project). */
interface DenoGlobal {
  version: { deno: string };
  args: string[];
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  removeSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  exit(code: number): never;
}

const deno = (globalThis as { Deno?: DenoGlobal }).Deno;

export type RuntimeName = "node" | "deno";
export type ShutdownSignal = "SIGTERM" | "SIGINT";

export const runtimeName: RuntimeName = deno ? "deno" : "node";

/** The runtime and its version, e.g. `node v24.21.0` or `deno 2.9.6`. */
export function runtimeVersion(): string {
  return deno ? `deno ${deno.version.deno}` : `node ${process.version}`;
}

/** Command-line arguments after the script (what `main` takes). */
export function commandLineArgs(): string[] {
  return deno ? [...deno.args] : process.argv.slice(2);
}

export function environment(): Record<string, string | undefined> {
  return { ...process.env };
}

export function workingDirectory(): string {
  return process.cwd();
}

export function homeDirectory(): string {
  return homedir();
}

/** True when running as root (uid 0); false where there are no uids (Windows). */
export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/**
 * Calls `handler` on SIGTERM or SIGINT (instead of the default, which kills the process
 * before plugins can stop). Returns a function that removes the listeners, so that the
 * process can exit once the work is done.
 */
export function onShutdownSignal(handler: (signal: ShutdownSignal) => void): () => void {
  const signals: ShutdownSignal[] = ["SIGTERM", "SIGINT"];
  const listeners = signals.map((signal) => [signal, () => handler(signal)] as const);
  for (const [signal, listener] of listeners) {
    if (deno) deno.addSignalListener(signal, listener);
    else process.on(signal, listener);
  }
  return () => {
    for (const [signal, listener] of listeners) {
      if (deno) deno.removeSignalListener(signal, listener);
      else process.off(signal, listener);
    }
  };
}

/**
 * Calls `handler` for a promise rejected with nobody to catch it (a plugin's background work)
 * instead of letting the runtime end the process. Returns a function that removes the handler.
 */
export function onUnhandledRejection(handler: (reason: unknown) => void): () => void {
  if (deno) {
    const listener = (event: Event) => {
      event.preventDefault();
      handler((event as PromiseRejectionEvent).reason);
    };
    globalThis.addEventListener("unhandledrejection", listener);
    return () => globalThis.removeEventListener("unhandledrejection", listener);
  }
  const listener = (reason: unknown) => handler(reason);
  process.on("unhandledRejection", listener);
  return () => process.off("unhandledRejection", listener);
}

/**
 * Makes a plugin's `import ... from "k3ts"` load the k3ts that is running (`apiUrl`: its mod.ts
 * from a checkout, dist/mod.js when installed), whatever copy the plugin's own node_modules
 * holds: one instance of the contracts and error classes for the host and its plugins, and no
 * need for a build when a plugin is linked into a checkout. Under Node this is a module
 * resolution hook; under Deno, deno.json's import map maps "k3ts" to mod.ts, and package.json's
 * "deno" export condition does so for npm installs.
 */
export async function provideHostApi(apiUrl: string): Promise<void> {
  if (deno) return;
  const { registerHooks } = process.getBuiltinModule("node:module");
  // registerHooks arrived in Node 22.15; on older Nodes plugins resolve "k3ts" as usual.
  if (typeof registerHooks !== "function") return;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === "k3ts") return { url: apiUrl, shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}

/** True when standard error is a terminal (text logs) rather than a file or pipe (JSON logs). */
export function stderrIsTerminal(): boolean {
  return process.stderr.isTTY === true;
}

/** Ends the process (only the Deno entry needs it; under Node bin/k3ts.js sets exitCode). */
export function exit(code: number): never {
  if (deno) deno.exit(code);
  process.exit(code);
}

/** Set while startup runs without V8's optimizing compilers (see pauseOptimizingCompilers). */
let optimizingCompilersPaused = false;
/** Set when the pause also turned off Sparkplug, V8's baseline compiler. */
let baselineCompilerPaused = false;

/**
 * Runs what follows (loading ~430 modules, reading the datastore) on V8's interpreter and
 * baseline compiler only, until resumeOptimizingCompilers. Startup is mostly run-once code; the
 * few functions it makes hot (Node's module loader: path and URL helpers; CBOR string decoding)
 * would otherwise bring in Maglev and TurboFan, whose code pages and compile threads stay in an
 * idle server's RSS: about 11 MiB. Once resumed, the tiers optimize the request path as usual.
 * Node only, and not when the command line already chose the tiers (`--no-opt`, `--jitless`...).
 *
 * `baseline`: the interpreter alone, without Sparkplug either, whose baseline code for startup's
 * run-once functions stays in the code space: 0.7 MiB of an idle agent. The agent's startup is
 * small enough not to feel it; the server keeps Sparkplug (its startup reads the datastore).
 */
export function pauseOptimizingCompilers(options: { baseline?: boolean } = {}): void {
  if (deno || optimizingCompilersPaused) return;
  const chosen = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" ");
  if (/--(no-)?(opt|maglev|turbofan|jitless|sparkplug)\b|--max-opt/.test(chosen)) return;
  const v8 = process.getBuiltinModule("node:v8");
  v8.setFlagsFromString("--no-opt");
  v8.setFlagsFromString("--no-maglev");
  optimizingCompilersPaused = true;
  if (options.baseline) {
    v8.setFlagsFromString("--no-sparkplug");
    baselineCompilerPaused = true;
  }
}

/** Turns back on what pauseOptimizingCompilers turned off; nothing if it did not. */
export function resumeOptimizingCompilers(): void {
  if (!optimizingCompilersPaused) return;
  const v8 = process.getBuiltinModule("node:v8");
  v8.setFlagsFromString("--opt");
  v8.setFlagsFromString("--maglev");
  optimizingCompilersPaused = false;
  if (baselineCompilerPaused) v8.setFlagsFromString("--sparkplug");
  baselineCompilerPaused = false;
}

/**
 * Returns the garbage of startup to the operating system: one full, memory-reducing collection
 * (V8's "last resort" flavor), which also shrinks the young generation that the burst of module
 * loading grew (16 MiB of semi-spaces under Node 24; it grows again under load as V8 sees fit, so
 * throughput is unchanged). About 12 MiB of idle RSS. Node only; elsewhere nothing happens.
 * Startup is over: the optimizing compilers come back first (see pauseOptimizingCompilers).
 */
export async function releaseStartupMemory(): Promise<void> {
  resumeOptimizingCompilers();
  if (deno) return;
  const v8 = process.getBuiltinModule("node:v8");
  const { runInNewContext } = process.getBuiltinModule("node:vm");
  v8.setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as ((options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void) | undefined;
  gc?.({ type: "major", execution: "sync", flavor: "last-resort" });
  // The compile cache (bin/k3ts.js turns it on for the source checkout) is written now rather
  // than at exit, so that a process that is killed still leaves it for the next start.
  const { flushCompileCache } = process.getBuiltinModule("node:module");
  flushCompileCache?.();
}
