/**
 * One CronJob's reconcile, after upstream's cronjob controller v2: bring status.active in line
 * with the Jobs it controls (finished ones leave, with lastSuccessfulTime; vanished ones leave),
 * start the Job of the most recent due time unless suspended, too late (startingDeadlineSeconds),
 * already started, or held back by concurrencyPolicy (Forbid waits, Replace deletes the running
 * ones), trim finished Jobs to the history limits, and say when to look again: just after the
 * next scheduled time — no polling.
 */
import type { Informer, ResourceClient } from "../../../plugins/client.ts";
import { isClientError } from "../../../plugins/client.ts";
import type { ReconcileResult } from "../../../plugins/kit/controller.ts";
import type { EventRecorder } from "../events.ts";
import { isJobFinished, type Job } from "../job/types.ts";
import { controllerRef } from "../pod-status.ts";
import { jobFromTemplate, jobName } from "./job-from-template.ts";
import { mostRecentScheduleTime } from "./missed.ts";
import { parseSchedule, type Schedule } from "../../cron/schedule.ts";
import type { CronJob, ObjectReference } from "./types.ts";
import { checkZone, localZone } from "../../cron/zone.ts";

/** Looked at again this long after the next scheduled time, so that it is surely due. */
const NEXT_SCHEDULE_DELTA_MS = 100;

