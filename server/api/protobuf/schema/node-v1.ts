/**
 * Protobuf field numbers of node.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const nodeV1: SchemaTable = {
  "node.v1.Overhead": { 1: ["podFixed", "resource.Quantity", "m"] },
  "node.v1.RuntimeClass": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["handler", "string"], 3: ["overhead", "node.v1.Overhead", "p"], 4: ["scheduling", "node.v1.Scheduling", "p"] },
  "node.v1.RuntimeClassList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "node.v1.RuntimeClass", "r"] },
  "node.v1.Scheduling": { 1: ["nodeSelector", "string", "m"], 2: ["tolerations", "core.v1.Toleration", "r"] },
};
