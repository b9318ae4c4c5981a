/**
 * policy/v1 PodDisruptionBudget: minAvailable or maxUnavailable (not both), its selector, the
 * status split, and the table (MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS).
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { invalidValue, notSupported } from "../validation/field-errors.ts";
import type { ResourceDefinition } from "../types.ts";
import { defineKind } from "./define.ts";
import { intOrPercent, isObj, validateLabelSelector } from "./workload-validation.ts";

type Obj = Record<string, unknown>;
const specOf = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});
const given = (v: unknown) => v !== undefined && v !== null;

const EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"];

function validatePdb(o: KubeObject): StatusCause[] {
  const spec = specOf(o);
  const out: StatusCause[] = [];
  if (given(spec.minAvailable) && given(spec.maxUnavailable)) out.push(invalidValue("spec", spec, "minAvailable and maxUnavailable cannot be both set"));
  out.push(...intOrPercent(spec.minAvailable, "spec.minAvailable", true), ...intOrPercent(spec.maxUnavailable, "spec.maxUnavailable", true));
  if (given(spec.selector)) out.push(...validateLabelSelector(spec.selector, "spec.selector"));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (given(policy) && !EVICTION_POLICIES.includes(String(policy))) out.push(notSupported("spec.unhealthyPodEvictionPolicy", policy, EVICTION_POLICIES));
  return out;
}

/** An IntOrString as its String(): the number or the percentage; N/A when unset. */
const intOrStringCell = (v: unknown) => (given(v) ? String(v) : "N/A");

export const poddisruptionbudgets: ResourceDefinition = defineKind({
  group: "policy",
  version: "v1",
  kind: "PodDisruptionBudget",
  resource: "poddisruptionbudgets",
  shortNames: ["pdb"],
  namespaced: true,
  modelName: "V1PodDisruptionBudget",
  statusSubresource: true,
  strategy: {
    generation: "spec",
    prepareForCreate(o) {
      // The counters upstream always serializes.
      o.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    },
    validate: validatePdb,
  },
  columns: [
    { name: "Min Available", description: "The minimum number of pods that must be available.", cell: (o) => intOrStringCell(specOf(o).minAvailable) },
    { name: "Max Unavailable", description: "The maximum number of pods that may be unavailable.", cell: (o) => intOrStringCell(specOf(o).maxUnavailable) },
    { name: "Allowed Disruptions", type: "integer", description: "Calculated number of pods that may be disrupted at this time.", cell: (o) => (isObj(o.status) && typeof o.status.disruptionsAllowed === "number" ? o.status.disruptionsAllowed : 0) },
  ],
});
