/**
 * `k3ts agent --server URL --token TOKEN`: joins the server (agent/join), then runs this node's
 * kubelet on the runtime module (`--runtime`, containerd by default as in k3s) against the
 * server over HTTPS (agent/client), with the node's own credentials, until SIGTERM or SIGINT.
 */
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { ConfigError } from "../plugins/errors.ts";
import type { FlagValue, LOG_FORMATS } from "../plugins/flags.ts";
import { describeError, startPlugins } from "../plugins/lifecycle.ts";
import { type BuiltinModules, loadPlugins } from "../plugins/loader.ts";
import { createLogger, type LogLevel } from "../plugins/logger.ts";
import type { ModuleKind, PluginRef } from "../plugins/manifest.ts";
import { applyDefaultCni } from "../plugins/default-cni.ts";
import { applyRegistryFlags } from "../plugins/registry-flags.ts";
import * as platform from "../plugins/platform.ts";
import { loadConfiguration, moduleRefs } from "../plugins/settings.ts";
import { RemoteClient } from "./client/remote.ts";
import { followServerAddresses } from "./client/server-addresses.ts";
import { Transport } from "./client/transport.ts";
import { startInProcessAgent } from "./in-process.ts";
import { joinCluster } from "./join/join.ts";
import { hostIPv4 } from "./kubelet/machine.ts";
import { type RunningKubeletServer, startKubeletServer } from "./kubelet/server/https.ts";
import { NodeStreamsDirectory } from "../streams/mod.ts";
import type { RuntimeFactory } from "./runtime/mod.ts";

export interface AgentOptions {
  commandLine: Record<string, FlagValue>;
  builtins: BuiltinModules;
  cwd: string;
}

/** The agent loads its CNI and runtime modules only: datastores and the manifest's plugins are the server's. */
const AGENT_MODULES: readonly ModuleKind[] = ["cni", "runtime"];

function isRuntimeFactory(value: unknown): value is RuntimeFactory {
  return typeof value === "object" && value !== null && typeof (value as RuntimeFactory).open === "function";
}

export async function startAgent(options: AgentOptions, io: { err(text: string): void }): Promise<number> {
  // Listen for the signals from the start: one during the join must stop it, not be lost.
  const abort = new AbortController();
  let signals = 0;
  const removeSignalListeners = platform.onShutdownSignal((signal) => {
    if (++signals > 1) {
      io.err(`k3ts agent: ${signal} again during shutdown; exiting without waiting`);
      platform.exit(1);
    }
    abort.abort(new Error(signal));
  });
  try {
    return await runAgent(options, abort.signal);
  } finally {
    removeSignalListeners();
    abort.abort();
  }
}

