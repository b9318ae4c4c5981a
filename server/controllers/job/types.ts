/** The batch/v1 Job fields the job controller reads and writes. */
import type { KubeObject } from "../../../plugins/client.ts";

export interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface PodFailurePolicyRule {
  action: "FailJob" | "FailIndex" | "Ignore" | "Count";
  onExitCodes?: { containerName?: string; operator: "In" | "NotIn"; values: number[] };
  onPodConditions?: Array<{ type: string; status?: string }>;
}

export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  completionMode?: "NonIndexed" | "Indexed";
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend?: boolean;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  podFailurePolicy?: { rules: PodFailurePolicyRule[] };
  podReplacementPolicy?: "TerminatingOrFailed" | "Failed";
  managedBy?: string;
  template: { metadata?: KubeObject["metadata"] & Record<string, unknown>; spec?: Record<string, unknown> & { restartPolicy?: string } };
}

export interface JobStatus {
  active?: number;
  ready?: number;
  terminating?: number;
  succeeded?: number;
  failed?: number;
  startTime?: string;
  completionTime?: string;
  completedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  conditions?: JobCondition[];
}

export interface Job extends KubeObject {
  spec: JobSpec;
  status?: JobStatus;
}

export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
export const COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";
export const JOB_CONTROLLER_NAME = "kubernetes.io/job-controller";

export function findCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

/** util.IsJobFinished: a Complete or Failed condition that is True. */
export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

/** The time a finished job finished: completionTime, else the Failed condition's transition. */
export function jobFinishTime(job: Job): number | undefined {
  if (job.status?.completionTime) return Date.parse(job.status.completionTime);
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True" && c.lastTransitionTime) return Date.parse(c.lastTransitionTime);
  }
  return undefined;
}
