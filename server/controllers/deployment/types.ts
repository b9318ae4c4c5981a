/** The apps/v1 Deployment fields the deployment controller reads and writes, and its annotations. */
import type { KubeObject } from "../../../plugins/client.ts";
import type { LabelSelectorObject } from "../../api/selectors/labels.ts";
import type { PodTemplate, ReplicaSet } from "../replicaset/types.ts";

export const DEPLOYMENTS = { apiVersion: "apps/v1", resource: "deployments" };

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas";
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";
/** Upstream's limit on the revision-history annotation, in characters. */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

// Condition reasons (deployment_util.go).
export const NEW_RS_REASON = "NewReplicaSetCreated";
export const FOUND_NEW_RS_REASON = "FoundNewReplicaSet";
export const RS_UPDATED_REASON = "ReplicaSetUpdated";
export const NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable";
export const TIMED_OUT_REASON = "ProgressDeadlineExceeded";
export const FAILED_RS_CREATE_REASON = "ReplicaSetCreateError";
export const PAUSED_REASON = "DeploymentPaused";
export const RESUMED_REASON = "DeploymentResumed";
export const MIN_AVAILABLE_REASON = "MinimumReplicasAvailable";
export const MIN_UNAVAILABLE_REASON = "MinimumReplicasUnavailable";

export type IntOrString = number | string;

export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector: LabelSelectorObject;
    template: PodTemplate;
    strategy?: { type?: string; rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: DeploymentStatus;
}

export type { ReplicaSet };
