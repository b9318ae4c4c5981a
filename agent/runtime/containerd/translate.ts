/**
 * The Runtime contract's shapes to CRI messages and back. The contract is CRI in camelCase with
 * millisecond times; CRI has nanosecond times, wrapped integers (Int64Value) and enums as
 * names — so this file is mostly field copies, and the unit conversions.
 */
import type {
  Container, ContainerConfig, ContainerFilter, ContainerStats, ContainerStatus, Image, PodSandbox,
  PodSandboxConfig, PodSandboxFilter, PodSandboxStatus,
} from "../mod.ts";
import type {
  CriContainer, CriContainerConfig, CriContainerFilter, CriContainerStats, CriContainerStatus, CriImage,
  CriPodSandbox, CriPodSandboxConfig, CriPodSandboxFilter, CriPodSandboxStatus,
} from "./cri-types.ts";

/** CRI nanoseconds since the epoch → milliseconds (the contract's Timestamp). */
export function nsToMs(ns: number): number {
  return ns > 0 ? Math.floor(ns / 1e6) : 0;
}

export function sandboxConfigToCri(c: PodSandboxConfig): CriPodSandboxConfig {
  const sc = c.linux?.securityContext;
  return {
    metadata: { ...c.metadata },
    // A host-network pod shares the node's UTS namespace: runc refuses to set a hostname there,
    // and upstream's kubelet sends none (kuberuntime_sandbox.go).
    hostname: sc?.namespaceOptions?.network === "NODE" ? "" : c.hostname ?? "",
    logDirectory: c.logDirectory ?? "",
    dnsConfig: c.dnsConfig ? { servers: c.dnsConfig.servers, searches: c.dnsConfig.searches, options: c.dnsConfig.options } : undefined,
    portMappings: (c.portMappings ?? []).map((p) => ({ protocol: p.protocol, containerPort: p.containerPort, hostPort: p.hostPort ?? 0, hostIp: p.hostIp ?? "" })),
    labels: c.labels,
    annotations: c.annotations,
    linux: c.linux
      ? {
        cgroupParent: c.linux.cgroupParent ?? "",
        securityContext: sc ? { namespaceOptions: sc.namespaceOptions ? { ...sc.namespaceOptions } : undefined, privileged: sc.privileged ?? false } : undefined,
        sysctls: c.linux.sysctls ?? {},
      }
      : {},
  };
}

/**
 * The namespaces a container joins. CRI's default PID mode is POD (every container of the pod
 * and the pause process in one PID namespace); a Kubernetes pod's is one per container unless
 * shareProcessNamespace — the kubelet always sends it, so we do too. Network and IPC follow the
 * sandbox's.
 */
function containerNamespaces(sandbox?: PodSandboxConfig): { network: "POD" | "NODE"; pid: "POD" | "CONTAINER" | "NODE"; ipc: "POD" | "NODE" } {
  const ns = sandbox?.linux?.securityContext?.namespaceOptions;
  return { network: ns?.network ?? "POD", pid: ns?.pid === "NODE" ? "NODE" : ns?.pid === "POD" ? "POD" : "CONTAINER", ipc: ns?.ipc ?? "POD" };
}

export function containerConfigToCri(c: ContainerConfig, sandbox?: PodSandboxConfig): CriContainerConfig {
  const sc = c.linux?.securityContext;
  return {
    metadata: { ...c.metadata },
    image: { image: c.image.image, annotations: c.image.annotations ?? {} },
    command: c.command ?? [],
    args: c.args ?? [],
    workingDir: c.workingDir ?? "",
    envs: c.envs ?? [],
    mounts: (c.mounts ?? []).map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly ?? false, propagation: m.propagation ?? "PROPAGATION_PRIVATE" })),
    labels: c.labels,
    annotations: c.annotations,
    logPath: c.logPath ?? "",
    stdin: c.stdin ?? false,
    stdinOnce: c.stdinOnce ?? false,
    tty: c.tty ?? false,
    linux: {
      resources: c.linux?.resources ? { ...c.linux.resources } : undefined,
      securityContext: {
        namespaceOptions: containerNamespaces(sandbox),
        runAsUser: sc?.runAsUser !== undefined ? { value: sc.runAsUser } : undefined,
        runAsGroup: sc?.runAsGroup !== undefined ? { value: sc.runAsGroup } : undefined,
        readonlyRootfs: sc?.readonlyRootfs ?? false,
        privileged: sc?.privileged ?? false,
        capabilities: sc?.capabilities ? { addCapabilities: sc.capabilities.addCapabilities ?? [], dropCapabilities: sc.capabilities.dropCapabilities ?? [] } : undefined,
        noNewPrivs: sc?.noNewPrivs ?? false,
        // kubelet-real: fsGroup and supplementalGroups from the pod's securityContext.
        supplementalGroups: sc?.supplementalGroups ?? [],
      },
    },
  };
}

