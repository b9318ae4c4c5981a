/**
 * apps/v1 validation, the essentials of pkg/apis/apps/validation with its paths and messages:
 * counts that may not be negative, a selector that selects the template, a pod template whose
 * restartPolicy is Always, the update strategies, and what may not change on update.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { deepEqual } from "../rest/deep-equal.ts";
import { forbiddenField, immutable, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { intOrPercent, isObj, isZeroIntOrPercent, nonnegative, selectorImmutable, validateSelectorAndTemplate } from "./workload-validation.ts";

type Obj = Record<string, unknown>;
const specOf = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});

/** maxUnavailable ≤ 100% and not both it and maxSurge zero (Deployments and DaemonSets). */
function validateRolling(rolling: Obj, path: string): StatusCause[] {
  const out = [...intOrPercent(rolling.maxUnavailable, `${path}.maxUnavailable`, true), ...intOrPercent(rolling.maxSurge, `${path}.maxSurge`)];
  if (isZeroIntOrPercent(rolling.maxUnavailable) && isZeroIntOrPercent(rolling.maxSurge ?? 0)) {
    out.push(invalidValue(`${path}.maxUnavailable`, rolling.maxUnavailable, "may not be 0 when `maxSurge` is 0"));
  }
  return out;
}

export function validateDeployment(o: KubeObject): StatusCause[] {
  const spec = specOf(o);
  const out = [
    ...nonnegative(spec.replicas, "spec.replicas"),
    ...nonnegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...nonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"),
    ...nonnegative(spec.progressDeadlineSeconds, "spec.progressDeadlineSeconds"),
    ...validateSelectorAndTemplate(spec, "spec", { selectorRequired: true, emptySelectorKind: "deployment", restartPolicies: "Always", noActiveDeadlineFor: "ReplicaSet" }),
  ];
  const deadline = spec.progressDeadlineSeconds;
  if (typeof deadline === "number" && deadline <= Number(spec.minReadySeconds ?? 0)) {
    out.push(invalidValue("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
  }
  const strategy = isObj(spec.strategy) ? spec.strategy : {};
  if (strategy.type === "Recreate") {
    if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
      out.push(forbiddenField("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
    }
  } else if (strategy.type === "RollingUpdate") {
    if (!isObj(strategy.rollingUpdate)) out.push(required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
    else out.push(...validateRolling(strategy.rollingUpdate, "spec.strategy.rollingUpdate"));
  } else {
    out.push(notSupported("spec.strategy.type", strategy.type ?? "", ["Recreate", "RollingUpdate"]));
  }
  if (spec.paused !== undefined && typeof spec.paused !== "boolean") out.push(invalidValue("spec.paused", spec.paused, "must be a boolean"));
  return out;
}

export function validateReplicaSet(o: KubeObject): StatusCause[] {
  const spec = specOf(o);
  return [
    ...nonnegative(spec.replicas, "spec.replicas"),
    ...nonnegative(spec.minReadySeconds, "spec.minReadySeconds"),
    // Upstream's ReplicaSet validation says "deployment" here too.
    ...validateSelectorAndTemplate(spec, "spec", { selectorRequired: true, emptySelectorKind: "deployment", restartPolicies: "Always", noActiveDeadlineFor: "ReplicaSet" }),
  ];
}

const RETENTION = ["Retain", "Delete"];

export function validateStatefulSet(o: KubeObject): StatusCause[] {
  const spec = specOf(o);
  const out = [
    ...nonnegative(spec.replicas, "spec.replicas"),
    ...nonnegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...nonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"),
    ...validateSelectorAndTemplate(spec, "spec", { selectorRequired: true, emptySelectorKind: "statefulset", restartPolicies: "Always", noActiveDeadlineFor: "StatefulSet" }),
  ];
  const policy = spec.podManagementPolicy;
  if (!policy) out.push(required("spec.podManagementPolicy"));
  else if (policy !== "OrderedReady" && policy !== "Parallel") out.push(invalidValue("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"));
  const strategy = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
  if (!strategy.type) out.push(required("spec.updateStrategy"));
  else if (strategy.type === "OnDelete") {
    if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
      out.push(invalidValue("spec.updateStrategy.rollingUpdate", strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
    }
  } else if (strategy.type === "RollingUpdate") {
    if (isObj(strategy.rollingUpdate)) {
      out.push(...nonnegative(strategy.rollingUpdate.partition, "spec.updateStrategy.rollingUpdate.partition"));
      out.push(...intOrPercent(strategy.rollingUpdate.maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", true));
    }
  } else {
    out.push(invalidValue("spec.updateStrategy", strategy, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = isObj(spec.persistentVolumeClaimRetentionPolicy) ? spec.persistentVolumeClaimRetentionPolicy : undefined;
  if (retention) {
    for (const key of ["whenDeleted", "whenScaled"]) {
      if (!RETENTION.includes(String(retention[key]))) out.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, retention[key] ?? "", RETENTION));
    }
  }
  const ordinals = spec.ordinals;
  if (isObj(ordinals)) out.push(...nonnegative(ordinals.start, "spec.ordinals.start"));
  return out;
}

/** The spec fields a StatefulSet update may change (ValidateStatefulSetUpdate). */
const STATEFULSET_MUTABLE = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

export function validateStatefulSetUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const out = validateStatefulSet(o);
  const spec = { ...specOf(o) };
  const oldSpec = { ...specOf(old) };
  for (const key of STATEFULSET_MUTABLE) {
    delete spec[key];
    delete oldSpec[key];
  }
  if (!deepEqual(spec, oldSpec)) {
    out.push(forbiddenField("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  return out;
}

export function validateDaemonSet(o: KubeObject): StatusCause[] {
  const spec = specOf(o);
  const out = [
    ...nonnegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...nonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"),
    ...validateSelectorAndTemplate(spec, "spec", { selectorRequired: true, emptySelectorKind: "daemonset", restartPolicies: "Always", noActiveDeadlineFor: "DaemonSet" }),
  ];
  const strategy = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
  if (strategy.type === "RollingUpdate") {
    if (!isObj(strategy.rollingUpdate)) out.push(required("spec.updateStrategy.rollingUpdate"));
    else out.push(...validateRolling(strategy.rollingUpdate, "spec.updateStrategy.rollingUpdate"));
  } else if (strategy.type !== "OnDelete") {
    out.push(notSupported("spec.updateStrategy", strategy.type ?? "", ["RollingUpdate", "OnDelete"]));
  }
  return out;
}

/** Deployments, ReplicaSets and DaemonSets: the spec rules again, and a selector that stays. */
export function withImmutableSelector(validate: (o: KubeObject) => StatusCause[]): (o: KubeObject, old: KubeObject) => StatusCause[] {
  return (o, old) => [...validate(o), ...selectorImmutable(o.spec, old.spec)];
}

export function validateControllerRevision(o: KubeObject): StatusCause[] {
  // An absent revision is Go's zero value, 0.
  return nonnegative(o.revision, "revision");
}

export function validateControllerRevisionUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const out = validateControllerRevision(o);
  if (!deepEqual(o.data, old.data)) out.push(immutable("data", o.data));
  return out;
}
