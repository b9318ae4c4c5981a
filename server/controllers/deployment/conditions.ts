/**
 * Deployment conditions and the rollout predicates built on them (deployment_util.go):
 * setting a condition keeps its lastTransitionTime while the status stays the same, and is a
 * no-op when status and reason are unchanged; complete, progressing and timed-out rollouts.
 */
import { nowTime } from "../replicaset/types.ts";
import { replicasOf } from "./fenceposts.ts";
import { type Deployment, type DeploymentCondition, type DeploymentStatus, NEW_RS_AVAILABLE_REASON, TIMED_OUT_REASON } from "./types.ts";

export function newCondition(type: string, status: string, reason: string, message: string, now = Date.now()): DeploymentCondition {
  const at = nowTime(now);
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition; mutates `status`. */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== 2147483647;
}

/** DeploymentComplete: every replica updated and available, and this generation observed. */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const replicas = replicasOf(d);
  return (status.updatedReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than before. */
export function deploymentProgressing(d: Deployment, status: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** DeploymentTimedOut: no progress for progressDeadlineSeconds since the condition last moved. */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, now = Date.now()): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(status, "Progressing");
  if (!cond) return false;
  if (cond.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (cond.reason === TIMED_OUT_REASON) return true;
  const from = Date.parse(cond.lastUpdateTime ?? "");
  if (!Number.isFinite(from)) return false;
  return from + (d.spec.progressDeadlineSeconds ?? 600) * 1000 < now;
}
