/**
 * The taints a node's state calls for (upstream: TaintNodesByCondition for NoSchedule, the
 * NoExecute tainter for not-ready / unreachable, and the unschedulable taint that mirrors
 * spec.unschedulable), and how tolerations meet them (upstream's toleration matching).
 */
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";

/** Conditions that, when True, put a NoSchedule taint on the node (upstream's nodeConditionToTaintKeyStatusMap). */
const CONDITION_TAINTS: Array<{ type: string; status: string; key: string }> = [
  { type: "MemoryPressure", status: "True", key: "node.kubernetes.io/memory-pressure" },
  { type: "DiskPressure", status: "True", key: "node.kubernetes.io/disk-pressure" },
  { type: "NetworkUnavailable", status: "True", key: "node.kubernetes.io/network-unavailable" },
  { type: "PIDPressure", status: "True", key: "node.kubernetes.io/pid-pressure" },
];

/** Every taint key this controller manages (others' taints are left as they are). */
export const MANAGED_KEYS = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, ...CONDITION_TAINTS.map((c) => c.key)]);

export interface NodeState {
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

export function readyStatus(node: NodeState): "True" | "False" | "Unknown" {
  const s = node.status?.conditions?.find((c) => c.type === "Ready")?.status;
  return s === "True" || s === "False" ? s : "Unknown";
}

/** The NoSchedule taints the node's conditions and spec call for. */
export function noScheduleTaints(node: NodeState): Taint[] {
  const out: Taint[] = [];
  const ready = readyStatus(node);
  if (ready === "False") out.push({ key: TAINT_NOT_READY, effect: "NoSchedule" });
  if (ready === "Unknown") out.push({ key: TAINT_UNREACHABLE, effect: "NoSchedule" });
  for (const c of CONDITION_TAINTS) {
    if (node.status?.conditions?.some((x) => x.type === c.type && x.status === c.status)) out.push({ key: c.key, effect: "NoSchedule" });
  }
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: "NoSchedule" });
  return out;
}

/** The NoExecute taint the node's readiness calls for, if any. */
export function noExecuteTaint(node: NodeState): Taint | undefined {
  const ready = readyStatus(node);
  if (ready === "False") return { key: TAINT_NOT_READY, effect: "NoExecute" };
  if (ready === "Unknown") return { key: TAINT_UNREACHABLE, effect: "NoExecute" };
  return undefined;
}

export function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect && (a.value ?? "") === (b.value ?? "");
}

/** Upstream's Toleration.ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== "Exists") return false;
  if (t.operator === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

/**
 * For a pod on a node with these NoExecute taints: undefined when some taint is not tolerated
 * (evict now), Infinity when every matching toleration is unbounded, else the least
 * tolerationSeconds among the tolerations used (upstream's getMinTolerationTime).
 */
export function tolerationSeconds(tolerations: Toleration[], taints: Taint[]): number | undefined {
  let min = Infinity;
  for (const taint of taints) {
    const used = tolerations.filter((t) => tolerates(t, taint));
    if (!used.length) return undefined;
    for (const t of used) if (typeof t.tolerationSeconds === "number") min = Math.min(min, Math.max(0, t.tolerationSeconds));
  }
  return min;
}
