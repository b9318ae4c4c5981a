/**
 * Protobuf field numbers of resource (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const resource: SchemaTable = {
  "resource.Quantity": { 1: ["string", "string"] },
  "resource.QuantityValue": { 1: ["string", "string"] },
};
