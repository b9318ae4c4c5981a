/**
 * One Job's reconcile, after upstream's syncJob (pkg/controller/job, 1.32 with its default
 * feature gates): count finished pods exactly once through the tracking finalizer and
 * status.uncountedTerminatedPods, decide whether the Job has met its success criteria or a
 * failure target (backoffLimit, activeDeadlineSeconds, a FailJob pod failure rule), keep
 * min(parallelism, remaining completions) pods running otherwise (after the failure back-off),
 * and finish with Complete or Failed only once no pod is left running or uncounted — the interim
 * SuccessCriteriaMet / FailureTarget conditions come first, as in 1.31+.
 */
import type { Informer, ResourceClient } from "../../../plugins/client.ts";
import type { ReconcileResult } from "../../../plugins/kit/controller.ts";
import { type BackoffRecord, nextBackoffRecord, remainingBackoff } from "./backoff.ts";
import { matchPodFailurePolicy } from "./failure-policy.ts";
import { completionIndex, firstPendingIndexes, formatIndexes, parseIndexes } from "./indexes.ts";
import { createPods, deletePods, hasTrackingFinalizer, type PodControl, removeTrackingFinalizer } from "./pod-control.ts";
import { compareForDeletion, isPodActive, isPodReady, type Pod } from "../pod-status.ts";
import { findCondition, isJobFinished, type Job, JOB_CONTROLLER_NAME, JOB_TRACKING_FINALIZER, type JobCondition } from "./types.ts";
import { labelSelectorFromObject } from "../../api/selectors/labels.ts";
import type { OwnerIndex } from "../owner-index.ts";

/** At most this many pods are counted per status write (MaxUncountedPods), to keep status small. */
const MAX_UNCOUNTED = 500;

export interface SyncDeps {
  jobs: Informer<Job>;
  podIndex: OwnerIndex<Pod>;
  jobClient: ResourceClient<Job>;
  pc: PodControl;
  backoff: Map<string, BackoffRecord>;
  now(): number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

function condition(type: string, status: string, reason: string, message: string, now: number): JobCondition {
  const t = iso(now);
  return { type, status, reason, message, lastProbeTime: t, lastTransitionTime: t };
}

/** ensureJobConditionStatus: adds or changes a condition; never adds one that is False. */
function ensureCondition(job: Job, type: string, status: string, reason: string, message: string, now: number): boolean {
  const list = (job.status!.conditions ??= []);
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i];
    if (c.status === status && c.reason === reason && c.message === message) return false;
    list[i] = condition(type, status, reason, message, now);
    return true;
  }
  if (status === "False") return false;
  list.push(condition(type, status, reason, message, now));
  return true;
}

function isIndexed(job: Job): boolean {
  return job.spec.completionMode === "Indexed";
}

/** Pods whose replacement waits until they have fully terminated (podReplacementPolicy Failed). */
function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === "Failed" || job.spec.podFailurePolicy !== undefined;
}

/** isPodFailed: phase Failed, or (unless only failed pods are replaced) being deleted unfinished. */
function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === "Failed") return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata.deletionTimestamp && pod.status?.phase !== "Succeeded";
}

function countsAsFailure(job: Job, pod: Pod): boolean {
  return !job.spec.podFailurePolicy || matchPodFailurePolicy(job.spec.podFailurePolicy.rules ?? [], pod).countFailed;
}

/** pastBackoffLimitOnFailure: restartPolicy OnFailure counts container restarts instead. */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec.template?.spec?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== "Running" && p.status?.phase !== "Pending") continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** The pods this Job controls (by controller reference uid), from the shared pod cache. */
function podsOf(deps: SyncDeps, job: Job): Pod[] {
  return deps.podIndex.owned(job.metadata.uid!);
}

/** Orphans matching the selector are adopted with a controller reference and the finalizer. */
async function adoptOrphans(deps: SyncDeps, job: Job): Promise<void> {
  if (job.metadata.deletionTimestamp || isJobFinished(job)) return;
  const selector = labelSelectorFromObject(job.spec.selector as never);
  if (selector.nothing || selector.requirements.length === 0) return;
  for (const p of deps.podIndex.orphans(job.metadata.namespace!)) {
    if (p.metadata.deletionTimestamp || !selector.matches(p.metadata.labels)) continue;
    const patch = {
      metadata: {
        uid: p.metadata.uid,
        ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: job.metadata.name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true }],
        finalizers: [JOB_TRACKING_FINALIZER],
      },
    };
    await deps.pc.pods.patch(p.metadata.name!, patch, { type: "strategic", namespace: p.metadata.namespace }).catch(() => undefined);
  }
}

