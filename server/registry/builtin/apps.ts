/**
 * apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet and ControllerRevision — names,
 * scale subresources, the status split, defaults, validation and tables as kube-apiserver 1.32
 * serves them (pkg/registry/apps/*). Status starts as the fields upstream always serializes.
 */
import type { KubeObject } from "../../storage/object.ts";
import type { ResourceDefinition, ScaleSubresource } from "../types.ts";
import { AGE_COLUMN } from "./age-column.ts";
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from "./apps-defaults.ts";
import {
  controllerRevisionColumns,
  daemonSetColumns,
  daemonSetWideColumns,
  deploymentColumns,
  deploymentWideColumns,
  replicaSetColumns,
  replicaSetWideColumns,
  statefulSetColumns,
  statefulSetWideColumns,
} from "./apps-tables.ts";
import {
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateDaemonSet,
  validateDeployment,
  validateReplicaSet,
  validateStatefulSet,
  validateStatefulSetUpdate,
  withImmutableSelector,
} from "./apps-validation.ts";
import { defineKind, table } from "./define.ts";

const SCALE: ScaleSubresource = { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".spec.selector" };

/** A new object's status: what upstream's PrepareForCreate leaves (zero values it serializes). */
const initialStatus = (status: Record<string, unknown>) => (o: KubeObject) => {
  o.status = structuredClone(status);
};

export const deployments: ResourceDefinition = defineKind({
  group: "apps",
  version: "v1",
  kind: "Deployment",
  resource: "deployments",
  shortNames: ["deploy"],
  categories: ["all"],
  namespaced: true,
  modelName: "V1Deployment",
  statusSubresource: true,
  scale: SCALE,
  strategy: {
    // Upstream also bumps a Deployment's generation on annotation changes (they are copied to
    // its ReplicaSets); the store's "spec" policy does not see annotations (a known gap).
    generation: "spec",
    defaults: defaultDeployment,
    prepareForCreate: initialStatus({}),
    validate: validateDeployment,
    validateUpdate: withImmutableSelector(validateDeployment),
  },
});
deployments.table = table([...deploymentColumns, AGE_COLUMN, ...deploymentWideColumns], false);

export const replicasets: ResourceDefinition = defineKind({
  group: "apps",
  version: "v1",
  kind: "ReplicaSet",
  resource: "replicasets",
  shortNames: ["rs"],
  categories: ["all"],
  namespaced: true,
  modelName: "V1ReplicaSet",
  statusSubresource: true,
  scale: SCALE,
  strategy: {
    generation: "spec",
    defaults: defaultReplicaSet,
    prepareForCreate: initialStatus({ replicas: 0 }),
    validate: validateReplicaSet,
    validateUpdate: withImmutableSelector(validateReplicaSet),
  },
});
replicasets.table = table([...replicaSetColumns, AGE_COLUMN, ...replicaSetWideColumns], false);

export const statefulsets: ResourceDefinition = defineKind({
  group: "apps",
  version: "v1",
  kind: "StatefulSet",
  resource: "statefulsets",
  shortNames: ["sts"],
  categories: ["all"],
  namespaced: true,
  modelName: "V1StatefulSet",
  statusSubresource: true,
  scale: SCALE,
  strategy: {
    generation: "spec",
    defaults: defaultStatefulSet,
    prepareForCreate: initialStatus({ replicas: 0, availableReplicas: 0 }),
    validate: validateStatefulSet,
    validateUpdate: validateStatefulSetUpdate,
  },
});
statefulsets.table = table([...statefulSetColumns, AGE_COLUMN, ...statefulSetWideColumns], false);

export const daemonsets: ResourceDefinition = defineKind({
  group: "apps",
  version: "v1",
  kind: "DaemonSet",
  resource: "daemonsets",
  shortNames: ["ds"],
  categories: ["all"],
  namespaced: true,
  modelName: "V1DaemonSet",
  statusSubresource: true,
  strategy: {
    generation: "spec",
    defaults: defaultDaemonSet,
    prepareForCreate: initialStatus({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }),
    validate: validateDaemonSet,
    validateUpdate: withImmutableSelector(validateDaemonSet),
  },
});
daemonsets.table = table([...daemonSetColumns, AGE_COLUMN, ...daemonSetWideColumns], false);

export const controllerrevisions: ResourceDefinition = defineKind({
  group: "apps",
  version: "v1",
  kind: "ControllerRevision",
  resource: "controllerrevisions",
  namespaced: true,
  modelName: "V1ControllerRevision",
  strategy: { generation: "none", validate: validateControllerRevision, validateUpdate: validateControllerRevisionUpdate },
  columns: controllerRevisionColumns,
});

export const appsResources: ResourceDefinition[] = [deployments, replicasets, statefulsets, daemonsets, controllerrevisions];
