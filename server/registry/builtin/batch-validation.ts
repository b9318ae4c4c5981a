/**
 * batch/v1 validation, the essentials of pkg/apis/batch/validation with upstream's paths and
 * messages: a Job's generated selector and labels, its counts and modes, a template whose
 * restartPolicy is OnFailure or Never, what may not change on update; a CronJob's schedule,
 * time zone, policies and job template.
 */
import { labelSelectorFromObject, type LabelSelectorObject } from "../../api/selectors/labels.ts";
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { deepEqual } from "../rest/deep-equal.ts";
import { immutable, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from "./batch-defaults.ts";
import { isKnownTimeZone, scheduleProblem } from "../../cron/schedule.ts";
import { goLabelSelector, goStringMap, invalidRendered } from "./go-values.ts";
import { isObj, nonnegative, selectorImmutable, validateSelectorAndTemplate } from "./workload-validation.ts";

type Obj = Record<string, unknown>;
const specOf = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});

/** ValidateHasLabel on the template: the generated labels are there with the Job's values. */
function hasLabel(labels: Record<string, string>, key: string, expected: string): StatusCause[] {
  const field = `spec.template.metadata.labels[${key}]`;
  if (!(key in labels)) return [required(field, `must be '${expected}'`)];
  if (labels[key] !== expected) return [invalidRendered(field, goStringMap(labels), `must be '${expected}'`)];
  return [];
}

/** validateGeneratedSelector: only for Jobs whose selector the server generated. */
function validateGeneratedSelector(job: KubeObject): StatusCause[] {
  const spec = specOf(job);
  if (spec.manualSelector === true) return [];
  const template = isObj(spec.template) ? spec.template : {};
  const metadata = isObj(template.metadata) ? template.metadata : {};
  if (!isObj(metadata.labels)) return [];
  const labels = metadata.labels as Record<string, string>;
  const uid = job.metadata.uid ?? "";
  const name = job.metadata.name ?? "";
  const out = [
    ...hasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid),
    ...hasLabel(labels, LEGACY_JOB_NAME_LABEL, name),
    ...hasLabel(labels, CONTROLLER_UID_LABEL, uid),
    ...hasLabel(labels, JOB_NAME_LABEL, name),
  ];
  let selects = false;
  try {
    selects = labelSelectorFromObject((spec.selector ?? null) as LabelSelectorObject | null).matches({ [CONTROLLER_UID_LABEL]: uid });
  } catch {
    // An unparsable selector is reported by the spec checks.
  }
  if (!selects) out.push(invalidRendered("spec.selector", goLabelSelector(spec.selector), "`selector` not auto-generated"));
  return out;
}

const COMPLETION_MODES = ["NonIndexed", "Indexed"];
const REPLACEMENT_POLICIES = ["TerminatingOrFailed", "Failed"];

/** The counts and modes of a JobSpec at `path` (a Job's spec or a CronJob's job template). */
function validateJobCounts(spec: Obj, path: string): StatusCause[] {
  const out = [
    ...nonnegative(spec.parallelism, `${path}.parallelism`),
    ...nonnegative(spec.completions, `${path}.completions`),
    ...nonnegative(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`),
    ...nonnegative(spec.backoffLimit, `${path}.backoffLimit`),
    ...nonnegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`),
    ...nonnegative(spec.backoffLimitPerIndex, `${path}.backoffLimitPerIndex`),
    ...nonnegative(spec.maxFailedIndexes, `${path}.maxFailedIndexes`),
  ];
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== null && !COMPLETION_MODES.includes(String(mode))) out.push(notSupported(`${path}.completionMode`, mode, COMPLETION_MODES));
  if (mode === "Indexed" && (spec.completions === undefined || spec.completions === null)) out.push(required(`${path}.completions`, "when completion mode is Indexed"));
  const replacement = spec.podReplacementPolicy;
  if (replacement !== undefined && replacement !== null && !REPLACEMENT_POLICIES.includes(String(replacement))) {
    out.push(notSupported(`${path}.podReplacementPolicy`, replacement, REPLACEMENT_POLICIES));
  }
  return out;
}

export function validateJob(job: KubeObject): StatusCause[] {
  const spec = specOf(job);
  return [
    ...validateGeneratedSelector(job),
    ...validateJobCounts(spec, "spec"),
    ...validateSelectorAndTemplate(spec, "spec", { selectorRequired: true, restartPolicies: "OnFailureOrNever" }),
  ];
}

/** The template fields a suspended Job that never started may change (scheduling directives). */
function withoutSchedulingDirectives(template: unknown): unknown {
  if (!isObj(template)) return template;
  const copy = structuredClone(template);
  if (isObj(copy.metadata)) {
    delete copy.metadata.labels;
    delete copy.metadata.annotations;
  }
  if (isObj(copy.spec)) for (const key of ["nodeSelector", "tolerations", "affinity", "schedulingGates"]) delete copy.spec[key];
  return copy;
}

