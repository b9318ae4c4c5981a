/**
 * Runs the agent's own containerd, as k3s does: writes its config.toml, starts it as a child with
 * its log in a file, waits until CRI answers, restarts it with back-off when it dies, and on stop
 * sends TERM, then KILL. Containers live on in their shims (own process groups), so stopping or
 * restarting containerd — or the agent — does not stop pods.
 *
 * Node cannot ask the kernel to kill a child when its parent dies (no PR_SET_PDEATHSIG), so the
 * launcher records containerd's pid and, at the next start, ends a containerd left over from an
 * agent that was killed, before starting its own on the same socket.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Logger } from "../../../plugins/mod.ts";
import { CriClient } from "./cri-client.ts";
import { type ContainerdConfig, renderConfig } from "./config.ts";
import { canLowerOomScore, overlayWorks, systemdIsInit } from "./host.ts";
import { type ProcessInfo, readProcess, stopProcess } from "../../processes.ts";
import type { Registries } from "./registries.ts";
import { registryHostFiles, withMirrors } from "./registry-hosts.ts";

/** Unix socket paths hold at most 107 bytes (sun_path is 108 with the NUL). */
const MAX_SOCKET_PATH = 107;

export interface LauncherOptions {
  /** `<data-dir>/agent/containerd`: root, state, socket, config and log all live here. */
  dir: string;
  sandboxImage: string;
  cniBinDir: string;
  cniConfDir: string;
  log: Logger;
  /** The containerd binary; `containerd` on PATH by default. */
  binary?: string;
  /** Force a snapshotter instead of probing for overlay. */
  snapshotter?: "overlayfs" | "native";
  /** Registry mirrors: registry → endpoints (the module's `mirrors`; registries.yaml's entries win). */
  mirrors?: Record<string, string[]>;
  /** registries.yaml: mirrors, credentials, TLS. */
  registries?: Registries;
  /** Never fall back to a mirrored registry's own endpoint (k3s's --disable-default-registry-endpoint). */
  disableDefaultRegistryEndpoint?: boolean;
  /** How long to wait for CRI to answer after a start (default 60 s). */
  readyTimeoutMs?: number;
  /** Back-off between restarts: from `min` doubling to `max` (default 1 s to 30 s). */
  restartBackoffMs?: { min: number; max: number };
  /** Called after containerd was restarted and CRI answers again. */
  onRestart?: () => void;
}

export interface LauncherPaths {
  socket: string;
  config: string;
  log: string;
  pidFile: string;
  root: string;
  state: string;
  /** The registry hosts dir (CRI's config_path): `<registry>/hosts.toml`. */
  registryHosts: string;
}

