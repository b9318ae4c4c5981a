/**
 * Taints and tolerations as v1helper matches them, and the taints a node has in effect: its
 * own, plus — when it is not Ready and the node lifecycle controller has not (yet) tainted it —
 * the not-ready or unreachable NoSchedule taint that controller would add, so that a node that
 * is not Ready takes only pods that tolerate that (upstream schedules on taints alone).
 */
import type { Node, Taint, Toleration } from "../types.ts";

export const NOT_READY_TAINT = "node.kubernetes.io/not-ready";
export const UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";

/** Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: { key: string; value?: string; effect: string }): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? "Equal") {
    case "Exists":
      return true;
    case "Equal":
    case "":
      return (t.value ?? "") === (taint.value ?? "");
    default:
      return false;
  }
}

export function tolerates(tolerations: readonly Toleration[] | null | undefined, taint: { key: string; value?: string; effect: string }): boolean {
  return !!tolerations?.some((t) => toleratesTaint(t, taint));
}

const implied = new WeakMap<Node, Taint[]>();

export function effectiveTaints(node: Node): Taint[] {
  let taints = implied.get(node);
  if (taints) return taints;
  taints = [...(node.spec?.taints ?? [])];
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  if (ready?.status !== "True" && !taints.some((t) => t.key === NOT_READY_TAINT || t.key === UNREACHABLE_TAINT)) {
    taints.push({ key: ready?.status === "Unknown" ? UNREACHABLE_TAINT : NOT_READY_TAINT, effect: "NoSchedule" });
  }
  implied.set(node, taints);
  return taints;
}
