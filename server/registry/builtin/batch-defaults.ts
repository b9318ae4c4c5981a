/**
 * batch/v1 defaults (pkg/apis/batch/v1/defaults.go) and the selector a Job gets on create
 * (pkg/registry/batch/job/strategy.go generateSelector): unless manualSelector is true, the
 * template is labelled with the Job's name and uid and the selector picks the uid label.
 */
import type { KubeObject } from "../../storage/object.ts";
import { deepEqual } from "../rest/deep-equal.ts";
import { defaultTemplate } from "./apps-defaults.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
export const LEGACY_JOB_NAME_LABEL = "job-name";
export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
export const LEGACY_CONTROLLER_UID_LABEL = "controller-uid";

const MAX_INT32 = 2147483647;

/** SetDefaults_Job on a JobSpec (Jobs only: a CronJob's jobTemplate gets pod defaults alone). */
export function defaultJobSpec(spec: Obj): void {
  // A non-parallel Job may leave both unset: both become 1; parallelism alone defaults to 1.
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? MAX_INT32 : 6;
  spec.completionMode ??= "NonIndexed";
  spec.suspend ??= false;
  const failurePolicy = isObj(spec.podFailurePolicy) ? spec.podFailurePolicy : undefined;
  for (const rule of Array.isArray(failurePolicy?.rules) ? failurePolicy.rules : []) {
    for (const pattern of isObj(rule) && Array.isArray(rule.onPodConditions) ? rule.onPodConditions : []) {
      if (isObj(pattern) && !pattern.status) pattern.status = "True";
    }
  }
  spec.podReplacementPolicy ??= failurePolicy ? "Failed" : "TerminatingOrFailed";
  defaultTemplate(spec.template);
}

function templateLabels(job: KubeObject): Record<string, string> | undefined {
  const spec = job.spec;
  const labels = isObj(spec) && isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  return isObj(labels) ? (labels as Record<string, string>) : undefined;
}

/** A Job without labels of its own takes its template's. */
export function defaultJobLabels(job: KubeObject): void {
  const labels = templateLabels(job);
  if (labels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...labels };
}

export function defaultJob(job: KubeObject): void {
  if (!isObj(job.spec)) job.spec = {};
  defaultJobSpec(job.spec as Obj);
  defaultJobLabels(job);
}

/**
 * A new Job: the generated selector, and labels that follow the template's when they came from
 * it. (Upstream defaults the labels when decoding, sharing the template's map, and again when
 * reading the created Job back: either way a Job without labels shows the generated ones.)
 */
export function prepareNewJob(job: KubeObject): void {
  const inherited = deepEqual(job.metadata.labels ?? {}, templateLabels(job) ?? {});
  generateJobSelector(job);
  if (inherited) job.metadata.labels = { ...templateLabels(job) };
  if (job.metadata.labels && Object.keys(job.metadata.labels).length === 0) delete job.metadata.labels;
}

/** generateSelector: labels the template and selects the uid label (create only). */
export function generateJobSelector(job: KubeObject): void {
  const spec = (isObj(job.spec) ? job.spec : (job.spec = {})) as Obj;
  if (spec.manualSelector === true) return;
  const template = isObj(spec.template) ? spec.template : (spec.template = {});
  const metadata = isObj(template.metadata) ? template.metadata : (template.metadata = {});
  const labels = (isObj(metadata.labels) ? metadata.labels : (metadata.labels = {})) as Record<string, string>;
  // Labels the user set are kept; a conflicting value fails validation instead.
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[key] ??= job.metadata.name ?? "";
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) labels[key] ??= job.metadata.uid ?? "";
  const selector = isObj(spec.selector) ? spec.selector : (spec.selector = {});
  const matchLabels = (isObj(selector.matchLabels) ? selector.matchLabels : (selector.matchLabels = {})) as Record<string, string>;
  matchLabels[CONTROLLER_UID_LABEL] ??= job.metadata.uid ?? "";
}

export function defaultCronJob(cronJob: KubeObject): void {
  if (!isObj(cronJob.spec)) cronJob.spec = {};
  const spec = cronJob.spec as Obj;
  spec.concurrencyPolicy ||= "Allow";
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const jobTemplate = isObj(spec.jobTemplate) ? spec.jobTemplate : undefined;
  if (jobTemplate && isObj(jobTemplate.spec)) defaultTemplate(jobTemplate.spec.template);
}
