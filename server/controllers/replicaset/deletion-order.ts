/**
 * Which pods a ReplicaSet deletes when it has too many (replica_set.go getPodsToDelete with
 * controller.ActivePodsWithRanks): the ones it costs least to lose — unscheduled before
 * scheduled, Pending before Unknown before Running, not ready before ready, pods on nodes
 * crowded with their siblings (the same Deployment's pods) first, ready for less time first,
 * more restarts first, newer first.
 */
import { isPodReady, podCondition, type Pod } from "../pod-status.ts";

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function time(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

function maxRestarts(p: Pod): number {
  let n = 0;
  for (const c of p.status?.containerStatuses ?? []) n = Math.max(n, c.restartCount ?? 0);
  return n;
}

/**
 * ActivePodsWithRanks.Less: negative when `a` goes before `b`. `rank` counts a pod's related
 * pods on its node (more goes first).
 */
export function compareForDeletion(a: Pod, b: Pod, rank: (p: Pod) => number = () => 0): number {
  const sa = a.spec?.nodeName ? 1 : 0;
  const sb = b.spec?.nodeName ? 1 : 0;
  if (sa !== sb) return sa - sb;
  const pa = PHASE_RANK[a.status?.phase ?? ""] ?? 0;
  const pb = PHASE_RANK[b.status?.phase ?? ""] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  const ka = rank(a);
  const kb = rank(b);
  if (ka !== kb) return kb - ka;
  if (ra && rb) {
    // Ready for less time first; an unknown time counts as the shortest.
    const ta = time(podCondition(a, "Ready")?.lastTransitionTime);
    const tb = time(podCondition(b, "Ready")?.lastTransitionTime);
    if (ta !== tb) {
      if (ta === undefined) return -1;
      if (tb === undefined) return 1;
      return tb - ta;
    }
  }
  const xa = maxRestarts(a);
  const xb = maxRestarts(b);
  if (xa !== xb) return xb - xa;
  const ca = time(a.metadata.creationTimestamp);
  const cb = time(b.metadata.creationTimestamp);
  if (ca !== cb) {
    if (ca === undefined) return -1;
    if (cb === undefined) return 1;
    return cb - ca;
  }
  return 0;
}

/**
 * The `count` pods to delete. `related` are the active pods of every ReplicaSet of the same
 * owner (this one's included): a pod sharing its node with many of them goes first, which
 * spreads what remains.
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const rank = (p: Pod) => (p.spec?.nodeName ? perNode.get(p.spec.nodeName) ?? 0 : 0);
  return [...pods].sort((a, b) => compareForDeletion(a, b, rank)).slice(0, count);
}
