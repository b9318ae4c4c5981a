/**
 * A Deployment's status from its ReplicaSets (sync.go calculateStatus and progress.go
 * syncRolloutStatus): the counts, Available from maxUnavailable, Progressing from what moved
 * since the last status (or the deadline passing), and the ReplicaSets' failures.
 */
import { canonicalJson } from "../pod-template-hash.ts";
import { deploymentComplete, deploymentProgressing, deploymentTimedOut, getCondition, hasProgressDeadline, newCondition, removeCondition, setCondition } from "./conditions.ts";
import { maxUnavailable, replicasOf, specReplicas } from "./fenceposts.ts";
import { actualReplicas, availableReplicas, readyReplicas } from "./replica-sets.ts";
import {
  type Deployment,
  type DeploymentCondition,
  type DeploymentStatus,
  MIN_AVAILABLE_REASON,
  MIN_UNAVAILABLE_REASON,
  NEW_RS_AVAILABLE_REASON,
  type ReplicaSet,
  RS_UPDATED_REASON,
  TIMED_OUT_REASON,
} from "./types.ts";

/** Zero counts are omitted, as the API's omitempty fields are. */
function omitZeros(s: DeploymentStatus): DeploymentStatus {
  for (const k of ["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"] as const) {
    if (!s[k]) delete s[k];
  }
  return s;
}

export function calculateStatus(all: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now = Date.now()): DeploymentStatus {
  const available = availableReplicas(all);
  const unavailable = Math.max(0, specReplicas(all) - available);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: actualReplicas(all),
    updatedReplicas: actualReplicas([newRS]),
    readyReplicas: readyReplicas(all),
    availableReplicas: available,
    unavailableReplicas: unavailable,
  };
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition("Available", "True", MIN_AVAILABLE_REASON, "Deployment has minimum availability.", now));
  } else {
    setCondition(status, newCondition("Available", "False", MIN_UNAVAILABLE_REASON, "Deployment does not have minimum availability.", now));
  }
  return omitZeros(status);
}

/** getReplicaFailures: the first ReplicaFailure of the new ReplicaSet, else of the others. */
function replicaFailure(all: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition | undefined {
  const ordered = newRS ? [newRS, ...all.filter((rs) => rs && rs !== newRS)] : all;
  for (const rs of ordered) {
    const c = rs?.status?.conditions?.find((x) => x.type === "ReplicaFailure" && x.status === "True");
    if (c) return { type: "ReplicaFailure", status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message };
  }
  return undefined;
}

/** The status syncRolloutStatus writes. */
export function rolloutStatus(all: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now = Date.now()): DeploymentStatus {
  const status = calculateStatus(all, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, "Progressing");
  const current = getCondition(d.status, "Progressing");
  const complete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === NEW_RS_AVAILABLE_REASON;
  if (hasProgressDeadline(d) && !complete) {
    const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition("Progressing", "True", NEW_RS_AVAILABLE_REASON, `${subject} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, status)) {
      // Progress moves lastUpdateTime even with the same reason (setCondition would not).
      const condition = newCondition("Progressing", "True", RS_UPDATED_REASON, `${subject} is progressing.`, now);
      if (current) {
        if (current.status === "True") condition.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, "Progressing");
      }
      setCondition(status, condition);
    } else if (deploymentTimedOut(d, status, now)) {
      setCondition(status, newCondition("Progressing", "False", TIMED_OUT_REASON, `${subject} has timed out progressing.`, now));
    }
  }
  const failure = replicaFailure(all, newRS);
  if (failure) setCondition(status, failure);
  else removeCondition(status, "ReplicaFailure");
  return status;
}

/** Whether two statuses are the same in everything the API stores (zero counts are absent). */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return canonicalJson(statusKey(a)) === canonicalJson(statusKey(b));
}

function statusKey(s: DeploymentStatus | undefined) {
  const o = omitZeros({ ...(s ?? {}) });
  return [o.observedGeneration, o.replicas, o.updatedReplicas, o.readyReplicas, o.availableReplicas, o.unavailableReplicas, o.collisionCount, o.conditions ?? []];
}
