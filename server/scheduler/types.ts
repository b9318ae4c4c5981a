/**
 * The shapes of the objects the scheduler reads: the parts of core/v1 Pod and Node (and the
 * affinity, toleration and spread types) that scheduling decisions depend on. Objects come from
 * informers and are shared: the scheduler never mutates them.
 */
import type { KubeObject } from "../../plugins/client.ts";

export type Labels = Record<string, string>;

export interface LabelSelectorSpec {
  matchLabels?: Labels | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" | string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[] | null;
  matchFields?: NodeSelectorRequirement[] | null;
}

export interface PodAffinityTerm {
  labelSelector?: LabelSelectorSpec | null;
  namespaces?: string[] | null;
  namespaceSelector?: LabelSelectorSpec | null;
  topologyKey: string;
  matchLabelKeys?: string[] | null;
  mismatchLabelKeys?: string[] | null;
}

export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] | null } | null;
    preferredDuringSchedulingIgnoredDuringExecution?: Array<{ weight: number; preference: NodeSelectorTerm }> | null;
  } | null;
  podAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[] | null;
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[] | null;
  } | null;
  podAntiAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[] | null;
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[] | null;
  } | null;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal" | string;
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | string;
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway" | string;
  labelSelector?: LabelSelectorSpec | null;
  minDomains?: number;
  nodeAffinityPolicy?: "Honor" | "Ignore";
  nodeTaintsPolicy?: "Honor" | "Ignore";
  matchLabelKeys?: string[] | null;
}

export interface ContainerPort {
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: string;
}

export interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  ports?: ContainerPort[];
  /** "Always" marks a sidecar init container: it keeps running beside the app containers. */
  restartPolicy?: string;
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

export interface Pod extends KubeObject {
  spec: {
    nodeName?: string;
    schedulerName?: string;
    nodeSelector?: Labels | null;
    affinity?: Affinity | null;
    tolerations?: Toleration[] | null;
    containers: Container[];
    initContainers?: Container[] | null;
    overhead?: Record<string, string | number> | null;
    priority?: number;
    priorityClassName?: string;
    preemptionPolicy?: string;
    topologySpreadConstraints?: TopologySpreadConstraint[] | null;
    schedulingGates?: Array<{ name: string }> | null;
    terminationGracePeriodSeconds?: number;
  };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    nominatedNodeName?: string;
    startTime?: string;
  };
}

export interface NodeCondition {
  type: string;
  status: string;
}

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[] | null; podCIDR?: string };
  status?: {
    allocatable?: Record<string, string | number>;
    capacity?: Record<string, string | number>;
    conditions?: NodeCondition[];
  };
}

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

export function podKey(pod: { metadata: { namespace?: string; name?: string } }): string {
  return `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
}

/** Pods that have finished hold no resources on their node (the kubelet admits past them). */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}
