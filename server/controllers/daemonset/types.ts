/** The apps/v1 DaemonSet, Node and ControllerRevision fields the daemon set controller uses. */
import type { KubeObject } from "../../../plugins/client.ts";
import type { Pod } from "../pod-status.ts";

export interface DaemonSet extends KubeObject {
  spec: {
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: NonNullable<Pod["spec"]> };
    updateStrategy?: { type?: "RollingUpdate" | "OnDelete"; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: DaemonSetStatus;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Node extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}

export const REVISION_HASH_LABEL = "controller-revision-hash";
