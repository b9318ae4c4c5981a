/**
 * The rolling-update arithmetic of deployment_util.go: maxSurge and maxUnavailable as numbers of
 * pods (percentages of the desired replicas, surge rounded up and unavailability down, never
 * both zero), and how far a new ReplicaSet may grow without breaking the surge.
 */
import type { Deployment, IntOrString, ReplicaSet } from "./types.ts";

/** intstr.GetScaledValueFromIntOrPercent. Throws on a string that is not a percentage. */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number") return value;
  const m = /^(-?\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** ResolveFenceposts: [surge, unavailable]; unavailable becomes 1 if both would be 0. */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): [number, number] {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

export function replicasOf(o: { spec: { replicas?: number } }): number {
  return o.spec.replicas ?? 1;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const [, unavailable] = resolveFenceposts(d.spec.strategy?.rollingUpdate?.maxSurge, d.spec.strategy?.rollingUpdate?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const [surge] = resolveFenceposts(d.spec.strategy?.rollingUpdate?.maxSurge, d.spec.strategy?.rollingUpdate?.maxUnavailable, replicasOf(d));
  return surge;
}

/** GetReplicaCountForReplicaSets: the sum of spec.replicas. */
export function specReplicas(sets: readonly (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of sets) if (rs) n += rs.spec.replicas ?? 1;
  return n;
}

/** NewRSNewReplicas: the size the new ReplicaSet may scale to now. */
export function newRSNewReplicas(d: Deployment, allSets: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const current = newRS.spec.replicas ?? 1;
  if (!isRollingUpdate(d)) return replicasOf(d);
  const podCount = specReplicas(allSets);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (podCount >= maxTotal) return current;
  const scaleUp = Math.min(maxTotal - podCount, replicasOf(d) - current);
  return current + scaleUp;
}
