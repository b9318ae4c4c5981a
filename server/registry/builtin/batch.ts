/**
 * batch/v1: Job and CronJob as kube-apiserver 1.32 serves them (pkg/registry/batch/*): the
 * status split, defaults, the generated selector of a Job, validation and tables.
 */
import type { ResourceDefinition } from "../types.ts";
import { AGE_COLUMN } from "./age-column.ts";
import { defaultCronJob, defaultJob, prepareNewJob } from "./batch-defaults.ts";
import { cronJobColumns, cronJobWideColumns, jobColumns, jobWideColumns } from "./batch-tables.ts";
import { validateCronJob, validateCronJobUpdate, validateJob, validateJobUpdate } from "./batch-validation.ts";
import { defineKind, table } from "./define.ts";

export const jobs: ResourceDefinition = defineKind({
  group: "batch",
  version: "v1",
  kind: "Job",
  resource: "jobs",
  categories: ["all"],
  namespaced: true,
  modelName: "V1Job",
  statusSubresource: true,
  strategy: {
    generation: "spec",
    defaults: defaultJob,
    prepareForCreate(job) {
      job.status = {};
      prepareNewJob(job);
    },
    validate: validateJob,
    validateUpdate: validateJobUpdate,
  },
});
jobs.table = table([...jobColumns, AGE_COLUMN, ...jobWideColumns], false);

export const cronjobs: ResourceDefinition = defineKind({
  group: "batch",
  version: "v1",
  kind: "CronJob",
  resource: "cronjobs",
  shortNames: ["cj"],
  categories: ["all"],
  namespaced: true,
  modelName: "V1CronJob",
  statusSubresource: true,
  strategy: {
    generation: "spec",
    defaults: defaultCronJob,
    prepareForCreate(cronJob) {
      cronJob.status = {};
    },
    validate: validateCronJob,
    validateUpdate: validateCronJobUpdate,
  },
});
cronjobs.table = table([...cronJobColumns, AGE_COLUMN, ...cronJobWideColumns], false);

export const batchResources: ResourceDefinition[] = [jobs, cronjobs];
