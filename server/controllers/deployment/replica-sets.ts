/**
 * What a Deployment knows about its ReplicaSets (deployment_util.go): revisions, which one is
 * new (the template equal to the Deployment's, ignoring pod-template-hash), the annotations
 * copied onto them, and the sums of their counts.
 */
import { canonicalJson } from "../pod-template-hash.ts";
import type { PodTemplate } from "../replicaset/types.ts";
import { maxSurge, replicasOf } from "./fenceposts.ts";
import {
  DESIRED_REPLICAS_ANNOTATION,
  type Deployment,
  MAX_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  type ReplicaSet,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
} from "./types.ts";

/** The revision annotation as a number (0 when absent or unreadable). */
export function revision(o: { metadata: { annotations?: Record<string, string> } }): number {
  const v = o.metadata.annotations?.[REVISION_ANNOTATION];
  if (!v || !/^\d+$/.test(v)) return 0;
  return Number(v);
}

export function maxRevision(sets: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of sets) max = Math.max(max, revision(rs));
  return max;
}

function time(value: string | undefined): number {
  return value ? Date.parse(value) || 0 : 0;
}

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = time(a.metadata.creationTimestamp) - time(b.metadata.creationTimestamp);
  return d !== 0 ? d : (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
}

/** ReplicaSetsByRevision: lowest revision first, then oldest. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const d = revision(a) - revision(b);
  return d !== 0 ? d : byCreation(a, b);
}

/**
 * Semantic equality of two values as apimachinery's Semantic.DeepEqual sees decoded API objects:
 * a missing field, null, an empty list and an empty map are all the same.
 */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? value.map(normalize) : undefined;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const n = normalize(v);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value === null ? undefined : value;
}

/** EqualIgnoreHash: the templates are equal once the pod-template-hash label is dropped. */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  const strip = (t: PodTemplate | undefined) => {
    const labels = { ...(t?.metadata?.labels ?? {}) };
    delete labels[POD_TEMPLATE_HASH_LABEL];
    return canonicalJson(normalize({ ...t, metadata: { ...t?.metadata, labels } }) ?? {});
  };
  return strip(a) === strip(b);
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(d: Deployment, sets: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...sets].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

/** FilterActiveReplicaSets: those that want pods. */
export function activeSets(sets: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return sets.filter((rs): rs is ReplicaSet => rs !== undefined && (rs.spec.replicas ?? 1) > 0);
}

/** GetActualReplicaCountForReplicaSets: the sum of status.replicas. */
export function actualReplicas(sets: readonly (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of sets) if (rs) n += rs.status?.replicas ?? 0;
  return n;
}

export function readyReplicas(sets: readonly (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of sets) if (rs) n += rs.status?.readyReplicas ?? 0;
  return n;
}

export function availableReplicas(sets: readonly (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of sets) if (rs) n += rs.status?.availableReplicas ?? 0;
  return n;
}

const SKIPPED_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  "deprecated.deployment.rollback.to",
]);

/** copyDeploymentAnnotationsToReplicaSet; mutates `annotations`. */
function copyDeploymentAnnotations(d: Deployment, annotations: Record<string, string>): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  return changed;
}

/** SetReplicasAnnotations; mutates the ReplicaSet's annotations. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    a[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

function intAnnotation(rs: ReplicaSet, name: string): number | undefined {
  const v = rs.metadata.annotations?.[name];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
}

/**
 * SetNewReplicaSetAnnotations: the Deployment's annotations, the new revision (keeping the
 * replaced one in revision-history when an old ReplicaSet comes back, as after an undo), and for
 * a ReplicaSet about to be created the replicas annotations. Mutates `rs`; true if it changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean, historyLimitChars: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = copyDeploymentAnnotations(d, a);
  const oldRevision = a[REVISION_ANNOTATION];
  let oldRevisionInt = 0;
  if (oldRevision !== undefined && oldRevision !== "") {
    if (!/^\d+$/.test(oldRevision)) return false;
    oldRevisionInt = Number(oldRevision);
  }
  if (oldRevisionInt < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined) {
      const history = a[REVISION_HISTORY_ANNOTATION] ?? "";
      const old = history.split(",");
      if (old[0] === "") a[REVISION_HISTORY_ANNOTATION] = oldRevision;
      else {
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > historyLimitChars && start < old.length) {
          total -= old[start]!.length + 1;
          start++;
        }
        if (total <= historyLimitChars) a[REVISION_HISTORY_ANNOTATION] = [...old.slice(start), oldRevision].join(",");
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** IsSaturated: the new ReplicaSet has all the Deployment's replicas, available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const replicas = replicasOf(d);
  return (rs.spec.replicas ?? 1) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}
