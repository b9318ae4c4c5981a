/**
 * The batch/v1 tables kubectl prints (pkg/printers/internalversion/printers.go printJob and
 * printCronJob): a Job's STATUS from its conditions, COMPLETIONS as succeeded/wanted, DURATION
 * from start to completion (or to now); a CronJob's schedule, zone, suspension and activity.
 */
import { age, humanDuration } from "../../api/human-duration.ts";
import type { KubeObject } from "../../storage/object.ts";
import { containerCells } from "./container-cells.ts";
import type { ColumnSpec } from "./define.ts";
import { formatLabelSelector } from "./selector-text.ts";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const int = (v: unknown): number => (typeof v === "number" ? v : 0);

function hasCondition(job: KubeObject, type: string): boolean {
  const conditions = obj(job.status).conditions;
  const found = (Array.isArray(conditions) ? conditions : []).find((c) => obj(c).type === type);
  return obj(found).status === "True";
}

/** Complete, Failed, Terminating, Suspended, FailureTarget or Running, in upstream's order. */
export function jobStatus(job: KubeObject): string {
  if (hasCondition(job, "Complete")) return "Complete";
  if (hasCondition(job, "Failed")) return "Failed";
  if (job.metadata.deletionTimestamp) return "Terminating";
  if (hasCondition(job, "Suspended")) return "Suspended";
  if (hasCondition(job, "FailureTarget")) return "FailureTarget";
  return "Running";
}

export function jobCompletions(job: KubeObject): string {
  const spec = obj(job.spec);
  const succeeded = int(obj(job.status).succeeded);
  if (typeof spec.completions === "number") return `${succeeded}/${spec.completions}`;
  const parallelism = int(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

export function jobDuration(job: KubeObject, now = Date.now()): string {
  const status = obj(job.status);
  if (typeof status.startTime !== "string") return "";
  const start = Date.parse(status.startTime);
  const end = typeof status.completionTime === "string" ? Date.parse(status.completionTime) : now;
  return humanDuration(end - start);
}

const CONTAINERS = "Names of each container in the template.";
const IMAGES = "Images referenced by each container in the template.";
const JOB_SELECTOR = "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";

export const jobColumns: ColumnSpec[] = [
  { name: "Status", description: "Status of the job.", cell: jobStatus },
  { name: "Completions", description: "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.", cell: (o) => jobCompletions(o) },
  { name: "Duration", description: "Time required to complete the job.", cell: (o) => jobDuration(o) },
];

export const jobWideColumns: ColumnSpec[] = [
  { name: "Containers", priority: 1, description: CONTAINERS, cell: (o) => containerCells(obj(o.spec).template).names },
  { name: "Images", priority: 1, description: IMAGES, cell: (o) => containerCells(obj(o.spec).template).images },
  { name: "Selector", priority: 1, description: JOB_SELECTOR, cell: (o) => formatLabelSelector(obj(o.spec).selector) },
];

const jobTemplateSpec = (o: KubeObject): Obj => obj(obj(obj(o.spec).jobTemplate).spec);

export const cronJobColumns: ColumnSpec[] = [
  { name: "Schedule", description: "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.", cell: (o) => obj(o.spec).schedule ?? "" },
  {
    name: "Timezone",
    description: "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones",
    cell: (o) => (typeof obj(o.spec).timeZone === "string" ? obj(o.spec).timeZone : "<none>"),
  },
  // printBoolPtr: "<unset>" when nil, else "True"/"False"; the column type is boolean.
  { name: "Suspend", type: "boolean", description: "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false.", cell: (o) => (typeof obj(o.spec).suspend === "boolean" ? (obj(o.spec).suspend ? "True" : "False") : "<unset>") },
  { name: "Active", type: "integer", description: "A list of pointers to currently running jobs.", cell: (o) => (Array.isArray(obj(o.status).active) ? (obj(o.status).active as unknown[]).length : 0) },
  {
    name: "Last Schedule",
    description: "Information when was the last time the job was successfully scheduled.",
    cell: (o) => (typeof obj(o.status).lastScheduleTime === "string" ? age(obj(o.status).lastScheduleTime as string) : "<none>"),
  },
];

export const cronJobWideColumns: ColumnSpec[] = [
  { name: "Containers", priority: 1, description: CONTAINERS, cell: (o) => containerCells(jobTemplateSpec(o).template).names },
  { name: "Images", priority: 1, description: IMAGES, cell: (o) => containerCells(jobTemplateSpec(o).template).images },
  { name: "Selector", priority: 1, description: JOB_SELECTOR, cell: (o) => formatLabelSelector(jobTemplateSpec(o).selector) },
];
