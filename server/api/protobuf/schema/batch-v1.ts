/**
 * Protobuf field numbers of batch.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const batchV1: SchemaTable = {
  "batch.v1.CronJob": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "batch.v1.CronJobSpec"], 3: ["status", "batch.v1.CronJobStatus"] },
  "batch.v1.CronJobList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "batch.v1.CronJob", "r"] },
  "batch.v1.CronJobSpec": { 1: ["schedule", "string"], 2: ["startingDeadlineSeconds", "int64", "p"], 3: ["concurrencyPolicy", "string"], 4: ["suspend", "bool", "p"], 5: ["jobTemplate", "batch.v1.JobTemplateSpec"], 6: ["successfulJobsHistoryLimit", "int32", "p"], 7: ["failedJobsHistoryLimit", "int32", "p"], 8: ["timeZone", "string", "p"] },
  "batch.v1.CronJobStatus": { 1: ["active", "core.v1.ObjectReference", "r"], 4: ["lastScheduleTime", "meta.v1.Time", "p"], 5: ["lastSuccessfulTime", "meta.v1.Time", "p"] },
  "batch.v1.Job": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "batch.v1.JobSpec"], 3: ["status", "batch.v1.JobStatus"] },
  "batch.v1.JobCondition": { 1: ["type", "string"], 2: ["status", "string"], 3: ["lastProbeTime", "meta.v1.Time"], 4: ["lastTransitionTime", "meta.v1.Time"], 5: ["reason", "string"], 6: ["message", "string"] },
  "batch.v1.JobList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "batch.v1.Job", "r"] },
  "batch.v1.JobSpec": { 1: ["parallelism", "int32", "p"], 2: ["completions", "int32", "p"], 3: ["activeDeadlineSeconds", "int64", "p"], 4: ["selector", "meta.v1.LabelSelector", "p"], 5: ["manualSelector", "bool", "p"], 6: ["template", "core.v1.PodTemplateSpec"], 7: ["backoffLimit", "int32", "p"], 8: ["ttlSecondsAfterFinished", "int32", "p"], 9: ["completionMode", "string", "p"], 10: ["suspend", "bool", "p"], 11: ["podFailurePolicy", "batch.v1.PodFailurePolicy", "p"], 12: ["backoffLimitPerIndex", "int32", "p"], 13: ["maxFailedIndexes", "int32", "p"], 14: ["podReplacementPolicy", "string", "p"], 15: ["managedBy", "string", "p"], 16: ["successPolicy", "batch.v1.SuccessPolicy", "p"] },
  "batch.v1.JobStatus": { 1: ["conditions", "batch.v1.JobCondition", "r"], 2: ["startTime", "meta.v1.Time", "p"], 3: ["completionTime", "meta.v1.Time", "p"], 4: ["active", "int32", "z"], 5: ["succeeded", "int32", "z"], 6: ["failed", "int32", "z"], 7: ["completedIndexes", "string"], 8: ["uncountedTerminatedPods", "batch.v1.UncountedTerminatedPods", "p"], 9: ["ready", "int32", "p"], 10: ["failedIndexes", "string", "p"], 11: ["terminating", "int32", "p"] },
  "batch.v1.JobTemplateSpec": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "batch.v1.JobSpec"] },
  "batch.v1.PodFailurePolicy": { 1: ["rules", "batch.v1.PodFailurePolicyRule", "r"] },
  "batch.v1.PodFailurePolicyOnExitCodesRequirement": { 1: ["containerName", "string", "p"], 2: ["operator", "string"], 3: ["values", "int32", "r"] },
  "batch.v1.PodFailurePolicyOnPodConditionsPattern": { 1: ["type", "string"], 2: ["status", "string"] },
  "batch.v1.PodFailurePolicyRule": { 1: ["action", "string"], 2: ["onExitCodes", "batch.v1.PodFailurePolicyOnExitCodesRequirement", "p"], 3: ["onPodConditions", "batch.v1.PodFailurePolicyOnPodConditionsPattern", "r"] },
  "batch.v1.SuccessPolicy": { 1: ["rules", "batch.v1.SuccessPolicyRule", "r"] },
  "batch.v1.SuccessPolicyRule": { 1: ["succeededIndexes", "string", "p"], 2: ["succeededCount", "int32", "p"] },
  "batch.v1.UncountedTerminatedPods": { 1: ["succeeded", "string", "r"], 2: ["failed", "string", "r"] },
};
