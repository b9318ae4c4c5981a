/**
 * coordination.k8s.io/v1 Lease: leader election and node heartbeats. No generation, a HOLDER
 * column, and upstream's checks on the durations and counters.
 */
import type { ResourceDefinition } from "../types.ts";
import { defineKind } from "./define.ts";
import { isObj, nonnegative, positive } from "./workload-validation.ts";

export const leases: ResourceDefinition = defineKind({
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  resource: "leases",
  namespaced: true,
  modelName: "V1Lease",
  strategy: {
    generation: "none",
    validate(o) {
      const spec = isObj(o.spec) ? o.spec : {};
      return [...positive(spec.leaseDurationSeconds, "spec.leaseDurationSeconds"), ...nonnegative(spec.leaseTransitions, "spec.leaseTransitions")];
    },
  },
  columns: [{ name: "Holder", description: "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.", cell: (o) => (o.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? "" }],
});
