/**
 * What workload controllers read from a pod's status, as upstream's podutil and controller
 * helpers read it: readiness, availability after minReadySeconds, whether a pod still counts as
 * active, and which object controls it. Shared by the Job and DaemonSet controllers (and any
 * other controller that owns pods).
 */
import type { KubeObject } from "../../plugins/client.ts";

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: { terminated?: { exitCode?: number; finishedAt?: string; reason?: string }; running?: unknown; waiting?: unknown };
}

export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    restartPolicy?: string;
    hostNetwork?: boolean;
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    affinity?: Record<string, unknown> & { nodeAffinity?: Record<string, unknown> };
    hostname?: string;
    containers?: Array<Record<string, unknown> & { name: string; env?: unknown[] }>;
    initContainers?: Array<Record<string, unknown> & { name: string; env?: unknown[] }>;
    [key: string]: unknown;
  };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    startTime?: string;
    [key: string]: unknown;
  };
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export function podCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: Pod): boolean {
  return podCondition(pod, "Ready")?.status === "True";
}

/** Ready for at least minReadySeconds (podutil.IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = podCondition(pod, "Ready");
  if (ready?.status !== "True") return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** controller.FilterActivePods: neither finished nor being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;
}

export function controllerRef(o: KubeObject): NonNullable<KubeObject["metadata"]["ownerReferences"]>[number] | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** The ownerReference a controller puts on what it creates (metav1.NewControllerRef). */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string) {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/**
 * controller.ActivePods' order: the pods to delete first when there are too many — unscheduled
 * before scheduled, pending before running, not ready before ready, ready for less time first,
 * more restarts first, newer first.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const scheduled = (p: Pod) => (p.spec?.nodeName ? 1 : 0);
  if (scheduled(a) !== scheduled(b)) return scheduled(a) - scheduled(b);
  const rank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
  const pa = rank[a.status?.phase ?? "Pending"] ?? 0;
  const pb = rank[b.status?.phase ?? "Pending"] ?? 0;
  if (pa !== pb) return pa - pb;
  if (isPodReady(a) !== isPodReady(b)) return isPodReady(a) ? 1 : -1;
  const readySince = (p: Pod) => Date.parse(podCondition(p, "Ready")?.lastTransitionTime ?? "") || 0;
  if (isPodReady(a) && readySince(a) !== readySince(b)) return readySince(b) - readySince(a);
  const restarts = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => Math.max(n, c.restartCount ?? 0), 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? "") || 0;
  return created(b) - created(a);
}