export function launcherPaths(dir: string): LauncherPaths {
  return {
    socket: join(dir, "containerd.sock"),
    config: join(dir, "config.toml"),
    log: join(dir, "containerd.log"),
    pidFile: join(dir, "containerd.pid"),
    root: join(dir, "root"),
    state: join(dir, "state"),
    registryHosts: join(dir, "certs.d"),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A free TCP port on loopback for containerd's stream server (it needs a fixed one: its URLs carry it). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** The containerd that the pid file names, if it is alive and runs this config (not a recycled pid). */
export function containerdOfPidFile(paths: LauncherPaths): ProcessInfo | undefined {
  if (!existsSync(paths.pidFile)) return undefined;
  const pid = Number(readFileSync(paths.pidFile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  const info = readProcess(pid);
  return info?.argv.includes(paths.config) ? info : undefined;
}

/** Polls CRI Version until it answers, the deadline passes, `signal` aborts or `gone` says the process died. */
export async function waitForCri(socket: string, timeoutMs: number, signal: AbortSignal, gone: () => string | undefined = () => undefined): Promise<CriClient> {
  const client = new CriClient(socket);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (!signal.aborted && Date.now() < deadline) {
    const died = gone();
    if (died) break;
    try {
      await client.version({ timeoutMs: 2000 });
      return client;
    } catch (error) {
      last = error;
    }
    await sleep(200, signal);
  }
  client.close();
  const died = gone();
  if (died) throw new Error(`containerd exited before CRI answered (${died})`);
  if (signal.aborted) throw new Error("stopped while waiting for containerd");
  throw new Error(`containerd's CRI did not answer on ${socket} within ${timeoutMs / 1000} s: ${(last as Error)?.message ?? "no answer"}`);
}

export class ContainerdLauncher {
  readonly paths: LauncherPaths;
  readonly #options: LauncherOptions;
  readonly #log: Logger;
  readonly #stopping = new AbortController();
  #child: ChildProcess | undefined;
  #exit: Promise<void> | undefined;
  #exitReason: string | undefined;
  #supervisor: Promise<void> | undefined;
  #config: ContainerdConfig | undefined;
  /** How many times containerd was started (1 after the first start). */
  starts = 0;
  /** How many times a dead containerd was restarted and CRI answered again. */
  restarts = 0;

  constructor(options: LauncherOptions) {
    this.#options = options;
    this.#log = options.log;
    this.paths = launcherPaths(options.dir);
    if (new TextEncoder().encode(this.paths.socket).length > MAX_SOCKET_PATH) {
      throw new Error(`containerd's socket path ${this.paths.socket} is longer than ${MAX_SOCKET_PATH} bytes (unix sockets' limit): choose a shorter --data-dir`);
    }
  }

  get socket(): string {
    return this.paths.socket;
  }

  get snapshotter(): "overlayfs" | "native" {
    return this.#config?.snapshotter ?? "overlayfs";
  }

  /** The pid of the running containerd, if any. */
  get pid(): number | undefined {
    return this.#child?.exitCode === null ? this.#child.pid : undefined;
  }

  /** Writes the config, starts containerd and resolves once CRI answers; then supervises it until stop(). */
  async start(): Promise<void> {
    const { dir } = this.#options;
    mkdirSync(dir, { recursive: true });
    mkdirSync(this.paths.root, { recursive: true });
    mkdirSync(this.paths.state, { recursive: true });
    await this.#endLeftover();
    const snapshotter = this.#options.snapshotter ?? (overlayWorks(join(this.paths.root, "tmp")) ? "overlayfs" : "native");
    if (!canLowerOomScore()) this.#log.info("no CAP_SYS_RESOURCE: containers keep oom_score_adj at or above containerd's (restrict_oom_score_adj)");
    if (snapshotter === "native") this.#log.warn("overlay mounts do not work here: using the native snapshotter (full copies of image layers)");
    this.#config = {
      root: this.paths.root,
      state: this.paths.state,
      socket: this.paths.socket,
      snapshotter,
      sandboxImage: this.#options.sandboxImage,
      cniBinDir: this.#options.cniBinDir,
      cniConfDir: this.#options.cniConfDir,
      systemdCgroup: systemdIsInit(),
      restrictOomScoreAdj: !canLowerOomScore(),
      streamAddress: "127.0.0.1",
      streamPort: await freeLoopbackPort(),
      registryConfigPath: this.paths.registryHosts,
      registryAuths: this.#writeRegistryHosts(),
    };
    // It may hold registry passwords: owner only.
    writeFileSync(this.paths.config, renderConfig(this.#config), { mode: 0o600 });
    chmodSync(this.paths.config, 0o600);
    await this.#startOnce();
    this.#supervisor = this.#supervise();
  }

  /** Rewrites the registry hosts dir from scratch (a registry dropped from the file must go); returns the credentials. */
  #writeRegistryHosts() {
    const registries = withMirrors(this.#options.registries, this.#options.mirrors);
    const hosts = registryHostFiles(registries, { disableDefaultEndpoint: this.#options.disableDefaultRegistryEndpoint });
    rmSync(this.paths.registryHosts, { recursive: true, force: true });
    mkdirSync(this.paths.registryHosts, { recursive: true });
    for (const [dir, content] of Object.entries(hosts.files)) {
      mkdirSync(join(this.paths.registryHosts, dir), { recursive: true });
      writeFileSync(join(this.paths.registryHosts, dir, "hosts.toml"), content);
    }
    for (const warning of hosts.warnings) this.#log.warn(warning);
    const names = Object.keys(hosts.files);
    if (names.length > 0) this.#log.info("registry configuration written", { registries: names.join(","), dir: this.paths.registryHosts });
    return hosts.auths;
  }

  /** TERM, then KILL after `graceMs`; no restart afterwards. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping.abort();
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killed = setTimeout(() => {
        this.#log.warn("containerd did not stop on TERM: killing it", { graceMs });
        child.kill("SIGKILL");
      }, graceMs);
      await this.#exit;
      clearTimeout(killed);
    }
    await this.#supervisor;
    rmSync(this.paths.pidFile, { force: true });
  }

  /** Ends a containerd that a killed agent left running on our socket (its pid file and config path tell). */
  async #endLeftover(): Promise<void> {
    const leftover = containerdOfPidFile(this.paths);
    rmSync(this.paths.pidFile, { force: true });
    if (!leftover) return;
    this.#log.info("ending a containerd left over from an earlier agent", { pid: leftover.pid });
    await stopProcess(leftover.pid, 10_000);
  }

  async #startOnce(): Promise<void> {
    const binary = this.#options.binary ?? "containerd";
    const logFd = openSync(this.paths.log, "a");
    this.#exitReason = undefined;
    let child: ChildProcess;
    try {
      child = spawn(binary, ["--config", this.paths.config], { stdio: ["ignore", logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    this.#child = child;
    this.starts++;
    this.#exit = new Promise<void>((resolve) => {
      child.once("error", (error) => {
        this.#exitReason = (error as NodeJS.ErrnoException).code === "ENOENT" ? `${binary} not found: install containerd (scripts/setup-debian.sh)` : error.message;
        resolve();
      });
      child.once("exit", (code, signal) => {
        this.#exitReason = signal ? `killed by ${signal}` : `exit code ${code}`;
        resolve();
      });
    });
    if (child.pid !== undefined) writeFileSync(this.paths.pidFile, `${child.pid}\n`);
    this.#log.info("starting containerd", { pid: child.pid, socket: this.paths.socket, snapshotter: this.#config?.snapshotter, log: this.paths.log });
    const started = Date.now();
    const client = await waitForCri(this.paths.socket, this.#options.readyTimeoutMs ?? 60_000, this.#stopping.signal, () => this.#exitReason)
      .catch((error: Error) => {
        throw new Error(`${error.message}; see ${this.paths.log}`);
      });
    const version = await client.version();
    client.close();
    this.#log.info("containerd is ready", { version: version.runtimeVersion, ms: Date.now() - started });
  }

  /** Restarts containerd whenever it exits, with back-off that resets after a minute of good running. */
  async #supervise(): Promise<void> {
    const { min, max } = this.#options.restartBackoffMs ?? { min: 1000, max: 30_000 };
    let backoff = min;
    const signal = this.#stopping.signal;
    while (!signal.aborted) {
      const upSince = Date.now();
      await Promise.race([this.#exit, new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }))]);
      if (signal.aborted) return;
      if (Date.now() - upSince > 60_000) backoff = min;
      this.#log.error("containerd exited; restarting", { reason: this.#exitReason, inMs: backoff, log: this.paths.log });
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, max);
      if (signal.aborted) return;
      try {
        await this.#startOnce();
        this.restarts++;
        this.#options.onRestart?.();
      } catch (error) {
        this.#log.error("containerd restart failed", { error });
        // Not answering is as bad as gone: kill it, so that the next round starts a fresh one.
        this.#child?.kill("SIGKILL");
      }
    }
  }
}
