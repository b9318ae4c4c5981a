/**
 * The message of a pod that fits nowhere, as upstream's FitError.Error() writes it:
 * "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node
 * affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for
 * scheduling." — a count per reason, sorted as strings, then what preemption found.
 */
import type { FilterFailure } from "./framework.ts";

export interface Diagnosis {
  numAllNodes: number;
  /** The failure of each node that was filtered out. */
  statuses: Map<string, FilterFailure>;
  /** A PreFilter's reason: the pod fits nowhere, whatever the node. */
  preFilterMessage?: string;
  /** Set after preemption failed: its own message, "preemption: ...". */
  postFilterMessage?: string;
}

export function reasonHistogram(statuses: Iterable<FilterFailure>): string[] {
  const counts = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  // Go's sort.Strings: byte order.
  return [...counts].map(([r, n]) => `${n} ${r}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function fitErrorMessage(d: Diagnosis): string {
  let message = `0/${d.numAllNodes} nodes are available:`;
  if (d.preFilterMessage) message += ` ${d.preFilterMessage}.`;
  else {
    const reasons = reasonHistogram(d.statuses.values());
    if (reasons.length) message += ` ${reasons.join(", ")}.`;
  }
  if (d.postFilterMessage) message += ` ${d.postFilterMessage}.`;
  return message;
}

/** The plugins whose failures kept the pod off the nodes (to match against cluster events). */
export function rejectorsOf(d: Diagnosis): Set<string> {
  const out = new Set<string>();
  for (const s of d.statuses.values()) out.add(s.plugin);
  return out;
}
