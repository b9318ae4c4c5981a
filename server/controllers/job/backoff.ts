/**
 * The delay before a Job replaces failed pods (the job controller's backoff store): 10 s after
 * the last failure, doubling with each failure since the last success, at most 10 minutes
 * (MaxJobPodFailureBackOff). Kept in memory per Job, as upstream does; a
 * restarted controller starts again from the pods' finish times it can see.
 */
import { type Pod, podCondition } from "../pod-status.ts";

export const DEFAULT_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 10 * 60_000;

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime: number | undefined;
}

/** When a failed pod failed: its containers' last finishedAt, else its deletion or Ready change. */
export function podFinishTime(pod: Pod, fallback: number): number {
  let latest: number | undefined;
  for (const s of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const t = s.state?.terminated?.finishedAt ? Date.parse(s.state.terminated.finishedAt) : NaN;
    if (Number.isFinite(t) && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return latest;
  const deleted = pod.metadata.deletionTimestamp ? Date.parse(pod.metadata.deletionTimestamp) : NaN;
  if (Number.isFinite(deleted)) return deleted;
  const ready = Date.parse(podCondition(pod, "Ready")?.lastTransitionTime ?? "");
  return Number.isFinite(ready) ? ready : fallback;
}

/** The record after newly finished pods: a success resets the failure streak. */
export function nextBackoffRecord(previous: BackoffRecord | undefined, newSucceeded: Pod[], newFailed: Pod[], now: number): BackoffRecord {
  const record: BackoffRecord = previous ? { ...previous } : { failuresAfterLastSuccess: 0, lastFailureTime: undefined };
  if (newSucceeded.length === 0 && newFailed.length === 0) return record;
  const lastSuccess = Math.max(-Infinity, ...newSucceeded.map((p) => podFinishTime(p, now)));
  const failedAfter = newFailed.filter((p) => podFinishTime(p, now) > lastSuccess);
  if (newSucceeded.length > 0) {
    record.failuresAfterLastSuccess = failedAfter.length;
    record.lastFailureTime = failedAfter.length ? Math.max(...failedAfter.map((p) => podFinishTime(p, now))) : undefined;
  } else {
    record.failuresAfterLastSuccess += newFailed.length;
    const last = Math.max(...newFailed.map((p) => podFinishTime(p, now)));
    record.lastFailureTime = record.lastFailureTime === undefined ? last : Math.max(record.lastFailureTime, last);
  }
  return record;
}

/** Milliseconds left before new pods may be created (0: now). */
export function remainingBackoff(record: BackoffRecord | undefined, now: number, base = DEFAULT_BACKOFF_MS, max = MAX_BACKOFF_MS): number {
  if (!record || record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
  const backoff = Math.min(max, base * 2 ** Math.min(record.failuresAfterLastSuccess - 1, 30));
  return Math.max(0, backoff - (now - record.lastFailureTime));
}
