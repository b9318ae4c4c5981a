/** Nodes, pods and cycle contexts for the scheduler's unit tests. */
import { SchedulerCache } from "../../../server/scheduler/cache.ts";
import type { CycleContext } from "../../../server/scheduler/framework.ts";
import { podRequests } from "../../../server/scheduler/resources.ts";
import type { Affinity, Container, Node, Pod, Taint, Toleration, TopologySpreadConstraint } from "../../../server/scheduler/types.ts";

let uid = 0;

export interface NodeSpec {
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: "True" | "False" | "Unknown";
  extra?: Record<string, string>;
}

export function makeNode(name: string, s: NodeSpec = {}): Node {
  const allocatable = { cpu: s.cpu ?? "4", memory: s.memory ?? "8Gi", pods: String(s.pods ?? 110), "ephemeral-storage": "100Gi", ...(s.extra ?? {}) };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...(s.labels ?? {}) } },
    spec: { ...(s.unschedulable ? { unschedulable: true } : {}), ...(s.taints ? { taints: s.taints } : {}) },
    status: { capacity: allocatable, allocatable, conditions: [{ type: "Ready", status: s.ready ?? "True" }] },
  };
}

export interface PodSpec {
  namespace?: string;
  node?: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  hostPort?: number;
  priority?: number;
  initContainers?: Container[];
  overhead?: Record<string, string>;
  spread?: TopologySpreadConstraint[];
  preemptionPolicy?: string;
}

export function makePod(name: string, s: PodSpec = {}): Pod {
  const requests: Record<string, string> = {};
  if (s.cpu) requests.cpu = s.cpu;
  if (s.memory) requests.memory = s.memory;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: s.namespace ?? "default", uid: `uid-${name}-${++uid}`, labels: s.labels ?? {}, creationTimestamp: new Date().toISOString() },
    spec: {
      containers: [{ name: "c", resources: { requests }, ...(s.hostPort ? { ports: [{ containerPort: 80, hostPort: s.hostPort, protocol: "TCP" }] } : {}) }],
      ...(s.initContainers ? { initContainers: s.initContainers } : {}),
      ...(s.overhead ? { overhead: s.overhead } : {}),
      ...(s.node ? { nodeName: s.node } : {}),
      ...(s.nodeSelector ? { nodeSelector: s.nodeSelector } : {}),
      ...(s.affinity ? { affinity: s.affinity } : {}),
      ...(s.tolerations ? { tolerations: s.tolerations } : {}),
      ...(s.spread ? { topologySpreadConstraints: s.spread } : {}),
      ...(s.preemptionPolicy ? { preemptionPolicy: s.preemptionPolicy } : {}),
      priority: s.priority ?? 0,
      schedulerName: "default-scheduler",
    },
    status: { phase: s.node ? "Running" : "Pending" },
  };
}

/** A cache holding `nodes` and the assigned ones of `pods`. */
export function cacheWith(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.setNode(n);
  for (const p of pods) if (p.spec.nodeName) cache.setPod(p);
  return cache;
}

export function contextFor(pod: Pod, cache: SchedulerCache, namespaceLabels: Record<string, Record<string, string>> = {}, nominated: Record<string, Pod[]> = {}): CycleContext {
  return {
    pod,
    requests: podRequests(pod),
    priority: pod.spec.priority ?? 0,
    cache,
    namespaceLabels: (n) => namespaceLabels[n],
    namespaces: () => Object.keys(namespaceLabels),
    nominatedFor: (n) => nominated[n] ?? [],
    state: new Map(),
  };
}
