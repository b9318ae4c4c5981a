/**
 * What the scheduler knows of one node: the Node object, its parsed allocatable, the pods
 * assigned to it (bound or assumed), and running totals of what they request and which host
 * ports they hold — kept up to date incrementally, so that a fit check is a few comparisons.
 * Like upstream's framework.NodeInfo, with a generation bumped on every change.
 */
import { addResources, emptyResources, nodeAllocatable, podRequests, type Resources } from "./resources.ts";
import type { Node, Pod } from "./types.ts";

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) out.push({ ip: p.hostIP || "0.0.0.0", protocol: p.protocol || "TCP", port: p.hostPort });
    }
  }
  for (const c of pod.spec.initContainers ?? []) {
    if (c.restartPolicy !== "Always") continue;
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) out.push({ ip: p.hostIP || "0.0.0.0", protocol: p.protocol || "TCP", port: p.hostPort });
    }
  }
  return out;
}

export function hasRequiredAntiAffinity(pod: Pod): boolean {
  return (pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

export function hasAffinityTerms(pod: Pod): boolean {
  const a = pod.spec.affinity;
  return !!(a?.podAffinity || a?.podAntiAffinity);
}

export class NodeInfo {
  node: Node;
  readonly name: string;
  allocatable: Resources;
  allowedPods: number;
  /** Pods on this node by uid. */
  readonly pods = new Map<string, Pod>();
  readonly requested: Resources = emptyResources();
  /** Requests with the non-zero defaults, for scoring. */
  readonly nonZeroRequested = { milliCPU: 0, memory: 0 };
  /** "protocol/port" -> the host IPs that hold it. */
  readonly usedPorts = new Map<string, Map<string, number>>();
  /** Pods here with any pod (anti-)affinity, and with required anti-affinity. */
  readonly podsWithAffinity = new Set<Pod>();
  readonly podsWithRequiredAntiAffinity = new Set<Pod>();
  generation = 0;

  constructor(node: Node) {
    this.node = node;
    this.name = node.metadata.name!;
    const a = nodeAllocatable(node.status?.allocatable ?? node.status?.capacity);
    this.allocatable = a.resources;
    this.allowedPods = a.pods;
  }

  setNode(node: Node): void {
    this.node = node;
    const a = nodeAllocatable(node.status?.allocatable ?? node.status?.capacity);
    this.allocatable = a.resources;
    this.allowedPods = a.pods;
    this.generation++;
  }

  get labels(): Record<string, string> {
    return this.node.metadata.labels ?? {};
  }

  addPod(pod: Pod): void {
    const uid = pod.metadata.uid!;
    if (this.pods.has(uid)) this.removePod(uid);
    this.pods.set(uid, pod);
    this.#account(pod, 1);
  }

  removePod(uid: string): Pod | undefined {
    const pod = this.pods.get(uid);
    if (!pod) return undefined;
    this.pods.delete(uid);
    this.#account(pod, -1);
    return pod;
  }

  #account(pod: Pod, sign: 1 | -1): void {
    const r = podRequests(pod);
    addResources(this.requested, r.requested, sign);
    this.nonZeroRequested.milliCPU += r.nonZero.milliCPU * sign;
    this.nonZeroRequested.memory += r.nonZero.memory * sign;
    for (const p of podHostPorts(pod)) {
      const key = `${p.protocol}/${p.port}`;
      let ips = this.usedPorts.get(key);
      if (!ips) this.usedPorts.set(key, (ips = new Map()));
      const n = (ips.get(p.ip) ?? 0) + sign;
      if (n > 0) ips.set(p.ip, n);
      else ips.delete(p.ip);
      if (!ips.size) this.usedPorts.delete(key);
    }
    if (hasAffinityTerms(pod)) {
      if (sign > 0) this.podsWithAffinity.add(pod);
      else this.podsWithAffinity.delete(pod);
    }
    if (hasRequiredAntiAffinity(pod)) {
      if (sign > 0) this.podsWithRequiredAntiAffinity.add(pod);
      else this.podsWithRequiredAntiAffinity.delete(pod);
    }
    this.generation++;
  }

  /** HostPortInfo.CheckConflict: the same protocol and port on the same IP, or on 0.0.0.0 on either side. */
  portConflicts(p: HostPort): boolean {
    const ips = this.usedPorts.get(`${p.protocol}/${p.port}`);
    if (!ips) return false;
    if (p.ip === "0.0.0.0") return ips.size > 0;
    return ips.has(p.ip) || ips.has("0.0.0.0");
  }

  /** A copy whose pods can be removed and re-added without touching this one (preemption's dry run). */
  clone(): NodeInfo {
    const copy = new NodeInfo(this.node);
    for (const pod of this.pods.values()) copy.addPod(pod);
    return copy;
  }
}
