/**
 * The Runtime contract: what the kubelet asks of a container runtime, shaped after the CRI
 * (k8s.io/cri-api runtime/v1: RuntimeService and ImageService) so that the containerd module can
 * be a thin translation of these calls into CRI gRPC, and the fake module can simulate them.
 * Names follow CRI's messages (PodSandboxConfig, ContainerConfig, ContainerStatus, ...) in
 * camelCase JSON form; no protobuf is imported here.
 *
 * Where CRI answers a streaming call with a URL to its stream server (Exec, Attach, PortForward),
 * this contract returns the streams themselves: the containerd module dials the URL, the fake
 * one answers in memory. Logs are not a CRI call (the kubelet reads the files at logPath); here
 * they are a method, so that the fake runtime can keep them in memory and containerd's module
 * reads its CRI log files.
 *
 * Layer 2 of DESIGN.md: it imports only the plugin contract.
 */
import type { Logger, PluginDefinition } from "../../plugins/mod.ts";

// ---------------------------------------------------------------------------------------------
// Shared shapes

export interface KeyValue {
  key: string;
  value: string;
}

/** Nanoseconds since the epoch in CRI; here milliseconds since the epoch (Date.now()). */
export type Timestamp = number;

// ---------------------------------------------------------------------------------------------
// Version and status (CRI Version, Status, UpdateRuntimeConfig)

export interface VersionResponse {
  /** The CRI version the kubelet speaks: "0.1.0". */
  version: string;
  /** "containerd", "fake": the scheme of container IDs and of nodeInfo.containerRuntimeVersion. */
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

/** A runtime condition (CRI RuntimeCondition): RuntimeReady and NetworkReady are the required ones. */
export interface RuntimeCondition {
  type: "RuntimeReady" | "NetworkReady" | (string & {});
  status: boolean;
  reason?: string;
  message?: string;
}

export interface RuntimeStatus {
  conditions: RuntimeCondition[];
}

/** CRI RuntimeConfig: the kubelet tells the runtime (its CNI) the node's pod CIDR once known. */
export interface RuntimeConfig {
  networkConfig: { podCidr: string };
}

// ---------------------------------------------------------------------------------------------
// Pod sandboxes (CRI RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus, ListPodSandbox)

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface PortMapping {
  protocol: "TCP" | "UDP" | "SCTP";
  containerPort: number;
  hostPort?: number;
  hostIp?: string;
}

export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  /** Where the runtime writes container logs (CRI: /var/log/pods/<ns>_<name>_<uid>). */
  logDirectory?: string;
  dnsConfig?: DNSConfig;
  portMappings?: PortMapping[];
  labels: Record<string, string>;
  /** The pod's annotations: the fake runtime reads its behaviour from them. */
  annotations: Record<string, string>;
  linux?: {
    cgroupParent?: string;
    securityContext?: { namespaceOptions?: { network?: "POD" | "NODE"; pid?: "POD" | "CONTAINER" | "NODE"; ipc?: "POD" | "NODE" }; privileged?: boolean };
    sysctls?: Record<string, string>;
  };
}

export type PodSandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";

export interface PodIP {
  ip: string;
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: Timestamp;
  network?: { ip: string; additionalIps: PodIP[] };
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: Timestamp;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxState;
  labelSelector?: Record<string, string>;
}

/**
 * A container annotation the kubelet sets for simulated runtimes, which have no process to decide
 * when a container ends: "true" on init containers and on the containers of pods whose
 * restartPolicy is not Always (they run to completion), "false" otherwise. Real runtimes ignore it.
 */
export const RUN_TO_COMPLETION_ANNOTATION = "k3ts.io/run-to-completion";

// ---------------------------------------------------------------------------------------------
// Containers (CRI CreateContainer, StartContainer, StopContainer, RemoveContainer, ListContainers, ContainerStatus)

