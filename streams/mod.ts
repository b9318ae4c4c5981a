/**
 * The node streams contract: what the API server asks of a node's kubelet for the streaming pod
 * subresources (log, exec, attach) and for resource usage (the kubelet's /stats/summary, which
 * the metrics.k8s.io API reads). Both sides import this file and neither imports the other:
 * the kubelet implements NodeStreams (agent/kubelet/server/), the API server calls it
 * (server/api/handlers/pod-log.ts, pod-exec.ts, server/metrics/).
 *
 * Two ways to reach a node: the in-process agent registers its kubelets' NodeStreams in the
 * server's NodeStreamsDirectory (direct calls, no network: many simulated nodes in one process);
 * any other node is reached over HTTPS at its kubelet endpoint (streams/remote.ts).
 *
 * Layer 2 of DESIGN.md (beside cni/ and agent/runtime/mod.ts): it imports nothing of k3ts.
 */

/** The pod a stream is for, as the API server knows it. */
export interface PodRef {
  namespace: string;
  name: string;
  /** The pod's uid, when known: the kubelet refuses a pod of the same name but another uid. */
  uid?: string;
}

/** kubectl logs' options (PodLogOptions), the times already resolved to milliseconds since the epoch. */
export interface ContainerLogOptions {
  follow?: boolean;
  /** The previous (terminated) instance of the container. */
  previous?: boolean;
  /** Lines at or after this time (sinceSeconds or sinceTime). */
  since?: number;
  tailLines?: number;
  timestamps?: boolean;
  limitBytes?: number;
  signal?: AbortSignal;
}

export interface TerminalSize {
  width: number;
  height: number;
}

export interface ExecOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export type AttachOptions = Omit<ExecOptions, "command">;

/** An exec or attach session (the same shape as the Runtime contract's StreamSession). */
export interface StreamSession {
  stdin?: WritableStream<Uint8Array>;
  stdout?: ReadableStream<Uint8Array>;
  stderr?: ReadableStream<Uint8Array>;
  resize?(size: TerminalSize): void;
  /** The exit code of the command (attach: of the container) once it ends. */
  exit: Promise<number>;
  close(): void;
}

// --- /stats/summary (kubelet stats/v1alpha1, the part metrics-server reads)

export interface CpuStats {
  /** RFC 3339 time of the sample. */
  time: string;
  /** Average usage over the last sampling interval, in nanocores. */
  usageNanoCores?: number;
  /** Cumulative CPU time, in core-nanoseconds. */
  usageCoreNanoSeconds?: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
}

export interface ContainerStatsSummary {
  name: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodStatsSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStatsSummary[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface Summary {
  node: {
    nodeName: string;
    startTime: string;
    cpu?: CpuStats;
    memory?: MemoryStats;
  };
  pods: PodStatsSummary[];
}

/** A forwarded connection: the pod's bytes in `readable`, ours to it through `writable`. */
export interface PortForwardConnection {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  close(): void;
}

/** One node's streams. Errors are NodeStreamsError (a status code and message for the client). */
export interface NodeStreams {
  logs(pod: PodRef, container: string, options: ContainerLogOptions): Promise<ReadableStream<Uint8Array>>;
  exec(pod: PodRef, container: string, options: ExecOptions): Promise<StreamSession>;
  attach(pod: PodRef, container: string, options: AttachOptions): Promise<StreamSession>;
  stats(): Promise<Summary>;
  /**
   * One forwarded connection to `port` in the pod's network namespace (kubectl port-forward; the
   * API server speaks SPDY to the client, protocols/spdy). Absent: the node does not serve it.
   */
  portForward?(pod: PodRef, port: number): Promise<PortForwardConnection>;
}

/** A refusal the API server passes on to its client as a Status with this code. */
export class NodeStreamsError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = "NodeStreamsError";
    this.code = code;
  }
}

/** What the API server knows of a node when it has to reach its kubelet over the network. */
export interface NodeEndpoint {
  name: string;
  /** status.addresses (InternalIP first is preferred). */
  addresses: { type: string; address: string }[];
  /** status.daemonEndpoints.kubeletEndpoint.Port (10250 by default). */
  port?: number;
}

/**
 * The nodes the API server can reach: in-process kubelets by name, and a fallback that reaches
 * any other node over the network (absent: such nodes are unreachable, 502 as upstream says
 * when the kubelet does not answer).
 */
export class NodeStreamsDirectory {
  readonly #local = new Map<string, NodeStreams>();
  remote: ((node: NodeEndpoint) => NodeStreams) | undefined;

  constructor(remote?: (node: NodeEndpoint) => NodeStreams) {
    this.remote = remote;
  }

  /** Registers an in-process node; the returned function unregisters it. */
  register(nodeName: string, streams: NodeStreams): () => void {
    this.#local.set(nodeName, streams);
    return () => {
      if (this.#local.get(nodeName) === streams) this.#local.delete(nodeName);
    };
  }

  local(nodeName: string): NodeStreams | undefined {
    return this.#local.get(nodeName);
  }

  /** The node's streams: in-process if registered, else remote, else undefined. */
  resolve(node: NodeEndpoint): NodeStreams | undefined {
    return this.#local.get(node.name) ?? this.remote?.(node);
  }
}