interface Ctx {
  key: string;
  job: Job;
  pods: Pod[];
  active: Pod[];
  ready: number;
  terminating: number;
  succeeded: number;
  failed: number;
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  prevSucceededIndexes: Set<number>;
  succeededIndexes: Set<number>;
  finished: JobCondition | undefined;
  backoff: BackoffRecord;
  requeueAfterMs?: number;
}

function requeue(ctx: Ctx, ms: number): void {
  ctx.requeueAfterMs = ctx.requeueAfterMs === undefined ? ms : Math.min(ctx.requeueAfterMs, ms);
}

export async function syncJob(deps: SyncDeps, key: string, satisfied: boolean): Promise<ReconcileResult> {
  const [namespace, name] = key.split("/");
  const cached = deps.jobs.get(name, namespace);
  if (!cached) {
    deps.pc.expectations.forget(key);
    deps.backoff.delete(key);
    return {};
  }
  // A Job another controller manages (spec.managedBy) is left to it.
  if (cached.spec.managedBy && cached.spec.managedBy !== JOB_CONTROLLER_NAME) return {};
  if (isJobFinished(cached)) {
    deps.backoff.delete(key);
    return {};
  }
  const mode = cached.spec.completionMode;
  if (mode && mode !== "NonIndexed" && mode !== "Indexed") {
    deps.pc.events.event(cached, "Warning", "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown");
    return {};
  }
  const job = structuredClone(cached) as Job;
  const status = (job.status ??= {});
  const uncounted = (status.uncountedTerminatedPods ??= {});
  const now = deps.now();

  await adoptOrphans(deps, job);
  const pods = podsOf(deps, job);
  const active = pods.filter(isPodActive);
  const ctx: Ctx = {
    key,
    job,
    pods,
    active,
    ready: active.filter(isPodReady).length,
    terminating: pods.filter((p) => p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed").length,
    succeeded: 0,
    failed: 0,
    uncountedSucceeded: new Set(uncounted.succeeded ?? []),
    uncountedFailed: new Set(uncounted.failed ?? []),
    prevSucceededIndexes: new Set(),
    succeededIndexes: new Set(),
    finished: undefined,
    backoff: { failuresAfterLastSuccess: 0, lastFailureTime: undefined },
  };
  const completions = job.spec.completions ?? undefined;
  const valid = (p: Pod) => {
    if (!isIndexed(job)) return true;
    const i = completionIndex(p);
    return i !== undefined && i < (completions ?? 0);
  };
  // getNewFinishedPods: finished pods not yet counted and still holding the finalizer.
  const fresh = (p: Pod, uncountedSet: Set<string>) => hasTrackingFinalizer(p) && !uncountedSet.has(p.metadata.uid!) && valid(p);
  const newSucceeded = pods.filter((p) => fresh(p, ctx.uncountedSucceeded) && p.status?.phase === "Succeeded");
  const newFailed = pods.filter((p) => fresh(p, ctx.uncountedFailed) && isPodFailed(p, job));
  ctx.succeeded = (status.succeeded ?? 0) + newSucceeded.length + ctx.uncountedSucceeded.size;
  ctx.failed = (status.failed ?? 0) + newFailed.filter((p) => countsAsFailure(job, p)).length + ctx.uncountedFailed.size;

  const suspended = job.spec.suspend === true;
  if (!status.startTime && !suspended) status.startTime = iso(now);
  ctx.backoff = nextBackoffRecord(deps.backoff.get(key), newSucceeded, newFailed.filter((p) => countsAsFailure(job, p)), now);

  // An interim condition from an earlier sync decides the outcome.
  const criteriaMet = findCondition(job, "SuccessCriteriaMet");
  if (criteriaMet?.status === "True") ctx.finished = criteriaMet;
  if (!ctx.finished) {
    const target = findCondition(job, "FailureTarget");
    if (target?.status === "True") ctx.finished = condition("Failed", "True", target.reason ?? "", target.message ?? "", now);
    else if (job.spec.podFailurePolicy) {
      for (const p of pods) {
        if (!isPodFailed(p, job)) continue;
        const m = matchPodFailurePolicy(job.spec.podFailurePolicy.rules ?? [], p).failJobMessage;
        if (m) {
          ctx.finished = condition("FailureTarget", "True", "PodFailurePolicy", m, now);
          break;
        }
      }
    }
  }
  if (!ctx.finished) {
    const startedAt = status.startTime ? Date.parse(status.startTime) : now;
    const deadline = job.spec.activeDeadlineSeconds;
    if (ctx.failed > (job.spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
      ctx.finished = condition("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
    } else if (deadline !== undefined && !suspended && now - startedAt >= deadline * 1000) {
      ctx.finished = condition("FailureTarget", "True", "DeadlineExceeded", "Job was active longer than specified deadline", now);
    } else if (deadline !== undefined && !suspended) {
      requeue(ctx, deadline * 1000 - (now - startedAt));
    }
  }

  if (isIndexed(job)) {
    ctx.prevSucceededIndexes = parseIndexes(status.completedIndexes, completions ?? 0);
    ctx.succeededIndexes = new Set(ctx.prevSucceededIndexes);
    for (const p of pods) {
      const i = completionIndex(p);
      if (p.status?.phase === "Succeeded" && hasTrackingFinalizer(p) && i !== undefined && i < (completions ?? 0)) ctx.succeededIndexes.add(i);
    }
    ctx.succeeded = ctx.succeededIndexes.size;
  }

  let activeCount = active.length;
  let suspendChanged = false;
  let manageError: unknown;
  if (ctx.finished) {
    // Finished (or about to be): nothing more runs. The finalizers stay until the pods are counted.
    const r = await deletePods(deps.pc, key, job, active, false);
    if (r.deleted !== active.length || !satisfied) ctx.finished = undefined;
    activeCount -= r.deleted;
    ctx.terminating += r.deleted;
    ctx.ready -= r.deletedReady;
    manageError = r.error;
  } else {
    let managed = false;
    if (satisfied && !job.metadata.deletionTimestamp) {
      const r = await manageJob(deps, ctx, now);
      activeCount = r.active;
      manageError = r.error;
      managed = true;
    }
    const complete = completions === undefined ? ctx.succeeded > 0 && activeCount === 0 : ctx.succeeded >= completions && activeCount === 0;
    if (complete) {
      ctx.finished = condition("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
    } else if (managed) {
      if (suspended) {
        if (ensureCondition(job, "Suspended", "True", "JobSuspended", "Job suspended", now)) {
          suspendChanged = true;
          deps.pc.events.event(job, "Normal", "Suspended", "Job suspended");
        }
      } else if (ensureCondition(job, "Suspended", "False", "JobResumed", "Job resumed", now)) {
        suspendChanged = true;
        deps.pc.events.event(job, "Normal", "Resumed", "Job resumed");
        // activeDeadlineSeconds counts continuous activity: it starts again on resume.
        status.startTime = iso(now);
      }
    }
  }

  const needsUpdate = suspendChanged || activeCount !== (status.active ?? 0) || ctx.ready !== status.ready || ctx.terminating !== status.terminating;
  status.active = activeCount;
  status.ready = ctx.ready;
  status.terminating = ctx.terminating;
  await trackStatus(deps, ctx, needsUpdate, now);
  if (manageError) throw manageError;
  return ctx.requeueAfterMs === undefined ? {} : { requeueAfterMs: Math.max(0, ctx.requeueAfterMs) };
}

async function manageJob(deps: SyncDeps, ctx: Ctx, now: number): Promise<{ active: number; error?: unknown }> {
  const { job, key } = ctx;
  let active = ctx.active.length;
  if (job.spec.suspend === true) {
    const r = await deletePods(deps.pc, key, job, ctx.active, true);
    ctx.terminating += r.deleted;
    ctx.ready -= r.deletedReady;
    return { active: active - r.deleted, error: r.error };
  }
  const parallelism = job.spec.parallelism ?? 1;
  const completions = job.spec.completions ?? undefined;
  let wantActive: number;
  if (completions === undefined) wantActive = ctx.succeeded > 0 ? active : parallelism;
  else wantActive = Math.max(0, Math.min(completions - ctx.succeeded, parallelism));

  const toDelete = podsForRemoval(ctx, Math.max(0, active - wantActive));
  if (toDelete.length > 0) {
    const r = await deletePods(deps.pc, key, job, toDelete, true);
    ctx.terminating += r.deleted;
    ctx.ready -= r.deletedReady;
    // Deletions and creations never mix in one sync; deletions go first.
    return { active: active - r.deleted, error: r.error };
  }
  const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
  const diff = wantActive - terminating - active;
  if (diff <= 0) return { active };
  const wait = remainingBackoff(ctx.backoff, now);
  if (wait > 0) {
    requeue(ctx, wait);
    return { active };
  }
  let indexes: (number | undefined)[];
  if (isIndexed(job)) {
    const activeIndexes = new Set(ctx.active.map(completionIndex).filter((i): i is number => i !== undefined));
    indexes = firstPendingIndexes(ctx.succeededIndexes, activeIndexes, diff, completions ?? 0);
  } else {
    indexes = Array.from({ length: diff }, () => undefined);
  }
  const r = await createPods(deps.pc, key, job, indexes);
  active += r.created;
  return { active, error: r.error };
}

/** activePodsForRemoval: duplicate or out-of-range indexes first, then the cheapest pods to lose. */
function podsForRemoval(ctx: Ctx, atLeast: number): Pod[] {
  const rm: Pod[] = [];
  let left = ctx.active;
  if (isIndexed(ctx.job)) {
    const completions = ctx.job.spec.completions ?? 0;
    const seen = new Set<number>();
    left = [];
    for (const p of [...ctx.active].sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""))) {
      const i = completionIndex(p);
      if (i === undefined || i >= completions || seen.has(i) || ctx.succeededIndexes.has(i)) rm.push(p);
      else {
        seen.add(i);
        left.push(p);
      }
    }
  }
  if (rm.length < atLeast) rm.push(...[...left].sort(compareForDeletion).slice(0, atLeast - rm.length));
  return rm;
}

/** cleanUncountedPodsWithoutFinalizers: uids whose pod has lost its finalizer become counts. */
function moveCounted(ctx: Ctx, withFinalizer: Set<string>): boolean {
  const u = ctx.job.status!.uncountedTerminatedPods!;
  const status = ctx.job.status!;
  let changed = false;
  const keepS = (u.succeeded ?? []).filter((uid) => withFinalizer.has(uid));
  if (keepS.length !== (u.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded!.length - keepS.length);
    u.succeeded = keepS;
    changed = true;
  }
  const keepF = (u.failed ?? []).filter((uid) => withFinalizer.has(uid));
  if (keepF.length !== (u.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (u.failed!.length - keepF.length);
    u.failed = keepF;
    changed = true;
  }
  return changed;
}

/**
 * trackJobStatusAndRemoveFinalizers: record finished pods in uncountedTerminatedPods (a status
 * write), drop their finalizers, move them into the counters (another write), and add the final
 * condition once nothing is uncounted or still terminating.
 */
async function trackStatus(deps: SyncDeps, ctx: Ctx, needsFlush: boolean, now: number): Promise<void> {
  let job = ctx.job;
  const indexed = isIndexed(job);
  const completions = job.spec.completions ?? 0;
  const u = job.status!.uncountedTerminatedPods!;
  u.succeeded ??= [];
  u.failed ??= [];
  const withFinalizer = new Set(ctx.pods.filter(hasTrackingFinalizer).map((p) => p.metadata.uid!));
  if (moveCounted(ctx, withFinalizer)) needsFlush = true;

  const toRelease: Pod[] = [];
  const newIndexes: number[] = [];
  let capped = false;
  const terminalFailure = ctx.finished && ctx.finished.type !== "SuccessCriteriaMet" && ctx.finished.type !== "Complete";
  for (const pod of ctx.pods) {
    if (!hasTrackingFinalizer(pod)) continue;
    const failed = isPodFailed(pod, job);
    const releasable = !!job.metadata.deletionTimestamp || !!ctx.finished || pod.status?.phase === "Succeeded" || failed;
    if (!releasable) continue;
    toRelease.push(pod);
    const uid = pod.metadata.uid!;
    if (pod.status?.phase === "Succeeded" && !ctx.uncountedFailed.has(uid)) {
      if (indexed) {
        const i = completionIndex(pod);
        if (i !== undefined && i < completions && !ctx.prevSucceededIndexes.has(i)) {
          newIndexes.push(i);
          needsFlush = true;
        }
      } else if (!ctx.uncountedSucceeded.has(uid)) {
        u.succeeded.push(uid);
        needsFlush = true;
      }
    } else if (failed || terminalFailure) {
      // Once the Job has failed, every pod it still had counts as failed.
      const i = completionIndex(pod);
      if (!ctx.uncountedFailed.has(uid) && (!indexed || (i !== undefined && i < completions)) && countsAsFailure(job, pod)) {
        u.failed.push(uid);
        needsFlush = true;
      }
    }
    if (newIndexes.length + u.succeeded.length + u.failed.length >= MAX_UNCOUNTED) {
      capped = true;
      break;
    }
  }
  if (indexed) {
    const all = new Set([...ctx.succeededIndexes, ...newIndexes]);
    const text = formatIndexes(all);
    if (text !== (job.status!.completedIndexes ?? "")) needsFlush = true;
    job.status!.succeeded = all.size;
    job.status!.completedIndexes = text;
  }
  // The interim condition is written before any finalizer goes, so that the outcome survives a crash.
  if (ctx.finished?.type === "FailureTarget") {
    if (!findCondition(job, "FailureTarget")) job.status!.conditions = [...(job.status!.conditions ?? []), ctx.finished];
    needsFlush = true;
    ctx.finished = condition("Failed", "True", ctx.finished.reason ?? "", ctx.finished.message ?? "", now);
  }
  if (ctx.finished?.type === "SuccessCriteriaMet") {
    if (!findCondition(job, "SuccessCriteriaMet")) {
      job.status!.conditions = [...(job.status!.conditions ?? []), ctx.finished];
      needsFlush = true;
    }
    ctx.finished = condition("Complete", "True", ctx.finished.reason ?? "", ctx.finished.message ?? "", now);
  }

  if (needsFlush) {
    job = ctx.job = await deps.jobClient.updateStatus(job);
    deps.backoff.set(ctx.key, ctx.backoff);
    needsFlush = false;
  }
  let releaseError: unknown;
  if (toRelease.length > 0) {
    const results = await Promise.allSettled(toRelease.map((p) => removeTrackingFinalizer(deps.pc, p)));
    results.forEach((r, i) => {
      if (r.status === "fulfilled") withFinalizer.delete(toRelease[i].metadata.uid!);
      else releaseError ??= r.reason;
    });
  }
  job.status ??= {};
  job.status.uncountedTerminatedPods ??= {};
  if (moveCounted(ctx, withFinalizer)) needsFlush = true;
  if (releaseError) {
    if (needsFlush) await deps.jobClient.updateStatus(job);
    throw releaseError;
  }
  const finished = !capped && enactFinished(ctx, now);
  if (finished) needsFlush = true;
  if (needsFlush) {
    ctx.job = await deps.jobClient.updateStatus(ctx.job);
    if (finished) recordFinished(deps, ctx);
  }
}

/** enactJobFinished: the terminal condition, once nothing is uncounted or terminating. */
function enactFinished(ctx: Ctx, now: number): boolean {
  const c = ctx.finished;
  if (!c) return false;
  const u = ctx.job.status!.uncountedTerminatedPods ?? {};
  if ((u.succeeded?.length ?? 0) + (u.failed?.length ?? 0) > 0) return false;
  if (ctx.terminating > 0) return false;
  ensureCondition(ctx.job, c.type, c.status, c.reason ?? "", c.message ?? "", now);
  if (c.type === "Complete") ctx.job.status!.completionTime = findCondition(ctx.job, "Complete")!.lastTransitionTime;
  return true;
}

function recordFinished(deps: SyncDeps, ctx: Ctx): void {
  const c = ctx.finished!;
  const job = ctx.job;
  if (c.type === "Complete") {
    const completions = job.spec.completions;
    if (completions != null && (job.status?.succeeded ?? 0) > completions) {
      deps.pc.events.event(job, "Warning", "TooManySucceededPods", "Too many succeeded pods running after completion count reached");
    }
    deps.pc.events.event(job, "Normal", "Completed", "Job completed");
  } else {
    deps.pc.events.event(job, "Warning", c.reason ?? "Failed", c.message ?? "");
  }
  deps.backoff.delete(ctx.key);
}