export interface ContainerMetadata {
  name: string;
  /** How many times this container has been created in its sandbox: the pod's restartCount. */
  attempt: number;
}

export interface ImageSpec {
  image: string;
  annotations?: Record<string, string>;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  propagation?: "PROPAGATION_PRIVATE" | "PROPAGATION_HOST_TO_CONTAINER" | "PROPAGATION_BIDIRECTIONAL";
}

export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
}

export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Relative to the sandbox's logDirectory: `<name>/<attempt>.log`. */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: {
    resources?: LinuxContainerResources;
    securityContext?: {
      runAsUser?: number;
      runAsGroup?: number;
      readonlyRootfs?: boolean;
      privileged?: boolean;
      capabilities?: { addCapabilities?: string[]; dropCapabilities?: string[] };
      noNewPrivs?: boolean;
      /** Added for the kubelet's securityContext (fsGroup, supplementalGroups): CRI supplemental_groups. */
      supplementalGroups?: number[];
    };
  };
}

export type ContainerState = "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  createdAt: Timestamp;
  /** 0 until started. */
  startedAt: Timestamp;
  /** 0 until exited. */
  finishedAt: Timestamp;
  exitCode: number;
  image: ImageSpec;
  /** The resolved image reference: `docker.io/library/busybox@sha256:...`. */
  imageRef: string;
  /** "Completed", "Error", "OOMKilled", "ContainerCannotRun", ... */
  reason?: string;
  message?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts?: Mount[];
  logPath?: string;
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  image: ImageSpec;
  imageRef: string;
  state: ContainerState;
  createdAt: Timestamp;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerFilter {
  id?: string;
  state?: ContainerState;
  podSandboxId?: string;
  labelSelector?: Record<string, string>;
}

/** CRI ContainerEventResponse (GetContainerEvents): what lets the kubelet skip relisting (evented PLEG). */
export interface ContainerEvent {
  containerId: string;
  type: "CONTAINER_CREATED_EVENT" | "CONTAINER_STARTED_EVENT" | "CONTAINER_STOPPED_EVENT" | "CONTAINER_DELETED_EVENT";
  createdAt: Timestamp;
  podSandboxId: string;
}

// ---------------------------------------------------------------------------------------------
// Images (CRI ImageService)

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

export interface Image {
  /** The image ID: `sha256:...`. */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  pinned?: boolean;
}

export interface ImageFsInfo {
  timestamp: Timestamp;
  mountpoint: string;
  usedBytes: number;
  inodesUsed: number;
}

// ---------------------------------------------------------------------------------------------
// Streams (CRI Exec, Attach, PortForward answer with a stream-server URL; here, the streams)

export interface TerminalSize {
  width: number;
  height: number;
}