export function validateJobUpdate(job: KubeObject, old: KubeObject): StatusCause[] {
  const spec = specOf(job);
  const oldSpec = specOf(old);
  const out = [...validateJob(job), ...selectorImmutable(spec, oldSpec)];
  const neverStarted = oldSpec.suspend === true && !(isObj(old.status) && old.status.startTime);
  const sameTemplate = neverStarted ? deepEqual(withoutSchedulingDirectives(spec.template), withoutSchedulingDirectives(oldSpec.template)) : deepEqual(spec.template, oldSpec.template);
  if (!sameTemplate) out.push(immutable("spec.template", spec.template));
  // Indexed Jobs may scale completions together with parallelism (elastic Indexed Jobs).
  const elastic = spec.completionMode === "Indexed" && spec.completions === spec.parallelism && oldSpec.completions === oldSpec.parallelism;
  if (!elastic && !deepEqual(spec.completions, oldSpec.completions)) out.push(immutable("spec.completions", spec.completions));
  if (!deepEqual(spec.completionMode, oldSpec.completionMode)) out.push(immutable("spec.completionMode", spec.completionMode));
  return out;
}

const CONCURRENCY_POLICIES = ["Allow", "Forbid", "Replace"];
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(timeZone: unknown): StatusCause[] {
  if (timeZone === undefined || timeZone === null) return [];
  const tz = String(timeZone);
  if (tz.length === 0) return [invalidValue("spec.timeZone", tz, "timeZone must be nil or non-empty string")];
  const out: StatusCause[] = [];
  for (const part of tz.split("/")) {
    if (part === "." || part === ".." || part.startsWith("-") || !TIME_ZONE_PART.test(part)) {
      out.push(invalidValue("spec.timeZone", tz, "unknown time zone " + tz));
      return out;
    }
  }
  if (tz.toLowerCase() === "local") out.push(invalidValue("spec.timeZone", tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
  else if (!isKnownTimeZone(tz)) out.push(invalidValue("spec.timeZone", tz, `unknown time zone ${tz}`));
  return out;
}

export function validateCronJobSpec(cronJob: KubeObject, allowTzInSchedule: boolean): StatusCause[] {
  const spec = specOf(cronJob);
  const out: StatusCause[] = [];
  const schedule = spec.schedule;
  if (schedule === undefined || schedule === null || schedule === "") out.push(required("spec.schedule"));
  else {
    const problem = scheduleProblem(String(schedule));
    if (problem) out.push(invalidValue("spec.schedule", schedule, problem));
    if (String(schedule).includes("TZ")) {
      if (!allowTzInSchedule) out.push(invalidValue("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
      else if (spec.timeZone !== undefined && spec.timeZone !== null) out.push(invalidValue("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
    }
  }
  out.push(...validateTimeZone(spec.timeZone));
  const policy = spec.concurrencyPolicy;
  if (!policy) out.push(required("spec.concurrencyPolicy"));
  else if (!CONCURRENCY_POLICIES.includes(String(policy))) out.push(notSupported("spec.concurrencyPolicy", policy, CONCURRENCY_POLICIES));
  out.push(...nonnegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"));
  out.push(...nonnegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit"));
  out.push(...nonnegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit"));
  const jobTemplate = isObj(spec.jobTemplate) ? spec.jobTemplate : undefined;
  if (!jobTemplate) {
    out.push(required("spec.jobTemplate"));
    return out;
  }
  const jobSpec = isObj(jobTemplate.spec) ? jobTemplate.spec : {};
  const path = "spec.jobTemplate.spec";
  out.push(...validateJobCounts(jobSpec, path));
  // The Jobs a CronJob creates always get generated selectors.
  if (jobSpec.selector !== undefined && jobSpec.selector !== null) out.push(invalidRendered(`${path}.selector`, goLabelSelector(jobSpec.selector), "`selector` will be auto-generated"));
  if (jobSpec.manualSelector === true) out.push(notSupported(`${path}.manualSelector`, true, ["nil", "false"]));
  out.push(...validateSelectorAndTemplate({ ...jobSpec, selector: undefined }, path, { selectorRequired: false, restartPolicies: "OnFailureOrNever" }));
  return out;
}

/** Jobs get names `<cronjob>-<minutes since epoch>` (11 characters), which must stay DNS labels. */
const MAX_CRONJOB_NAME = 52;

export function validateCronJob(cronJob: KubeObject): StatusCause[] {
  const out = validateCronJobSpec(cronJob, false);
  const name = cronJob.metadata.name ?? "";
  if (name.length > MAX_CRONJOB_NAME) out.unshift(invalidValue("metadata.name", name, `must be no more than ${MAX_CRONJOB_NAME} characters`));
  return out;
}

export function validateCronJobUpdate(cronJob: KubeObject, old: KubeObject): StatusCause[] {
  // A schedule that already had TZ= may keep it (it predates the timeZone field).
  const oldSchedule = String(specOf(old).schedule ?? "");
  return validateCronJobSpec(cronJob, oldSchedule.includes("TZ"));
}
