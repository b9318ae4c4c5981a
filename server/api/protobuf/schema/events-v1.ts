/**
 * Protobuf field numbers of events.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const eventsV1: SchemaTable = {
  "events.v1.Event": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["eventTime", "meta.v1.MicroTime"], 3: ["series", "events.v1.EventSeries", "p"], 4: ["reportingController", "string"], 5: ["reportingInstance", "string"], 6: ["action", "string"], 7: ["reason", "string"], 8: ["regarding", "core.v1.ObjectReference"], 9: ["related", "core.v1.ObjectReference", "p"], 10: ["note", "string"], 11: ["type", "string"], 12: ["deprecatedSource", "core.v1.EventSource"], 13: ["deprecatedFirstTimestamp", "meta.v1.Time"], 14: ["deprecatedLastTimestamp", "meta.v1.Time"], 15: ["deprecatedCount", "int32", "z"] },
  "events.v1.EventList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "events.v1.Event", "r"] },
  "events.v1.EventSeries": { 1: ["count", "int32"], 2: ["lastObservedTime", "meta.v1.MicroTime"] },
};
