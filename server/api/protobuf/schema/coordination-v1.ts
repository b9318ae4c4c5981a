/**
 * Protobuf field numbers of coordination.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const coordinationV1: SchemaTable = {
  "coordination.v1.Lease": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "coordination.v1.LeaseSpec"] },
  "coordination.v1.LeaseList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "coordination.v1.Lease", "r"] },
  "coordination.v1.LeaseSpec": { 1: ["holderIdentity", "string", "p"], 2: ["leaseDurationSeconds", "int32", "p"], 3: ["acquireTime", "meta.v1.MicroTime", "p"], 4: ["renewTime", "meta.v1.MicroTime", "p"], 5: ["leaseTransitions", "int32", "p"], 6: ["strategy", "string", "p"], 7: ["preferredHolder", "string", "p"] },
};