async function runAgent(options: AgentOptions, shutdown: AbortSignal): Promise<number> {
  const { settings, manifest } = loadConfiguration({
    command: "agent",
    commandLine: options.commandLine,
    env: platform.environment(),
    defaults: { isRoot: platform.isRoot(), homeDir: platform.homeDirectory() },
  });
  const v = settings.values;
  const missing = [
    v.server === undefined ? "--server URL (or $K3TS_URL, or server: in the manifest)" : undefined,
    v.token === undefined ? "--token TOKEN (or $K3TS_TOKEN, or token: in the manifest)" : undefined,
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) throw new ConfigError(`an agent needs ${missing.join(" and ")} to join a server`);

  const format = (v["log-format"] as (typeof LOG_FORMATS)[number] | undefined) ?? (platform.stderrIsTerminal() ? "text" : "json");
  const log = createLogger({ level: v["log-level"] as LogLevel, format }).child("agent");
  const dataDir = resolve(options.cwd, v["data-dir"] as string);
  mkdirSync(dataDir, { recursive: true });
  const nodeName = (v["node-name"] as string | undefined) ?? hostname().toLowerCase();
  const server = v.server as string;
  log.info("starting k3ts agent", { server, node: nodeName, dataDir });

  const ip = v["node-ip"] as string | undefined;
  const nodeIPs = ip ? ip.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
  let joined;
  try {
    joined = await joinCluster({ server, token: v.token as string, nodeName, addresses: nodeIPs ?? [hostIPv4()], dataDir, log: log.child("join"), signal: shutdown });
  } catch (err) {
    if (shutdown.aborted) {
      log.info("stopped before joining");
      return 0;
    }
    throw err;
  }

  const transport = new Transport({
    servers: [joined.server],
    ca: joined.ca,
    cert: joined.certificate,
    key: joined.key,
    token: joined.token,
    userAgent: `k3ts-agent/${nodeName}`,
    onSwitch: (from, to, error) => log.warn("API server unreachable; switching", { from, to, error: error.message }),
  });
  const client = new RemoteClient({ transport, fieldManager: "kubelet", log: log.child("client") });
  followServerAddresses(client, transport, log.child("servers"), shutdown);

  // The runtime (and CNI) modules, as the server loads them; k3s's agent always runs containerd.
  const modules = moduleRefs(settings, manifest);
  modules.runtime ??= { use: "containerd", origin: { file: "default", path: "modules.runtime" } };
  // The bridge CNI with the networks the server told us at join (see plugins/default-cni.ts).
  applyDefaultCni(modules, { clusterCidr: joined.clusterCidr, serviceCidr: joined.serviceCidr });
  applyRegistryFlags(modules, settings, options.cwd);
  const refs: { ref: PluginRef; mustProvide: string }[] = [];
  for (const kind of AGENT_MODULES) {
    const ref = modules[kind];
    if (ref) refs.push({ ref, mustProvide: kind });
  }
  const loaded = await loadPlugins(refs, { builtins: options.builtins, cwd: options.cwd });
  const removeRejectionHandler = platform.onUnhandledRejection((reason) =>
    log.error("background work failed (an unhandled promise rejection); k3ts goes on", { error: describeError(reason) }),
  );
  const modulesAbort = new AbortController();
  try {
    const running = await startPlugins(loaded, { dataDir, log, signal: modulesAbort.signal });
    const runtime = running.provided.get("runtime");
    if (!isRuntimeFactory(runtime)) {
      await running.stop();
      throw new ConfigError("the runtime module provided no runtime (provides.runtime with an open() method)");
    }
    const kubeletPort = (v["kubelet-port"] as number | undefined) ?? 10250;
    // The node's streams for the kubelet's HTTPS endpoint (API servers reach logs, exec, attach, stats there).
    const streams = new NodeStreamsDirectory();
    let agent;
    let kubeletServer: RunningKubeletServer | undefined;
    try {
      agent = await startInProcessAgent({
        client,
        runtime,
        nodeName,
        nodeLabels: v["node-label"] as string[] | undefined,
        nodeTaints: v["node-taint"] as string[] | undefined,
        nodeIPs,
        kubeletPort,
        controlPlane: false,
        dataDir,
        log,
        streams,
      });
      const nodeStreams = streams.local(nodeName);
      if (joined.servingCertificate && joined.servingKey && joined.clientCa && nodeStreams) {
        // Bound to the node's IP when it has exactly one, else every address (as the kubelet).
        const hostname = nodeIPs?.length === 1 ? nodeIPs[0] : "0.0.0.0";
        kubeletServer = await startKubeletServer({ streams: nodeStreams, cert: joined.servingCertificate, key: joined.servingKey, clientCa: joined.clientCa, port: kubeletPort, hostname });
        log.info("kubelet HTTPS endpoint listening", { address: hostname, port: kubeletServer.port });
      } else {
        log.warn("the server gave no kubelet serving certificate: logs and exec of this node's pods are not served");
      }
    } catch (err) {
      await agent?.stop();
      await running.stop();
      throw err;
    }
    log.info("k3ts agent is up", { node: nodeName, runtime: runtime.name });
    // As the server does: startup's garbage back to the system, the optimizing compilers back on.
    await platform.releaseStartupMemory();
    if (!shutdown.aborted) await new Promise((done) => shutdown.addEventListener("abort", done, { once: true }));
    log.info("shutting down", { signal: (shutdown.reason as Error | undefined)?.message });
    await kubeletServer?.close();
    await agent.stop();
    modulesAbort.abort();
    await running.stop();
    log.info("stopped");
    return 0;
  } finally {
    modulesAbort.abort();
    transport.close();
    removeRejectionHandler();
  }
}