const noMetadata = { name: "", uid: "", namespace: "", attempt: 0 };

export function sandboxStatusFromCri(s: CriPodSandboxStatus): PodSandboxStatus {
  return {
    id: s.id,
    metadata: s.metadata ?? noMetadata,
    state: s.state,
    createdAt: nsToMs(s.createdAt),
    network: s.network ? { ip: s.network.ip, additionalIps: s.network.additionalIps.map((p) => ({ ip: p.ip })) } : undefined,
    labels: s.labels,
    annotations: s.annotations,
  };
}

export function sandboxFromCri(s: CriPodSandbox): PodSandbox {
  return { id: s.id, metadata: s.metadata ?? noMetadata, state: s.state, createdAt: nsToMs(s.createdAt), labels: s.labels, annotations: s.annotations };
}

export function sandboxFilterToCri(f: PodSandboxFilter): CriPodSandboxFilter {
  return { id: f.id ?? "", state: f.state ? { state: f.state } : undefined, labelSelector: f.labelSelector ?? {} };
}

export function containerFilterToCri(f: ContainerFilter): CriContainerFilter {
  return { id: f.id ?? "", state: f.state ? { state: f.state } : undefined, podSandboxId: f.podSandboxId ?? "", labelSelector: f.labelSelector ?? {} };
}

export function containerFromCri(c: CriContainer): Container {
  return {
    id: c.id,
    podSandboxId: c.podSandboxId,
    metadata: c.metadata ?? { name: "", attempt: 0 },
    image: { image: c.image?.image ?? "", annotations: c.image?.annotations },
    imageRef: c.imageRef,
    state: c.state,
    createdAt: nsToMs(c.createdAt),
    labels: c.labels,
    annotations: c.annotations,
  };
}

export function containerStatusFromCri(s: CriContainerStatus): ContainerStatus {
  return {
    id: s.id,
    metadata: s.metadata ?? { name: "", attempt: 0 },
    state: s.state,
    createdAt: nsToMs(s.createdAt),
    startedAt: nsToMs(s.startedAt),
    finishedAt: nsToMs(s.finishedAt),
    exitCode: s.exitCode,
    image: { image: s.image?.image ?? "", annotations: s.image?.annotations },
    imageRef: s.imageRef,
    reason: s.reason || undefined,
    message: s.message || undefined,
    labels: s.labels,
    annotations: s.annotations,
    mounts: s.mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly, propagation: m.propagation })),
    logPath: s.logPath || undefined,
  };
}

export function imageFromCri(i: CriImage): Image {
  return { id: i.id, repoTags: i.repoTags, repoDigests: i.repoDigests, size: i.size, pinned: i.pinned };
}

export function statsFromCri(s: CriContainerStats): ContainerStats {
  return {
    containerId: s.attributes?.id ?? "",
    timestamp: nsToMs(s.cpu?.timestamp || s.memory?.timestamp || 0) || Date.now(),
    cpuUsageCoreNanoSeconds: s.cpu?.usageCoreNanoSeconds?.value ?? 0,
    memoryWorkingSetBytes: s.memory?.workingSetBytes?.value ?? 0,
    writableLayerUsedBytes: s.writableLayer?.usedBytes?.value ?? 0,
  };
}
