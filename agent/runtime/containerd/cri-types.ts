/**
 * TypeScript shapes of the CRI messages in cri.proto, as @grpc/proto-loader hands them over with
 * the options in cri-client.ts: camelCase fields, enums as their names, int64 as numbers, bytes
 * as Buffers (Uint8Array), and every field present on decode (defaults filled in). On encode
 * every field is optional, which the `Partial`-style optional marks below mirror.
 */

export type StringMap = Record<string, string>;

export interface CriVersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface CriRuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface CriStatusResponse {
  status: { conditions: CriRuntimeCondition[] } | null;
  info: StringMap;
}

export type CriNamespaceMode = "POD" | "CONTAINER" | "NODE" | "TARGET";

export interface CriNamespaceOption {
  network?: CriNamespaceMode;
  pid?: CriNamespaceMode;
  ipc?: CriNamespaceMode;
  targetId?: string;
}

export interface CriPodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface CriPortMapping {
  protocol?: "TCP" | "UDP" | "SCTP";
  containerPort?: number;
  hostPort?: number;
  hostIp?: string;
}

export interface CriMount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  propagation?: "PROPAGATION_PRIVATE" | "PROPAGATION_HOST_TO_CONTAINER" | "PROPAGATION_BIDIRECTIONAL";
}

export interface CriPodSandboxConfig {
  metadata: CriPodSandboxMetadata;
  hostname?: string;
  logDirectory?: string;
  dnsConfig?: { servers?: string[]; searches?: string[]; options?: string[] };
  portMappings?: CriPortMapping[];
  labels?: StringMap;
  annotations?: StringMap;
  linux?: {
    cgroupParent?: string;
    securityContext?: {
      namespaceOptions?: CriNamespaceOption;
      runAsUser?: { value: number };
      runAsGroup?: { value: number };
      readonlyRootfs?: boolean;
      supplementalGroups?: number[];
      privileged?: boolean;
    };
    sysctls?: StringMap;
  };
}

export type CriPodSandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";

export interface CriPodSandboxStatus {
  id: string;
  metadata: CriPodSandboxMetadata | null;
  state: CriPodSandboxState;
  createdAt: number;
  network: { ip: string; additionalIps: { ip: string }[] } | null;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

export interface CriPodSandbox {
  id: string;
  metadata: CriPodSandboxMetadata | null;
  state: CriPodSandboxState;
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

export interface CriPodSandboxFilter {
  id?: string;
  state?: { state: CriPodSandboxState };
  labelSelector?: StringMap;
}

export interface CriImageSpec {
  image: string;
  annotations?: StringMap;
}

export interface CriLinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  unified?: StringMap;
  memorySwapLimitInBytes?: number;
}

export interface CriContainerConfig {
  metadata: { name: string; attempt: number };
  image: CriImageSpec;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: { key: string; value: string }[];
  mounts?: CriMount[];
  labels?: StringMap;
  annotations?: StringMap;
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: {
    resources?: CriLinuxContainerResources;
    securityContext?: {
      capabilities?: { addCapabilities?: string[]; dropCapabilities?: string[] };
      privileged?: boolean;
      namespaceOptions?: CriNamespaceOption;
      runAsUser?: { value: number };
      runAsUsername?: string;
      runAsGroup?: { value: number };
      readonlyRootfs?: boolean;
      supplementalGroups?: number[];
      noNewPrivs?: boolean;
    };
  };
}

export type CriContainerState = "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";

export interface CriContainer {
  id: string;
  podSandboxId: string;
  metadata: { name: string; attempt: number } | null;
  image: CriImageSpec | null;
  imageRef: string;
  state: CriContainerState;
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
}

export interface CriContainerStatus {
  id: string;
  metadata: { name: string; attempt: number } | null;
  state: CriContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: CriImageSpec | null;
  imageRef: string;
  reason: string;
  message: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: CriMount[];
  logPath: string;
}

export interface CriContainerFilter {
  id?: string;
  state?: { state: CriContainerState };
  podSandboxId?: string;
  labelSelector?: StringMap;
}

export interface CriExecSyncResponse {
  stdout: Uint8Array;
  stderr: Uint8Array;
  exitCode: number;
}

export interface CriUInt64Value {
  value: number;
}

export interface CriFilesystemUsage {
  timestamp: number;
  fsId: { mountpoint: string } | null;
  usedBytes: CriUInt64Value | null;
  inodesUsed: CriUInt64Value | null;
}

export interface CriContainerStats {
  attributes: { id: string; metadata: { name: string; attempt: number } | null; labels: StringMap; annotations: StringMap } | null;
  cpu: { timestamp: number; usageCoreNanoSeconds: CriUInt64Value | null; usageNanoCores: CriUInt64Value | null } | null;
  memory: { timestamp: number; workingSetBytes: CriUInt64Value | null; usageBytes: CriUInt64Value | null; rssBytes: CriUInt64Value | null } | null;
  writableLayer: CriFilesystemUsage | null;
}

export interface CriImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid: { value: number } | null;
  username: string;
  pinned: boolean;
}

export interface CriAuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}