export interface CronSyncDeps {
  cronJobs: Informer<CronJob>;
  jobs: Informer<Job>;
  cronJobClient: ResourceClient<CronJob>;
  jobClient: ResourceClient<Job>;
  events: EventRecorder;
  now(): number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/** Go's RFC1123Z, as upstream's MissSchedule message prints the time. */
function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function finishedType(job: Job): string | undefined {
  return job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")?.type;
}

function refOf(job: Job): ObjectReference {
  return { apiVersion: "batch/v1", kind: "Job", name: job.metadata.name, namespace: job.metadata.namespace, uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion };
}

/** The job's start time for the history order (status.startTime, else creation). */
function startedAt(job: Job): number {
  return Date.parse(job.status?.startTime ?? job.metadata.creationTimestamp ?? "") || 0;
}

export async function syncCronJob(deps: CronSyncDeps, key: string): Promise<ReconcileResult> {
  const [namespace, name] = key.split("/");
  const cached = deps.cronJobs.get(name, namespace);
  if (!cached) return {};
  const cj = structuredClone(cached) as CronJob;
  const status = (cj.status ??= {});
  status.active ??= [];
  const now = deps.now();
  const jobs = deps.jobs.list(namespace).filter((j) => controllerRef(j)?.uid === cj.metadata.uid);
  let changed = false;

  const children = new Set<string>();
  for (const j of jobs) {
    children.add(j.metadata.uid!);
    const listed = status.active.some((r) => r.uid === j.metadata.uid);
    const finished = isJobFinished(j);
    if (!listed && !finished) {
      deps.events.event(cj, "Warning", "UnexpectedJob", `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
    } else if (listed && finished) {
      status.active = status.active.filter((r) => r.uid !== j.metadata.uid);
      deps.events.event(cj, "Normal", "SawCompletedJob", `Saw completed job: ${j.metadata.name}, condition: ${finishedType(j)}`);
      changed = true;
    }
    if (finished && finishedType(j) === "Complete" && j.status?.completionTime) {
      const done = Date.parse(j.status.completionTime);
      if (!status.lastSuccessfulTime || Date.parse(status.lastSuccessfulTime) < done) {
        status.lastSuccessfulTime = j.status.completionTime;
        changed = true;
      }
    }
  }
  // Active entries whose Job is gone (checked against the API: the cache may lag a create).
  for (const ref of [...status.active]) {
    if (children.has(ref.uid!)) continue;
    const j = await deps.jobClient.get(ref.name!, ref.namespace ?? namespace);
    if (!j || j.metadata.uid !== ref.uid) {
      deps.events.event(cj, "Normal", "MissingJob", `Active job went missing: ${ref.name}`);
      status.active = status.active.filter((r) => r.uid !== ref.uid);
      changed = true;
    }
  }

  let requeueAfterMs: number | undefined;
  if (!cj.metadata.deletionTimestamp) {
    const outcome = await startDueJob(deps, cj, now);
    changed ||= outcome.changed;
    requeueAfterMs = outcome.requeueAfterMs;
  }
  if (await cleanupFinishedJobs(deps, cj, jobs)) changed = true;
  if (changed) await deps.cronJobClient.updateStatus(cj);
  return requeueAfterMs === undefined ? {} : { requeueAfterMs };
}

async function startDueJob(deps: CronSyncDeps, cj: CronJob, now: number): Promise<{ changed: boolean; requeueAfterMs?: number }> {
  const status = cj.status!;
  const zone = cj.spec.timeZone || localZone();
  try {
    checkZone(zone);
  } catch (err) {
    deps.events.event(cj, "Warning", "UnknownTimeZone", `invalid timeZone: ${JSON.stringify(cj.spec.timeZone)}: ${(err as Error).message}`);
    return { changed: false };
  }
  if (cj.spec.suspend) return { changed: false };
  let schedule: Schedule;
  try {
    schedule = parseSchedule(cj.spec.schedule, zone);
  } catch (err) {
    deps.events.event(cj, "Warning", "UnparseableSchedule", `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${(err as Error).message}`);
    return { changed: false };
  }
  const earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? "") || now;
  const due = mostRecentScheduleTime(schedule, earliest, now, cj.spec.startingDeadlineSeconds);
  // nextScheduleTimeDuration: from the most recent due time (ignoring the deadline), to the next.
  const nextAfter = (from: number) => {
    const recent = mostRecentScheduleTime(schedule, earliest, now).scheduled ?? earliest;
    const next = schedule.next(Math.max(recent, from));
    return next === undefined ? undefined : Math.max(0, next + NEXT_SCHEDULE_DELTA_MS - now);
  };
  if (due.tooManyMissed) {
    deps.events.event(cj, "Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
  }
  const scheduled = due.scheduled;
  if (scheduled === undefined) return { changed: false, requeueAfterMs: nextAfter(earliest) };
  if (cj.spec.startingDeadlineSeconds !== undefined && scheduled + cj.spec.startingDeadlineSeconds * 1000 < now) {
    deps.events.event(cj, "Normal", "MissSchedule", `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
    return { changed: false, requeueAfterMs: nextAfter(scheduled) };
  }
  const name = jobName(cj, scheduled);
  if (status.active!.some((r) => r.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled)) {
    return { changed: false, requeueAfterMs: nextAfter(scheduled) };
  }
  const policy = cj.spec.concurrencyPolicy ?? "Allow";
  if (policy === "Forbid" && status.active!.length > 0) {
    deps.events.event(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
    return { changed: false, requeueAfterMs: nextAfter(scheduled) };
  }
  let changed = false;
  if (policy === "Replace") {
    for (const ref of [...status.active!]) {
      const j = await deps.jobClient.get(ref.name!, ref.namespace ?? cj.metadata.namespace);
      if (j) await deleteJob(deps, cj, j);
      status.active = status.active!.filter((r) => r.uid !== ref.uid);
      changed = true;
    }
  }
  let created: Job;
  try {
    created = await deps.jobClient.create(jobFromTemplate(cj, scheduled));
    deps.events.event(cj, "Normal", "SuccessfulCreate", `Created job ${created.metadata.name}`);
  } catch (err) {
    if (!isClientError(err, 409)) {
      deps.events.event(cj, "Warning", "FailedCreate", `Error creating job: ${(err as Error).message}`);
      if (changed) await deps.cronJobClient.updateStatus(cj).catch(() => undefined);
      throw err;
    }
    // Created by an earlier sync that did not get to record it: record it now if it is ours.
    const existing = await deps.jobClient.get(name, cj.metadata.namespace);
    if (!existing || controllerRef(existing)?.uid !== cj.metadata.uid) throw err;
    created = existing;
  }
  if (!isJobFinished(created) && !status.active!.some((r) => r.uid === created.metadata.uid)) status.active!.push(refOf(created));
  status.lastScheduleTime = iso(scheduled);
  return { changed: true, requeueAfterMs: nextAfter(scheduled) };
}

async function deleteJob(deps: CronSyncDeps, cj: CronJob, job: Job): Promise<void> {
  try {
    await deps.jobClient.delete(job.metadata.name!, job.metadata.namespace, { propagationPolicy: "Background" });
  } catch (err) {
    deps.events.event(cj, "Warning", "FailedDelete", `Deleted job: ${(err as Error).message}`);
    throw err;
  }
  deps.events.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${job.metadata.name}`);
  cj.status!.active = cj.status!.active!.filter((r) => r.uid !== job.metadata.uid);
}

/** cleanupFinishedJobs: the oldest finished Jobs beyond each history limit go. */
async function cleanupFinishedJobs(deps: CronSyncDeps, cj: CronJob, jobs: Job[]): Promise<boolean> {
  const { successfulJobsHistoryLimit: okLimit, failedJobsHistoryLimit: failLimit } = cj.spec;
  if (okLimit === undefined && failLimit === undefined) return false;
  let changed = false;
  const trim = async (list: Job[], limit: number | undefined) => {
    if (limit === undefined || list.length <= limit) return;
    const oldest = [...list].sort((a, b) => startedAt(a) - startedAt(b)).slice(0, list.length - limit);
    for (const j of oldest) {
      if (j.metadata.deletionTimestamp) continue;
      try {
        await deleteJob(deps, cj, j);
        changed = true;
      } catch {
        // Reported as an event; the next sync tries again.
      }
    }
  };
  const live = jobs.filter((j) => !j.metadata.deletionTimestamp);
  await trim(live.filter((j) => finishedType(j) === "Complete"), okLimit);
  await trim(live.filter((j) => finishedType(j) === "Failed"), failLimit);
  return changed;
}
