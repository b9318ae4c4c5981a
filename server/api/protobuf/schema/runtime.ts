/**
 * Protobuf field numbers of runtime (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const runtime: SchemaTable = {
  "runtime.RawExtension": { 1: ["raw", "bytes"] },
  "runtime.TypeMeta": { 1: ["apiVersion", "string"], 2: ["kind", "string"] },
  "runtime.Unknown": { 1: ["typeMeta", "runtime.TypeMeta", "i"], 2: ["raw", "bytes"], 3: ["contentEncoding", "string"], 4: ["contentType", "string"] },
};
