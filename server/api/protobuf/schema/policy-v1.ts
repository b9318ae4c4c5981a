/**
 * Protobuf field numbers of policy.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const policyV1: SchemaTable = {
  "policy.v1.Eviction": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["deleteOptions", "meta.v1.DeleteOptions", "p"] },
  "policy.v1.PodDisruptionBudget": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "policy.v1.PodDisruptionBudgetSpec"], 3: ["status", "policy.v1.PodDisruptionBudgetStatus"] },
  "policy.v1.PodDisruptionBudgetList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "policy.v1.PodDisruptionBudget", "r"] },
  "policy.v1.PodDisruptionBudgetSpec": { 1: ["minAvailable", "intstr.IntOrString", "p"], 2: ["selector", "meta.v1.LabelSelector", "p"], 3: ["maxUnavailable", "intstr.IntOrString", "p"], 4: ["unhealthyPodEvictionPolicy", "string", "p"] },
  "policy.v1.PodDisruptionBudgetStatus": { 1: ["observedGeneration", "int64", "z"], 2: ["disruptedPods", "meta.v1.Time", "m"], 3: ["disruptionsAllowed", "int32"], 4: ["currentHealthy", "int32"], 5: ["desiredHealthy", "int32"], 6: ["expectedPods", "int32"], 7: ["conditions", "meta.v1.Condition", "r"] },
};
