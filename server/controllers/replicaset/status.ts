/**
 * A ReplicaSet's status from its active pods (replica_set_utils.go calculateStatus): counts of
 * pods, pods carrying all the template's labels, ready pods and pods available after
 * minReadySeconds, and the ReplicaFailure condition while creating or deleting pods fails.
 */
import { isPodAvailable, isPodReady, type Pod } from "../pod-status.ts";
import { nowTime, type ReplicaSet, type ReplicaSetCondition, type ReplicaSetStatus } from "./types.ts";

export function calculateStatus(rs: ReplicaSet, activePods: readonly Pod[], manageError: unknown, now = Date.now()): ReplicaSetStatus {
  const templateLabels = Object.entries(rs.spec.template?.metadata?.labels ?? {});
  const minReadySeconds = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    const labels = pod.metadata.labels ?? {};
    if (templateLabels.every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }
  let conditions: ReplicaSetCondition[] = [...(rs.status?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === "ReplicaFailure");
  if (manageError && !failure) {
    const diff = activePods.length - (rs.spec.replicas ?? 1);
    const reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
    conditions.push({ type: "ReplicaFailure", status: "True", lastTransitionTime: nowTime(now), reason, message: errorMessage(manageError) });
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== "ReplicaFailure");
  }
  const status: ReplicaSetStatus = {
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation,
  };
  if (conditions.length) status.conditions = conditions;
  return status;
}

/** Whether writing `next` would change what is stored (zero counts are omitted by the API). */
export function statusChanged(current: ReplicaSetStatus | undefined, next: ReplicaSetStatus): boolean {
  const c = current ?? { replicas: 0 };
  return (c.replicas ?? 0) !== next.replicas ||
    (c.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0) ||
    (c.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (c.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    (c.observedGeneration ?? 0) !== (next.observedGeneration ?? 0) ||
    JSON.stringify(c.conditions ?? []) !== JSON.stringify(next.conditions ?? []);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
