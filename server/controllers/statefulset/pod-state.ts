/** How the statefulset controller reads a pod (stateful_set_utils.go's predicates). */
import { isPodAvailable, isPodReady, type Pod } from "../pod-status.ts";

/** isCreated: the API has given it a phase (a placeholder for a pod still to create has none). */
export function isCreated(pod: Pod): boolean {
  return Boolean(pod.status?.phase);
}

export function isFailed(pod: Pod): boolean {
  return pod.status?.phase === "Failed";
}

export function isSucceeded(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded";
}

export function isPending(pod: Pod): boolean {
  return pod.status?.phase === "Pending";
}

export function isTerminating(pod: Pod): boolean {
  return Boolean(pod.metadata.deletionTimestamp);
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === "Running" && isPodReady(pod);
}

export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, now = Date.now()): boolean {
  return pod.status?.phase === "Running" && isPodAvailable(pod, minReadySeconds, now);
}

/** isHealthy: running, ready and not on its way out. */
export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}
