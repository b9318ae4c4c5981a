/**
 * Protobuf field numbers of discovery.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const discoveryV1: SchemaTable = {
  "discovery.v1.Endpoint": { 1: ["addresses", "string", "r"], 2: ["conditions", "discovery.v1.EndpointConditions"], 3: ["hostname", "string", "p"], 4: ["targetRef", "core.v1.ObjectReference", "p"], 5: ["deprecatedTopology", "string", "m"], 6: ["nodeName", "string", "p"], 7: ["zone", "string", "p"], 8: ["hints", "discovery.v1.EndpointHints", "p"] },
  "discovery.v1.EndpointConditions": { 1: ["ready", "bool", "p"], 2: ["serving", "bool", "p"], 3: ["terminating", "bool", "p"] },
  "discovery.v1.EndpointHints": { 1: ["forZones", "discovery.v1.ForZone", "r"], 2: ["forNodes", "discovery.v1.ForNode", "r"] },
  "discovery.v1.EndpointPort": { 1: ["name", "string", "p"], 2: ["protocol", "string", "p"], 3: ["port", "int32", "p"], 4: ["appProtocol", "string", "p"] },
  "discovery.v1.EndpointSlice": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["endpoints", "discovery.v1.Endpoint", "r"], 3: ["ports", "discovery.v1.EndpointPort", "r"], 4: ["addressType", "string"] },
  "discovery.v1.EndpointSliceList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "discovery.v1.EndpointSlice", "r"] },
  "discovery.v1.ForNode": { 1: ["name", "string"] },
  "discovery.v1.ForZone": { 1: ["name", "string"] },
};
