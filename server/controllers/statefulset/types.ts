/** The apps/v1 StatefulSet fields the statefulset controller reads and writes, and its labels. */
import type { KubeObject } from "../../../plugins/client.ts";
import type { LabelSelectorObject } from "../../api/selectors/labels.ts";
import type { PodTemplate } from "../replicaset/types.ts";

export const STATEFULSETS = { apiVersion: "apps/v1", resource: "statefulsets" };
export const CONTROLLER_REVISIONS = { apiVersion: "apps/v1", resource: "controllerrevisions" };
export const PVCS = { apiVersion: "v1", resource: "persistentvolumeclaims" };

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
export const REVISION_LABEL = "controller-revision-hash";
export const CONTROLLER_REVISION_HASH_LABEL = "controller.kubernetes.io/hash";

export interface ClaimTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface StatefulSet extends KubeObject {
  spec: {
    replicas?: number;
    selector: LabelSelectorObject;
    template: PodTemplate;
    serviceName?: string;
    podManagementPolicy?: string;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
    volumeClaimTemplates?: ClaimTemplate[];
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
    ordinals?: { start?: number };
  };
  status?: StatefulSetStatus;
}

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}
