/**
 * `k3ts server`: settles the configuration, loads and starts the datastore module and the
 * manifest's plugins, starts the API server on them and writes the admin kubeconfig, then waits
 * for SIGTERM or SIGINT to stop everything (newest first) and exit 0.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Datastore } from "../datastore/mod.ts";
import type { Client } from "../plugins/client.ts";
import type { Logger } from "../plugins/mod.ts";
import { ConfigError } from "../plugins/errors.ts";
import { RUNTIMES } from "../plugins/flags.ts";
import type { FlagValue, LOG_FORMATS } from "../plugins/flags.ts";
import { startPlugins } from "../plugins/lifecycle.ts";
import { describeError } from "../plugins/lifecycle.ts";
import { loadPlugins } from "../plugins/loader.ts";
import type { BuiltinModules } from "../plugins/loader.ts";
import { createLogger } from "../plugins/logger.ts";
import type { LogLevel } from "../plugins/logger.ts";
import type { ModuleKind, PluginRef } from "../plugins/manifest.ts";
import { applyDefaultCni } from "../plugins/default-cni.ts";
import { applyRegistryFlags } from "../plugins/registry-flags.ts";
import * as platform from "../plugins/platform.ts";
import { startControlPlane } from "./control-plane.ts";
import type { NodeStreamsDirectory } from "../streams/mod.ts"; // node streams: the in-process agent registers its nodes
import { loadConfiguration, moduleRefs } from "../plugins/settings.ts";

export interface ServerOptions {
  commandLine: Record<string, FlagValue>;
  builtins: BuiltinModules;
  cwd: string;
  /** k3ts's own version (package.json). */
  version?: string;
  /**
   * Runs this host's agent in the server's process (main.ts passes agent/in-process.ts's
   * startServerAgent, so that server/ does not import agent/). Absent: no agent.
   */
  startAgent?: (ctx: { client: Client; runtime: unknown; values: Record<string, FlagValue>; dataDir: string; log: Logger; streams?: NodeStreamsDirectory }) => Promise<{ stop(): Promise<void> }>;
}

/** Modules start first, in this order, then the manifest's plugins. */
const MODULE_ORDER: readonly ModuleKind[] = ["datastore", "cni", "runtime"];

export async function runServer(options: ServerOptions): Promise<number> {
  // Listen for the signals from the start, so that one that arrives during startup is not lost.
  let requestShutdown: (signal: string) => void = () => {};
  const shutdownRequested = new Promise<string>((resolve) => (requestShutdown = resolve));
  let signals = 0;
  const removeSignalListeners = platform.onShutdownSignal((signal) => {
    // A second signal means "now": a plugin that hangs in stop() must not trap the operator.
    if (++signals > 1) {
      console.error(`k3ts server: ${signal} again during shutdown; exiting without waiting`);
      platform.exit(1);
    }
    requestShutdown(signal);
  });
  try {
    return await serve(options, shutdownRequested);
  } finally {
    removeSignalListeners();
  }
}

async function serve(options: ServerOptions, shutdownRequested: Promise<string>): Promise<number> {
  const { settings, manifest } = loadConfiguration({
    command: "server",
    commandLine: options.commandLine,
    env: platform.environment(),
    defaults: { isRoot: platform.isRoot(), homeDir: platform.homeDirectory() },
  });
  const format = (settings.values["log-format"] as (typeof LOG_FORMATS)[number] | undefined) ?? (platform.stderrIsTerminal() ? "text" : "json");
  const log = createLogger({ level: settings.values["log-level"] as LogLevel, format }).child("server");
  const dataDir = resolve(options.cwd, settings.values["data-dir"] as string);
  mkdirSync(dataDir, { recursive: true });
  log.info("starting k3ts server", { dataDir, manifest: manifest.files.length > 0 ? manifest.files.join(",") : `${manifest.file} (absent)` });

  const modules = moduleRefs(settings, manifest);
  // No datastore chosen: the embedded SQLite one, its file under the data dir.
  modules.datastore ??= { use: "sqlite", origin: { file: "default", path: "modules.datastore" } };
  applyDefaultCni(modules, { clusterCidr: settings.values["cluster-cidr"] as string, serviceCidr: settings.values["service-cidr"] as string });
  applyRegistryFlags(modules, settings, options.cwd);
  const disabled = new Set(settings.values.disable as string[]);
  const refs: { ref: PluginRef; mustProvide?: string }[] = [];
  for (const kind of MODULE_ORDER) {
    const ref = modules[kind];
    if (!ref) continue;
    // Say so plainly rather than hunting npm for a package called "containerd".
    if (kind === "runtime" && (RUNTIMES as readonly string[]).includes(ref.use) && !Object.hasOwn(options.builtins, ref.use)) {
      log.warn(`the ${ref.use} runtime is not implemented yet: the control plane runs without an agent, so no node joins and pods stay Pending`);
      continue;
    }
    refs.push({ ref, mustProvide: kind });
  }
  for (const ref of manifest.plugins) {
    if (disabled.has(ref.use)) log.info("plugin disabled by --disable", { use: ref.use });
    else refs.push({ ref });
  }

  const loaded = await loadPlugins(refs, { builtins: options.builtins, cwd: options.cwd });
  const abort = new AbortController();
  const removeRejectionHandler = platform.onUnhandledRejection((reason) =>
    log.error("background work failed (an unhandled promise rejection); k3ts goes on", { error: describeError(reason) }),
  );
  try {
    const running = await startPlugins(loaded, { dataDir, log, signal: abort.signal });
    for (const plugin of running.plugins) log.info("plugin started", { name: plugin.name, source: plugin.source });
    const datastore = running.provided.get("datastore") as Datastore | undefined;
    if (!datastore) throw new ConfigError("no datastore module provided a datastore");
    log.info("datastore ready", { name: datastore.name, revision: await datastore.currentRevision() });
    const api = await startControlPlane(settings.values, dataDir, datastore, log, options.version ?? "unknown");
    // --- in-process agent (agent/in-process.ts through options.startAgent)
    let agent: { stop(): Promise<void> } | undefined;
    const runtime = running.provided.get("runtime");
    if (settings.values["disable-agent"]) log.info("agent disabled (--disable-agent): no node on this server");
    else if (runtime === undefined) {
      if (!modules.runtime) log.warn("no runtime module (--runtime fake, or modules.runtime in the manifest): the control plane runs without an agent, so no node joins and pods stay Pending");
    } else if (options.startAgent) {
      try {
        agent = await options.startAgent({ client: api.api.client.as("kubelet"), runtime, values: settings.values, dataDir, log: log.child("agent"), streams: api.api.nodeStreams });
      } catch (err) {
        await api.stop();
        throw err;
      }
    }
    // --- end of in-process agent
    log.info("k3ts server is up", { kubeconfig: api.kubeconfigPaths.join(",") });
    await platform.releaseStartupMemory();

    const signal = await shutdownRequested;
    log.info("shutting down", { signal });
    await agent?.stop();
    abort.abort();
    await api.stop();
    await running.stop();
    // A datastore module without stop() leaves closing the store to us.
    const datastoreModule = running.plugins.find((p) => p.instance.provides?.datastore === datastore);
    if (datastore && !datastoreModule?.instance.stop) await datastore.close();
    log.info("stopped");
    return 0;
  } finally {
    abort.abort();
    removeRejectionHandler();
  }
}
