/**
 * Protobuf field numbers of scheduling.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const schedulingV1: SchemaTable = {
  "scheduling.v1.PriorityClass": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["value", "int32"], 3: ["globalDefault", "bool", "z"], 4: ["description", "string"], 5: ["preemptionPolicy", "string", "p"] },
  "scheduling.v1.PriorityClassList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "scheduling.v1.PriorityClass", "r"] },
};
