/**
 * Runs the real k3ts CLI in a child process, with bounded waits: a wait that runs out kills the
 * child and fails with everything it printed, so that a hang is a failure and never a stuck run.
 */
import { createServer as createNetServer } from "node:net";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { resolve } from "node:path";

export const repo = resolve(import.meta.dirname, "../..");
const bin = resolve(repo, "node_modules/.bin");

/** Node 24 from node_modules (the test runner's own node, when vitest runs under it). */
export const nodeCommand = (args: string[]) => [process.execPath, resolve(repo, "bin/k3ts.js"), ...args];
export const denoCommand = (args: string[]) => [resolve(bin, "deno"), "run", "-A", resolve(repo, "main.ts"), ...args];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Resolves with the first line of standard error that matches, within `ms`. */
  waitForLine(pattern: RegExp, ms?: number): Promise<string>;
  /** Resolves when the process ends, within `ms` (else kills it and rejects). */
  exited(ms?: number): Promise<Exit>;
  output(): { stdout: string; stderr: string };
}

export function start(command: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Running {
  const env: Record<string, string | undefined> = { ...process.env, K3TS_CONFIG_FILE: undefined, K3TS_DATA_DIR: undefined, ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const child = spawn(command[0]!, command.slice(1), { cwd: options.cwd ?? repo, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const lineWaiters = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const check of lineWaiters) check();
  });
  const exit = new Promise<Exit>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  const output = () => ({ stdout, stderr });
  const failAfter = (ms: number, what: string) =>
    new Promise<never>((_, reject) =>
      setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${what} did not happen within ${ms} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
      }, ms).unref(),
    );

  return {
    child,
    output,
    waitForLine(pattern, ms = 20_000) {
      const found = new Promise<string>((resolve, reject) => {
        const check = () => {
          const line = stderr.split("\n").find((l) => pattern.test(l));
          if (line !== undefined) {
            lineWaiters.delete(check);
            resolve(line);
          }
        };
        lineWaiters.add(check);
        check();
        void exit.then(() => {
          check();
          if (lineWaiters.has(check)) reject(new Error(`k3ts exited before printing ${pattern}; stderr:\n${stderr}`));
        });
      });
      return Promise.race([found, failAfter(ms, `a line matching ${pattern}`)]);
    },
    exited(ms = 20_000) {
      return Promise.race([exit, failAfter(ms, "exit")]);
    },
  };
}

/** Runs a command to its end (bounded). */
export function run(command: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<Exit> {
  return start(command, options).exited();
}

/** The JSON log records in `stderr` (lines that are not JSON are skipped). */
export function logRecords(stderr: string): Record<string, unknown>[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A loopback port nobody listens on right now, so that servers under test never collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Flags that keep a test server on loopback, on a port of its own. */
export async function listenFlags(): Promise<string[]> {
  return ["--bind-address", "127.0.0.1", "--https-listen-port", String(await freePort())];
}
