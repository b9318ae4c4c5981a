/**
 * Scaling a Deployment in the middle of a rollout (sync.go scale): with one active ReplicaSet it
 * simply takes the new size; otherwise the replicas added or removed are spread over the active
 * ReplicaSets in proportion to their size (max-replicas annotation), the rounding leftover going
 * to the largest, so that a rollout's shape survives a `kubectl scale`.
 */
import { maxSurge, replicasOf, specReplicas } from "./fenceposts.ts";
import { activeSets, byCreation, isSaturated, maxReplicasAnnotation } from "./replica-sets.ts";
import type { Deployment, ReplicaSet } from "./types.ts";

/** FindActiveOrLatest: the one active ReplicaSet, or the newest if none is active; else undefined. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldSets: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldSets.length === 0) return undefined;
  const newestFirst = [...oldSets].sort((a, b) => byCreation(b, a));
  const active = activeSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** getReplicaSetFraction: how many replicas this ReplicaSet gains (or loses) for the new size. */
function fraction(rs: ReplicaSet, d: Deployment): number {
  const size = rs.spec.replicas ?? 1;
  if (replicasOf(d) === 0) return -size;
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  // Go's integer.RoundToInt32 rounds half away from zero.
  const scaled = annotated === 0 ? 0 : (size * deploymentReplicas) / annotated;
  return Math.sign(scaled) * Math.round(Math.abs(scaled)) - size;
}

/** GetProportion. */
function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if ((rs.spec.replicas ?? 1) === 0 || toAdd === 0 || toAdd === added) return 0;
  const f = fraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(f, allowed) : Math.max(f, allowed);
}

/** ReplicaSetsBySizeNewer (larger first, newer on ties) or BySizeOlder (larger first, older on ties). */
function bySize(newerFirst: boolean) {
  return (a: ReplicaSet, b: ReplicaSet) => {
    const d = (b.spec.replicas ?? 1) - (a.spec.replicas ?? 1);
    if (d !== 0) return d;
    return newerFirst ? byCreation(b, a) : byCreation(a, b);
  };
}

export interface ScaleStep {
  rs: ReplicaSet;
  replicas: number;
}

/**
 * What scale() does: the ReplicaSets to set to a size (including ones whose size stays, whose
 * replicas annotations may need refreshing). Empty when there is nothing to do.
 */
export function planScale(d: Deployment, newRS: ReplicaSet | undefined, oldSets: readonly ReplicaSet[]): ScaleStep[] {
  const single = findActiveOrLatest(newRS, oldSets);
  if (single) {
    if ((single.spec.replicas ?? 1) === replicasOf(d)) return [];
    return [{ rs: single, replicas: replicasOf(d) }];
  }
  if (isSaturated(d, newRS)) return activeSets(oldSets).map((rs) => ({ rs, replicas: 0 }));
  if ((d.spec.strategy?.type ?? "RollingUpdate") !== "RollingUpdate") return [];
  const all = activeSets([...oldSets, newRS]);
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - specReplicas(all);
  if (toAdd > 0) all.sort(bySize(true));
  else if (toAdd < 0) all.sort(bySize(false));
  let added = 0;
  const sizes = new Map<ReplicaSet, number>();
  for (const rs of all) {
    if (toAdd !== 0) {
      const p = proportion(rs, d, toAdd, added);
      sizes.set(rs, (rs.spec.replicas ?? 1) + p);
      added += p;
    } else sizes.set(rs, rs.spec.replicas ?? 1);
  }
  if (toAdd !== 0 && all.length > 0) {
    const first = all[0]!;
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  return all.map((rs) => ({ rs, replicas: sizes.get(rs)! }));
}
