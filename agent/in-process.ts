/**
 * The agent that `k3ts server` runs in its own process (unless --disable-agent): this host's
 * node, plus with a simulated runtime `--simulated-nodes N` more nodes named <node>-sim-1 ...,
 * all on the server's in-process Client. Each node has its own kubelet, Runtime, Node, Lease and
 * pods; they share the pod and node informers, the pod status writer, and stagger their
 * heartbeats, so that a thousand simulated nodes stay cheap.
 */
import { hostname } from "node:os";
import type { Client } from "../plugins/client.ts";
import { ConfigError } from "../plugins/errors.ts";
import type { Logger } from "../plugins/mod.ts";
import { kubeletEvents } from "./kubelet/events.ts";
import { Kubelet, type KubeletTimings } from "./kubelet/kubelet.ts";
import { KubeletSet } from "./kubelet/kubelet-set.ts";
import { hostMachine, type MachineInfo, simulatedMachine } from "./kubelet/machine.ts";
import { parseLabels, parseTaint } from "./kubelet/node-status.ts";
import { StatusWriter } from "./kubelet/status-writer.ts";
import type { Pod } from "./kubelet/types.ts";
import type { BackOffOptions } from "./kubelet/backoff.ts";
import type { Runtime, RuntimeFactory } from "./runtime/mod.ts";
// --- node streams (logs, exec, attach, stats) for the API server without the network
import type { NodeStreamsDirectory } from "../streams/mod.ts";
import { KubeletStreams } from "./kubelet/server/streams.ts";
// --- end of node streams

export interface InProcessAgentOptions {
  client: Client;
  runtime: RuntimeFactory;
  nodeName: string;
  /** More nodes served by this process (simulated runtimes only). */
  simulatedNodes?: number;
  /** --node-label, --node-taint, --node-ip of this host's node. */
  nodeLabels?: readonly string[];
  nodeTaints?: readonly string[];
  nodeIPs?: string[];
  /** The port this host's node's kubelet HTTPS endpoint listens on (status.daemonEndpoints). */
  kubeletPort?: number;
  /** This host's node is the server's: labelled control-plane and master (k3s does so). */
  controlPlane?: boolean;
  dataDir?: string;
  /** --cluster-dns and --cluster-domain: the DNS of real pods (ClusterFirst). */
  clusterDns?: string;
  clusterDomain?: string;
  log: Logger;
  /** Tests shorten heartbeats and back-off. */
  timings?: KubeletTimings;
  backOff?: BackOffOptions;
  /** Machine of this host's node (tests give a fixed one). */
  machine?: MachineInfo;
  /** The API server's directory of node streams: each node registers its own (streams/mod.ts). */
  streams?: NodeStreamsDirectory;
}

export interface InProcessAgent {
  kubelets: KubeletSet;
  stop(): Promise<void>;
}

