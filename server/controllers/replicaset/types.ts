/** The apps/v1 ReplicaSet fields the replicaset controller reads and writes. */
import type { KubeObject } from "../../../plugins/client.ts";
import type { LabelSelectorObject } from "../../api/selectors/labels.ts";

export const REPLICASETS = { apiVersion: "apps/v1", resource: "replicasets" };
export const PODS = { apiVersion: "v1", resource: "pods" };

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  spec?: Record<string, unknown>;
}

export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

export interface ReplicaSet extends KubeObject {
  spec: {
    replicas?: number;
    minReadySeconds?: number;
    selector: LabelSelectorObject;
    template?: PodTemplate;
  };
  status?: ReplicaSetStatus;
}

/** metav1.Time as the API writes it: seconds precision. */
export function nowTime(now = Date.now()): string {
  return new Date(now).toISOString().replace(/\.\d+Z$/, "Z");
}
