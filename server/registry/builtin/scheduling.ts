/**
 * scheduling.k8s.io/v1 PriorityClass: value and globalDefault, the reserved system- names,
 * and the two system classes kube-apiserver creates at start (the assembly ensures them).
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { forbiddenField, immutable, invalidValue, notSupported } from "../validation/field-errors.ts";
import type { ResourceDefinition } from "../types.ts";
import { AGE_COLUMN } from "./age-column.ts";
import { defineKind, table } from "./define.ts";

/** Priorities above this belong to system classes only (HighestUserDefinablePriority). */
export const HIGHEST_USER_PRIORITY = 1_000_000_000;
const PREEMPTION = ["PreemptLowerPriority", "Never"];

/** The classes every cluster has (pkg/apis/scheduling SystemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES = [
  { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "system-node-critical" }, value: 2_000_001_000, description: "Used for system critical pods that must not be moved from their current node." },
  { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "system-cluster-critical" }, value: 2_000_000_000, description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary." },
];

const SYSTEM_NAMES = new Map(SYSTEM_PRIORITY_CLASSES.map((c) => [c.metadata.name, c.value]));

function validatePriorityClass(o: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const name = o.metadata.name ?? "";
  const value = o.value;
  if (typeof value !== "number" || !Number.isInteger(value)) out.push(invalidValue("value", value ?? null, "must be an integer"));
  if (name.startsWith("system-")) {
    // Only the system classes themselves, with their own values, may use the prefix.
    const expected = SYSTEM_NAMES.get(name);
    if (expected === undefined) out.push(invalidValue("metadata.name", name, "priority class names with 'system-' prefix are reserved"));
    else if (value !== expected) out.push(invalidValue("value", value, `value of system priority class ${name} must be ${expected}`));
  } else if (typeof value === "number" && value > HIGHEST_USER_PRIORITY) {
    out.push(forbiddenField("value", `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  }
  if (o.preemptionPolicy !== undefined && !PREEMPTION.includes(String(o.preemptionPolicy))) out.push(notSupported("preemptionPolicy", o.preemptionPolicy, PREEMPTION));
  return out;
}

export const priorityclasses: ResourceDefinition = defineKind({
  group: "scheduling.k8s.io",
  version: "v1",
  kind: "PriorityClass",
  resource: "priorityclasses",
  shortNames: ["pc"],
  namespaced: false,
  modelName: "V1PriorityClass",
  strategy: {
    generation: "none",
    defaults(o) {
      o.preemptionPolicy ??= "PreemptLowerPriority";
    },
    validate: validatePriorityClass,
    validateUpdate(o, old) {
      const out = validatePriorityClass(o);
      if (o.value !== old.value) out.push(immutable("value", o.value));
      if (o.preemptionPolicy !== old.preemptionPolicy) out.push(immutable("preemptionPolicy", o.preemptionPolicy));
      return out;
    },
  },
});
// PREEMPTIONPOLICY comes after AGE (with priority 0, as upstream declares it).
priorityclasses.table = table(
  [
    { name: "Value", type: "integer", description: "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.", cell: (o) => o.value ?? 0 },
    { name: "Global-Default", type: "boolean", description: "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.", cell: (o) => o.globalDefault === true },
    AGE_COLUMN,
    { name: "PreemptionPolicy", description: "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.", cell: (o) => o.preemptionPolicy ?? "" },
  ],
  false,
);