export async function startInProcessAgent(options: InProcessAgentOptions): Promise<InProcessAgent> {
  const { log } = options;
  const simulated = options.simulatedNodes ?? 0;
  if (simulated > 0 && !options.runtime.simulatesNodes) {
    throw new ConfigError(`--simulated-nodes needs a simulated runtime (--runtime fake); the ${options.runtime.name} runtime serves this host's node only`);
  }
  const abort = new AbortController();
  const client = options.client;
  const set = new KubeletSet(client);
  const pods = client.informer<Pod>({ apiVersion: "v1", resource: "pods" }, { fieldSelector: simulated > 0 ? "spec.nodeName!=" : `spec.nodeName=${options.nodeName}` });
  const status = new StatusWriter({ client, log: log.child("status"), current: (ns, name) => pods.get(name, ns) });
  const runtimes: Runtime[] = [];
  const unregister: (() => void)[] = [];
  const host = options.machine ?? hostMachine({ dataDir: options.dataDir, nodeIPs: options.nodeIPs });
  const timings = { ...options.timings, stagger: options.timings?.stagger ?? simulated > 0 };

  const nodes = [
    { name: options.nodeName, machine: host, labels: parseLabels(options.nodeLabels), taints: (options.nodeTaints ?? []).map(parseTaint), controlPlane: options.controlPlane, simulatedIndex: 0, kubeletPort: options.kubeletPort },
    ...Array.from({ length: simulated }, (_, i) => ({
      name: `${options.nodeName}-sim-${i + 1}`,
      machine: simulatedMachine(i + 1, host),
      labels: { "k3ts.io/simulated": "true" },
      taints: [],
      controlPlane: false,
      simulatedIndex: i + 1,
      kubeletPort: undefined as number | undefined,
    })),
  ];
  try {
    // Registrations a few at a time: a thousand at once would queue behind each other anyway.
    const batch = 16;
    for (let i = 0; i < nodes.length; i += batch) {
      await Promise.all(nodes.slice(i, i + batch).map(async (n) => {
        const nodeLog = log.child(n.name);
        const runtime = await options.runtime.open({ name: n.name, log: nodeLog, signal: abort.signal });
        runtimes.push(runtime);
        const kubelet = new Kubelet({
          identity: { name: n.name, machine: n.machine, labels: n.labels, taints: n.taints, controlPlane: n.controlPlane, kubeletPort: n.kubeletPort },
          client,
          runtime,
          status,
          // Simulated nodes record only warnings: four Events per pod would double the writes of a scale run.
          events: kubeletEvents(client, n.name, nodeLog, n.simulatedIndex === 0 ? "all" : "warnings"),
          // kubelet-real: a real runtime's pods get volumes under <data-dir>/agent/pods, env from the API, probes that run.
          realPods: !options.runtime.simulatesNodes && options.dataDir
            ? {
              dataDir: options.dataDir,
              clusterDns: (options.clusterDns ?? "").split(",").map((x) => x.trim()).filter(Boolean),
              clusterDomain: options.clusterDomain ?? "cluster.local",
            }
            : undefined,
          log: nodeLog,
          backOff: options.backOff,
          timings,
        });
        await kubelet.start(abort.signal);
        set.add(kubelet);
        if (options.streams) {
          const streams = new KubeletStreams({ nodeName: n.name, runtime, memoryBytes: n.machine.memoryBytes, simulated: options.runtime.simulatesNodes });
          unregister.push(options.streams.register(n.name, streams));
        }
      }));
    }
    await set.start(abort.signal);
  } catch (err) {
    for (const u of unregister) u();
    abort.abort();
    status.stop();
    await Promise.all(runtimes.map((r) => r.close()));
    throw err;
  }
  log.info("agent started", { node: options.nodeName, simulatedNodes: simulated, runtime: options.runtime.name });
  return {
    kubelets: set,
    async stop() {
      for (const u of unregister) u();
      abort.abort();
      status.stop();
      await Promise.all(runtimes.map((r) => r.close()));
    },
  };
}

/** What `k3ts server` hands its in-process agent (see server/start.ts). */
export interface ServerAgentContext {
  client: Client;
  /** What the runtime module provided (`provides.runtime`). */
  runtime: unknown;
  values: Record<string, unknown>;
  dataDir: string;
  log: Logger;
  /** The API server's node streams directory (in-process logs, exec, attach, stats). */
  streams?: NodeStreamsDirectory;
}

function isRuntimeFactory(value: unknown): value is RuntimeFactory {
  return typeof value === "object" && value !== null && typeof (value as RuntimeFactory).open === "function";
}

/** The server's agent from its settled flags: --node-name, --node-label, --node-taint, --node-ip, --simulated-nodes. */
export function startServerAgent(ctx: ServerAgentContext): Promise<InProcessAgent> {
  if (!isRuntimeFactory(ctx.runtime)) throw new ConfigError("the runtime module provided no runtime (provides.runtime with an open() method)");
  const v = ctx.values;
  const simulated = (v["simulated-nodes"] as number | undefined) ?? 0;
  if (simulated > 0 && !ctx.runtime.simulatesNodes) {
    throw new ConfigError(`--simulated-nodes needs a simulated runtime (--runtime fake); the ${ctx.runtime.name} runtime serves this host's node only`);
  }
  const ip = v["node-ip"] as string | undefined;
  return startInProcessAgent({
    client: ctx.client,
    runtime: ctx.runtime,
    nodeName: (v["node-name"] as string | undefined) ?? hostname().toLowerCase(),
    simulatedNodes: simulated,
    nodeLabels: v["node-label"] as string[] | undefined,
    nodeTaints: v["node-taint"] as string[] | undefined,
    nodeIPs: ip ? ip.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
    controlPlane: true,
    dataDir: ctx.dataDir,
    clusterDns: v["cluster-dns"] as string | undefined,
    clusterDomain: v["cluster-domain"] as string | undefined,
    log: ctx.log,
    streams: ctx.streams, // node streams: in-process logs, exec, attach, stats
  });
}
