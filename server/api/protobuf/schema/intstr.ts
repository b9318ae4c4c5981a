/**
 * Protobuf field numbers of intstr (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const intstr: SchemaTable = {
  "intstr.IntOrString": { 1: ["type", "int64"], 2: ["intVal", "int32"], 3: ["strVal", "string"] },
};
