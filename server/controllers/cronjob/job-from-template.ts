/**
 * The Job a CronJob starts for a scheduled time (getJobFromTemplate2): named
 * `<cronjob>-<scheduled minutes since the epoch>` so that one scheduled time can never start two
 * Jobs, labelled and annotated from the template, with the scheduled time as an RFC 3339
 * annotation in the CronJob's time zone (UTC without one), and controlled by the CronJob.
 */
import type { Job } from "../job/types.ts";
import { newControllerRef } from "../pod-status.ts";
import { type CronJob, SCHEDULED_TIMESTAMP_ANNOTATION } from "./types.ts";
import { offsetAt, wallOf } from "../../cron/zone.ts";

export function jobName(cronJob: CronJob, scheduled: number): string {
  return `${cronJob.metadata.name}-${Math.floor(scheduled / 60_000)}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Go's time.Format(time.RFC3339) of an instant in a zone. */
export function rfc3339In(ms: number, zone: string): string {
  const w = wallOf(ms, zone);
  const offset = Math.round(offsetAt(ms, zone) / 60_000);
  const tz = offset === 0 ? "Z" : `${offset < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${tz}`;
}

export function jobFromTemplate(cronJob: CronJob, scheduled: number): Job {
  const template = structuredClone(cronJob.spec.jobTemplate ?? {});
  const annotations = { ...(template.metadata?.annotations ?? {}) };
  annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = rfc3339In(scheduled, cronJob.spec.timeZone || "UTC");
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobName(cronJob, scheduled),
      namespace: cronJob.metadata.namespace,
      ...(template.metadata?.labels ? { labels: { ...template.metadata.labels } } : {}),
      annotations,
      ownerReferences: [newControllerRef(cronJob, "batch/v1", "CronJob")],
    },
    spec: (template.spec ?? {}) as unknown as Job["spec"],
  };
}
