/**
 * The cronjob controller (upstream's "cronjob-controller", v2): CronJobs and the Jobs they
 * control from shared informers into one queue of CronJob keys; each reconcile says when the
 * CronJob is next due and the queue wakes it then.
 */
import { Controller, objectKey } from "../../../plugins/kit/controller.ts";
import { JOBS } from "../job/module.ts";
import type { Job } from "../job/types.ts";
import { controllerRef } from "../pod-status.ts";
import type { ControllerContext, ControllerModule } from "../types.ts";
import { syncCronJob } from "./sync.ts";
import type { CronJob } from "./types.ts";

export const CRONJOBS = { apiVersion: "batch/v1", resource: "cronjobs" };

export interface CronJobControllerOptions {
  /** The controller's clock: tests move it instead of waiting for minutes to pass. */
  now?: () => number;
}

export function cronJobController(options: CronJobControllerOptions = {}): ControllerModule {
  return {
    name: "cronjob-controller",
    async start(ctx: ControllerContext) {
      const now = options.now ?? Date.now;
      const cronJobs = ctx.client.informer<CronJob>(CRONJOBS);
      const jobs = ctx.client.informer<Job>(JOBS);
      const deps = {
        cronJobs,
        jobs,
        cronJobClient: ctx.client.resource<CronJob>(CRONJOBS),
        jobClient: ctx.client.resource<Job>(JOBS),
        events: ctx.events,
        now,
      };
      const controller = new Controller({ name: "cronjob-controller", workers: 5, log: ctx.log, reconcile: (key) => syncCronJob(deps, key) });
      await Promise.all([cronJobs.start(ctx.signal), jobs.start(ctx.signal)]);
      const jobChanged = (job: Job) => {
        const ref = controllerRef(job);
        if (ref?.kind === "CronJob") controller.enqueue(`${job.metadata.namespace}/${ref.name}`);
      };
      const stops = [
        cronJobs.on({ add: (cj) => controller.enqueue(objectKey(cj)), update: (_, cj) => controller.enqueue(objectKey(cj)) }),
        jobs.on({ add: jobChanged, update: (_, j) => jobChanged(j), delete: jobChanged }),
      ];
      ctx.signal.addEventListener("abort", () => stops.forEach((s) => s()), { once: true });
      void controller.start(ctx.signal);
    },
  };
}

export const cronJobControllerModule: ControllerModule = cronJobController();
