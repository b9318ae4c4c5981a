/**
 * The Node object a kubelet registers, and the status it keeps reporting: labels as the kubelet
 * and k3s set them, registration taints, capacity and allocatable, addresses, nodeInfo, and the
 * conditions (Ready from the runtime's own conditions, the pressure conditions, and
 * NetworkUnavailable from the runtime's network). `statusChanged` says whether a new status is
 * worth a write before the periodic report is due (anything but heartbeat times changed).
 */
import type { RuntimeStatus, VersionResponse } from "../runtime/mod.ts";
import type { MachineInfo } from "./machine.ts";
import { apiTime, type NodeCondition, type NodeJson, type Taint } from "./types.ts";

export const KUBELET_VERSION = "v1.32.0-k3ts";
export const KUBELET_PORT = 10250;

export interface NodeIdentity {
  name: string;
  machine: MachineInfo;
  /** --node-label KEY=VALUE */
  labels?: Record<string, string>;
  /** --node-taint KEY=VALUE:EFFECT */
  taints?: Taint[];
  /** The server's own node: labelled control-plane and master, as k3s labels it. */
  controlPlane?: boolean;
  /** Extra labels (a simulated node is marked as such). */
  extraLabels?: Record<string, string>;
  /** The port of the kubelet's HTTPS endpoint (status.daemonEndpoints); 10250 by default. */
  kubeletPort?: number;
}

/** Parses --node-taint values: KEY[=VALUE]:EFFECT. */
export function parseTaint(text: string): Taint {
  const colon = text.lastIndexOf(":");
  const effect = text.slice(colon + 1) as Taint["effect"];
  const kv = text.slice(0, colon);
  const eq = kv.indexOf("=");
  return eq < 0 ? { key: kv, effect } : { key: kv.slice(0, eq), value: kv.slice(eq + 1), effect };
}

/** Parses --node-label values: KEY=VALUE. */
export function parseLabels(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf("=");
    if (eq < 0) out[item] = "";
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export function nodeLabels(id: NodeIdentity): Record<string, string> {
  return {
    "beta.kubernetes.io/arch": id.machine.arch,
    "beta.kubernetes.io/os": id.machine.os,
    "kubernetes.io/arch": id.machine.arch,
    "kubernetes.io/hostname": id.name,
    "kubernetes.io/os": id.machine.os,
    ...(id.controlPlane ? { "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true" } : {}),
    ...id.extraLabels,
    ...id.labels,
  };
}

function kibibytes(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

export function capacity(m: MachineInfo): Record<string, string> {
  return {
    cpu: String(m.cpu),
    "ephemeral-storage": kibibytes(m.ephemeralStorageBytes),
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    memory: kibibytes(m.memoryBytes),
    pods: String(m.maxPods),
  };
}

/** Allocatable: capacity less the eviction threshold kept for the system (upstream's defaults: 100Mi memory, 10% disk). */
export function allocatable(m: MachineInfo): Record<string, string> {
  return {
    ...capacity(m),
    "ephemeral-storage": String(Math.floor(m.ephemeralStorageBytes * 0.9)),
    memory: kibibytes(Math.max(0, m.memoryBytes - 100 * 1024 * 1024)),
  };
}

function runtimeCondition(status: RuntimeStatus, type: string) {
  return status.conditions.find((c) => c.type === type);
}

/** Ready as the kubelet decides it: the runtime and its network ready. */
function readyCondition(runtime: RuntimeStatus): Omit<NodeCondition, "lastHeartbeatTime" | "lastTransitionTime"> {
  const problems: string[] = [];
  for (const type of ["RuntimeReady", "NetworkReady"]) {
    const c = runtimeCondition(runtime, type);
    if (!c?.status) {
      const what = type === "RuntimeReady" ? "container runtime status check may not have completed yet" : "container runtime network not ready";
      problems.push(`${what}: ${type}=false reason:${c?.reason ?? ""} message:${c?.message ?? ""}`);
    }
  }
  if (problems.length) return { type: "Ready", status: "False", reason: "KubeletNotReady", message: problems.join(", ") };
  return { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" };
}

export function nodeConditions(runtime: RuntimeStatus, old: NodeCondition[] | undefined, now: number): NodeCondition[] {
  const network = runtimeCondition(runtime, "NetworkReady");
  const wanted: Omit<NodeCondition, "lastHeartbeatTime" | "lastTransitionTime">[] = [
    network?.status
      ? { type: "NetworkUnavailable", status: "False", reason: "RouteCreated", message: "the pod network of this node is set up" }
      : { type: "NetworkUnavailable", status: "True", reason: "NoRouteCreated", message: network?.message ?? "the pod network of this node is not set up" },
    { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
    { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
    { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
    readyCondition(runtime),
  ];
  const time = apiTime(now);
  return wanted.map((c) => {
    const before = old?.find((o) => o.type === c.type);
    return { ...c, lastHeartbeatTime: time, lastTransitionTime: before && before.status === c.status ? (before.lastTransitionTime ?? time) : time };
  });
}

export function nodeStatus(id: NodeIdentity, version: VersionResponse, runtime: RuntimeStatus, old: NodeJson["status"], now: number): NonNullable<NodeJson["status"]> {
  const m = id.machine;
  return {
    capacity: capacity(m),
    allocatable: allocatable(m),
    conditions: nodeConditions(runtime, old?.conditions, now),
    addresses: [...m.internalIPs.map((address) => ({ type: "InternalIP", address })), { type: "Hostname", address: id.name }],
    daemonEndpoints: { kubeletEndpoint: { Port: id.kubeletPort ?? KUBELET_PORT } },
    nodeInfo: {
      machineID: m.machineID,
      systemUUID: m.systemUUID,
      bootID: m.bootID,
      kernelVersion: m.kernelVersion,
      osImage: m.osImage,
      containerRuntimeVersion: `${version.runtimeName}://${version.runtimeVersion}`,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: m.os,
      architecture: m.arch,
    },
  };
}

/** The Node to create at registration. */
export function nodeObject(id: NodeIdentity, status: NonNullable<NodeJson["status"]>): NodeJson {
  const node: NodeJson = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: id.name,
      labels: nodeLabels(id),
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
    spec: {},
    status,
  };
  if (id.taints?.length) node.spec!.taints = id.taints;
  return node;
}

/** Whether `next` differs from `last` in more than heartbeat times. */
export function statusChanged(last: NodeJson["status"] | undefined, next: NodeJson["status"]): boolean {
  if (!last) return true;
  const strip = (s: NodeJson["status"]) => JSON.stringify({ ...s, conditions: s?.conditions?.map(({ lastHeartbeatTime: _h, ...c }) => c) });
  return strip(last) !== strip(next);
}
