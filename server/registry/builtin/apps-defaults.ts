/**
 * apps/v1 defaults as the v1 scheme applies them (pkg/apis/apps/v1/defaults.go), plus the pod
 * defaults of each template (SetDefaults_PodSpec and below; not the pod-only ones such as
 * enableServiceLinks, which upstream leaves out of templates too).
 */
import type { KubeObject } from "../../storage/object.ts";
import { defaultPodSpec } from "./core-pod-defaults.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** The object's spec, created when missing so that defaults have somewhere to go. */
function specOf(o: KubeObject): Obj {
  if (!isObj(o.spec)) o.spec = {};
  return o.spec as Obj;
}

/** A PodTemplateSpec's pod spec defaults. Exported for Jobs and CronJobs. */
export function defaultTemplate(template: unknown): void {
  if (isObj(template) && isObj(template.spec)) defaultPodSpec(template.spec);
}

export function defaultDeployment(o: KubeObject): void {
  const spec = specOf(o);
  spec.replicas ??= 1;
  const strategy = isObj(spec.strategy) ? spec.strategy : (spec.strategy = {});
  if (!strategy.type) strategy.type = "RollingUpdate";
  if (strategy.type === "RollingUpdate") {
    const rolling = isObj(strategy.rollingUpdate) ? strategy.rollingUpdate : (strategy.rollingUpdate = {});
    rolling.maxUnavailable ??= "25%";
    rolling.maxSurge ??= "25%";
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultTemplate(spec.template);
}

export function defaultReplicaSet(o: KubeObject): void {
  const spec = specOf(o);
  spec.replicas ??= 1;
  defaultTemplate(spec.template);
}

export function defaultStatefulSet(o: KubeObject): void {
  const spec = specOf(o);
  spec.podManagementPolicy ||= "OrderedReady";
  const strategy = isObj(spec.updateStrategy) ? spec.updateStrategy : (spec.updateStrategy = {});
  if (!strategy.type) strategy.type = "RollingUpdate";
  if (strategy.type === "RollingUpdate") {
    const rolling = isObj(strategy.rollingUpdate) ? strategy.rollingUpdate : (strategy.rollingUpdate = {});
    rolling.partition ??= 0;
  }
  // StatefulSetAutoDeletePVC (on by default since 1.27): both policies default to Retain.
  const retention = isObj(spec.persistentVolumeClaimRetentionPolicy) ? spec.persistentVolumeClaimRetentionPolicy : (spec.persistentVolumeClaimRetentionPolicy = {});
  retention.whenDeleted ||= "Retain";
  retention.whenScaled ||= "Retain";
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultTemplate(spec.template);
  for (const claim of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    // SetDefaults_PersistentVolumeClaimSpec: a claim is a filesystem unless it says otherwise.
    if (isObj(claim) && isObj(claim.spec)) claim.spec.volumeMode ??= "Filesystem";
  }
}

export function defaultDaemonSet(o: KubeObject): void {
  const spec = specOf(o);
  const strategy = isObj(spec.updateStrategy) ? spec.updateStrategy : (spec.updateStrategy = {});
  if (!strategy.type) strategy.type = "RollingUpdate";
  if (strategy.type === "RollingUpdate") {
    const rolling = isObj(strategy.rollingUpdate) ? strategy.rollingUpdate : (strategy.rollingUpdate = {});
    rolling.maxUnavailable ??= 1;
    rolling.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultTemplate(spec.template);
}
