/**
 * The TTL-after-finished controller ("ttl-after-finished-controller" upstream, its own module
 * here too): a finished Job with spec.ttlSecondsAfterFinished is deleted (foreground, so that its
 * pods go first) that many seconds after it finished. A timer per Job through the queue's
 * requeueAfter; the Job is read again from the API before deleting, since the TTL may have
 * changed since the cache saw it.
 */
import { Controller, objectKey, splitKey } from "../../../plugins/kit/controller.ts";
import type { ControllerContext, ControllerModule } from "../types.ts";
import { JOBS } from "./module.ts";
import { isJobFinished, type Job, jobFinishTime } from "./types.ts";

export interface TtlControllerOptions {
  now?: () => number;
}

/** Milliseconds until `job` expires: undefined when it never does, 0 or less when it has. */
export function timeLeft(job: Job, now: number): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp || !isJobFinished(job)) return undefined;
  const finishedAt = jobFinishTime(job);
  if (finishedAt === undefined || !Number.isFinite(finishedAt)) return undefined;
  return finishedAt + ttl * 1000 - now;
}

export function ttlAfterFinishedController(options: TtlControllerOptions = {}): ControllerModule {
  return {
    name: "ttl-after-finished-controller",
    async start(ctx: ControllerContext) {
      const now = options.now ?? Date.now;
      const jobs = ctx.client.informer<Job>(JOBS);
      const client = ctx.client.resource<Job>(JOBS);
      const controller = new Controller({
        name: "ttl-after-finished-controller",
        log: ctx.log,
        async reconcile(key) {
          const { namespace, name } = splitKey(key);
          const cached = jobs.get(name, namespace);
          if (!cached) return;
          const left = timeLeft(cached, now());
          if (left === undefined) return;
          if (left > 0) return { requeueAfterMs: left };
          // The cache may be stale: decide on the Job as it is now.
          const fresh = await client.get(name, namespace);
          if (!fresh || fresh.metadata.uid !== cached.metadata.uid) return;
          const freshLeft = timeLeft(fresh, now());
          if (freshLeft === undefined) return;
          if (freshLeft > 0) return { requeueAfterMs: freshLeft };
          await client.delete(name, namespace, { propagationPolicy: "Foreground", preconditions: { uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion } });
        },
      });
      await jobs.start(ctx.signal);
      const stop = jobs.on({
        add: (job) => {
          if (job.spec.ttlSecondsAfterFinished != null) controller.enqueue(objectKey(job));
        },
        update: (_, job) => {
          if (job.spec.ttlSecondsAfterFinished != null) controller.enqueue(objectKey(job));
        },
      });
      ctx.signal.addEventListener("abort", stop, { once: true });
      void controller.start(ctx.signal);
    },
  };
}

export const ttlAfterFinishedModule: ControllerModule = ttlAfterFinishedController();