export interface ExecRequest {
  containerId: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

export interface AttachRequest {
  containerId: string;
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** An exec or attach session: the kubelet's stream server copies these to the client's channels. */
export interface StreamSession {
  stdin?: WritableStream<Uint8Array>;
  stdout?: ReadableStream<Uint8Array>;
  /** Absent with a TTY (its output is all on stdout). */
  stderr?: ReadableStream<Uint8Array>;
  resize?(size: TerminalSize): void;
  /** The command's exit code, once it ends (for attach: when the container exits). */
  exit: Promise<number>;
  /** Ends the session (closes the streams; an exec's process is killed). */
  close(): void;
}

export interface ExecSyncResponse {
  stdout: Uint8Array;
  stderr: Uint8Array;
  exitCode: number;
}

/** One forwarded connection to a port inside the pod's network namespace. */
export interface PortForwardStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  close(): void;
}

export interface LogOptions {
  follow?: boolean;
  /** The last N lines only. */
  tail?: number;
  /** Lines written at or after this time. */
  since?: Timestamp;
  /** Prefix each line with its RFC 3339 time, as `kubectl logs --timestamps`. */
  timestamps?: boolean;
  /** Stop after this many bytes. */
  limitBytes?: number;
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------
// Stats (CRI ContainerStats, PodSandboxStats)

export interface ContainerStats {
  containerId: string;
  timestamp: Timestamp;
  /** Cumulative CPU time, in nanoseconds. */
  cpuUsageCoreNanoSeconds: number;
  memoryWorkingSetBytes: number;
  writableLayerUsedBytes: number;
}

// ---------------------------------------------------------------------------------------------
// The contract

/**
 * One node's container runtime. IDs are opaque strings, unique in this runtime; the kubelet shows
 * them as `<runtimeName>://<id>`. Every method may throw; a missing object is a RuntimeNotFoundError.
 */
export interface Runtime {
  version(): Promise<VersionResponse>;
  status(): Promise<RuntimeStatus>;
  updateRuntimeConfig(config: RuntimeConfig): Promise<void>;

  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  /** Stops every container of the sandbox and tears its network down (its IP is released). Idempotent. */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /** Removes the sandbox and its containers. Idempotent. */
  removePodSandbox(podSandboxId: string): Promise<void>;
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** Stops the container: TERM, then KILL after `timeoutSeconds` (CRI StopContainer). Idempotent. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  /**
   * Container lifecycle events, as they happen (CRI GetContainerEvents), until `signal` aborts.
   * Absent: the kubelet relists periodically instead (generic PLEG).
   */
  containerEvents?(signal: AbortSignal): AsyncIterable<ContainerEvent>;

  pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string>;
  /** The image if present, else undefined. */
  imageStatus(image: ImageSpec): Promise<Image | undefined>;
  listImages(filter?: { image?: ImageSpec }): Promise<Image[]>;
  removeImage(image: ImageSpec): Promise<void>;
  imageFsInfo(): Promise<ImageFsInfo[]>;

  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse>;
  exec(request: ExecRequest): Promise<StreamSession>;
  attach(request: AttachRequest): Promise<StreamSession>;
  portForward(podSandboxId: string, port: number): Promise<PortForwardStream>;
  logs(containerId: string, options?: LogOptions): Promise<ReadableStream<Uint8Array>>;

  containerStats(containerId: string): Promise<ContainerStats>;
  listContainerStats(filter?: ContainerFilter): Promise<ContainerStats[]>;

  /** Releases what the runtime holds for this node (connections, timers). */
  close(): Promise<void>;
}

/** Thrown for a sandbox, container or image that is not there (CRI: gRPC NotFound). */
export class RuntimeNotFoundError extends Error {
  readonly kind: "sandbox" | "container" | "image";
  readonly id: string;
  constructor(kind: "sandbox" | "container" | "image", id: string) {
    super(`${kind} ${JSON.stringify(id)} not found`);
    this.name = "RuntimeNotFoundError";
    this.kind = kind;
    this.id = id;
  }
}

/** An image that could not be pulled: the kubelet reports ErrImagePull with this message. */
export class ImagePullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImagePullError";
  }
}

// ---------------------------------------------------------------------------------------------
// The module: `modules.runtime: {use: fake}` or `--runtime fake`

/** What the kubelet knows of the node it opens a runtime for. */
export interface RuntimeNode {
  name: string;
  log: Logger;
  /** Aborted when the node's kubelet stops. */
  signal: AbortSignal;
}

/**
 * What a runtime module provides. A process serves one node on a real runtime; a simulated
 * runtime may serve many (`--simulated-nodes`), each with its own Runtime.
 */
export interface RuntimeFactory {
  readonly name: string;
  /** True when one process may open runtimes for many nodes (simulated nodes). */
  readonly simulatesNodes: boolean;
  open(node: RuntimeNode): Promise<Runtime>;
}

export interface RuntimeProvides {
  runtime: RuntimeFactory;
}

/** A runtime module: a plugin that provides a RuntimeFactory. */
export type RuntimePlugin<Config = unknown> = PluginDefinition<Config, RuntimeProvides>;
