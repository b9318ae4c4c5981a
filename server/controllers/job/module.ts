/**
 * The job controller (kube-controller-manager's "job-controller"): Jobs and their pods from
 * shared informers into one work queue. Keys are "namespace/name" for Jobs and
 * "pod:namespace/name" for pods that hold the tracking finalizer but whose Job is gone or done,
 * whose finalizer is then removed (syncOrphanPod), so that no pod is held forever.
 */
import type { Informer } from "../../../plugins/client.ts";
import { Controller, objectKey } from "../../../plugins/kit/controller.ts";
import { Expectations } from "../expectations.ts";
import { ownerIndex } from "../owner-index.ts";
import { controllerRef, type Pod } from "../pod-status.ts";
import type { ControllerContext, ControllerModule } from "../types.ts";
import type { BackoffRecord } from "./backoff.ts";
import { hasTrackingFinalizer, PODS, podControl, removeTrackingFinalizer } from "./pod-control.ts";
import { syncJob } from "./sync.ts";
import { isJobFinished, type Job } from "./types.ts";

export const JOBS = { apiVersion: "batch/v1", resource: "jobs" };
const ORPHAN = "pod:";

export interface JobControllerOptions {
  /** The controller's clock (tests pass a controllable one). */
  now?: () => number;
  workers?: number;
}

function ownerJobKey(pod: Pod): string | undefined {
  const ref = controllerRef(pod);
  return ref?.kind === "Job" && ref.apiVersion.startsWith("batch/") ? `${pod.metadata.namespace}/${ref.name}` : undefined;
}

export function jobController(options: JobControllerOptions = {}): ControllerModule {
  return {
    name: "job-controller",
    async start(ctx: ControllerContext) {
      const now = options.now ?? Date.now;
      const jobs = ctx.client.informer<Job>(JOBS);
      const pods = ctx.client.informer<Pod>(PODS);
      await Promise.all([jobs.start(ctx.signal), pods.start(ctx.signal)]);
      const podIndex = ownerIndex(pods);
      const expectations = new Expectations();
      const pc = podControl(ctx.client, ctx.events, expectations);
      const backoff = new Map<string, BackoffRecord>();
      const jobClient = ctx.client.resource<Job>(JOBS);

      const controller = new Controller({
        name: "job-controller",
        workers: options.workers ?? 5,
        log: ctx.log,
        reconcile: async (key) => {
          if (key.startsWith(ORPHAN)) return syncOrphanPod(key.slice(ORPHAN.length), jobs, pods, pc);
          return syncJob({ jobs, podIndex, jobClient, pc, backoff, now }, key, expectations.satisfied(key));
        },
      });

      const podChanged = (pod: Pod) => {
        const key = ownerJobKey(pod);
        if (key) {
          const job = jobs.get(key.slice(key.indexOf("/") + 1), pod.metadata.namespace);
          if (job && job.metadata.uid === controllerRef(pod)!.uid && !isJobFinished(job)) {
            controller.enqueue(key);
            return;
          }
        }
        if (hasTrackingFinalizer(pod)) controller.enqueue(ORPHAN + objectKey(pod));
      };
      const stopJobs = jobs.on({
        add: (job) => controller.enqueue(objectKey(job)),
        update: (_, job) => controller.enqueue(objectKey(job)),
        delete: (job) => {
          controller.enqueue(objectKey(job));
          // Its pods' finalizers must go now that no Job will count them.
          for (const pod of podIndex.owned(job.metadata.uid!)) {
            if (hasTrackingFinalizer(pod)) controller.enqueue(ORPHAN + objectKey(pod));
          }
        },
      });
      const stopPods = pods.on({
        add: (pod) => {
          const key = ownerJobKey(pod);
          if (key) expectations.creationObserved(key);
          podChanged(pod);
        },
        update: (old, pod) => {
          const key = ownerJobKey(pod);
          if (key && pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) expectations.deletionObserved(key);
          podChanged(pod);
        },
        delete: (pod) => {
          const key = ownerJobKey(pod);
          if (key) {
            if (!pod.metadata.deletionTimestamp) expectations.deletionObserved(key);
            controller.enqueue(key);
          }
        },
      });
      ctx.signal.addEventListener("abort", () => {
        stopJobs();
        stopPods();
      }, { once: true });
      void controller.start(ctx.signal);
    },
  };
}

/** syncOrphanPod: a finalizer no live, unfinished Job will remove is removed here. */
async function syncOrphanPod(key: string, jobs: Informer<Job>, pods: Informer<Pod>, pc: ReturnType<typeof podControl>): Promise<void> {
  const slash = key.indexOf("/");
  const pod = pods.get(key.slice(slash + 1), key.slice(0, slash));
  if (!pod || !hasTrackingFinalizer(pod)) return;
  const ref = controllerRef(pod);
  if (ref?.kind === "Job") {
    const job = jobs.get(ref.name, pod.metadata.namespace);
    if (job && job.metadata.uid === ref.uid && !isJobFinished(job)) return;
  }
  await removeTrackingFinalizer(pc, pod);
}

export const jobControllerModule: ControllerModule = jobController();
