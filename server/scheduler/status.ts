/**
 * The pod status the scheduler writes (upstream's updatePod): the PodScheduled condition —
 * False with reason Unschedulable (or SchedulerError) and the FailedScheduling message — and
 * status.nominatedNodeName after preemption. Nothing is written when neither would change, so
 * that retrying a pod every few seconds does not rewrite it each time.
 */
import type { Pod, PodCondition } from "./types.ts";

/** upstream truncates event and condition messages to 1024 bytes. */
export function truncateMessage(message: string): string {
  return message.length <= 1024 ? message : `${message.slice(0, 1021)}...`;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * The status merge patch that records the failure, or undefined when the pod already says so.
 * `nominatedNodeName`: a node to nominate, "" to clear one, undefined to leave it.
 */
export function unschedulablePatch(pod: Pod, reason: string, message: string, nominatedNodeName?: string): { status: Record<string, unknown> } | undefined {
  const conditions: PodCondition[] = [...(pod.status?.conditions ?? [])];
  const i = conditions.findIndex((c) => c.type === "PodScheduled");
  const old = i >= 0 ? conditions[i] : undefined;
  const conditionSame = old && old.status === "False" && old.reason === reason && old.message === message;
  const currentNominated = pod.status?.nominatedNodeName ?? "";
  const nominatedSame = nominatedNodeName === undefined || nominatedNodeName === currentNominated;
  if (conditionSame && nominatedSame) return undefined;
  const condition: PodCondition = {
    type: "PodScheduled",
    status: "False",
    lastProbeTime: null,
    lastTransitionTime: old && old.status === "False" && old.lastTransitionTime ? old.lastTransitionTime : now(),
    reason,
    message,
  };
  if (i >= 0) conditions[i] = condition;
  else conditions.push(condition);
  const status: Record<string, unknown> = { conditions };
  if (!nominatedSame) status.nominatedNodeName = nominatedNodeName || null;
  return { status };
}
