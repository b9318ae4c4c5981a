/**
 * The pod table `kubectl get pods` prints, cell for cell as upstream's printPod computes it
 * (pkg/printers/internalversion/printers.go): READY counts ready containers (restartable init
 * containers, i.e. sidecars, included), STATUS is the most telling reason (Init:1/2,
 * ContainerCreating, CrashLoopBackOff, Completed, Error, Terminating, ...), RESTARTS carries
 * "(5m ago)" after a restart. The server always fills the wide columns; kubectl hides them.
 */
import { age } from "../../api/human-duration.ts";
import type { KubeObject } from "../../storage/object.ts";
import type { TableDefinition } from "../types.ts";
import { table } from "./define.ts";

interface ContainerState {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; signal?: number; reason?: string; finishedAt?: string };
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
}

interface PodView {
  spec?: {
    nodeName?: string;
    containers?: unknown[];
    initContainers?: { name?: string; restartPolicy?: string }[];
    readinessGates?: { conditionType?: string }[];
  };
  status?: {
    phase?: string;
    reason?: string;
    nominatedNodeName?: string;
    podIPs?: { ip?: string }[];
    podIP?: string;
    conditions?: Condition[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

/** node.NodeUnreachablePodReason: the node controller's reason for pods on a lost node. */
const NODE_UNREACHABLE_REASON = "NodeLost";

function later(current: string | undefined, candidate: string | undefined): string | undefined {
  if (!candidate) return current;
  if (!current) return candidate;
  return Date.parse(candidate) > Date.parse(current) ? candidate : current;
}

function terminatedReason(t: NonNullable<ContainerState["terminated"]>, prefix: string): string {
  if (t.reason) return prefix + t.reason;
  if (t.signal) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${t.exitCode ?? 0}`;
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** READY, STATUS and RESTARTS of a pod; `now` is for the "(5m ago)" of the last restart. */
export function podSummary(object: KubeObject, now = Date.now()): PodSummary {
  const pod = object as unknown as PodView;
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initSpecs = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  const isSidecar = (name: string | undefined) => initSpecs.get(name)?.restartPolicy === "Always";

  let total = (spec.containers ?? []).length;
  for (const c of spec.initContainers ?? []) if (c.restartPolicy === "Always") total++;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: string | undefined;
  let lastSidecarRestart: string | undefined;

  let reason = status.reason || status.phase || "";
  for (const c of status.conditions ?? []) {
    if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
    if (isSidecar(c.name)) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, c.lastState?.terminated?.finishedAt);
    }
    const term = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (term && (term.exitCode ?? 0) === 0) continue;
    if (isSidecar(c.name) && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) reason = terminatedReason(term, "Init:");
    else if (waiting?.reason && waiting.reason !== "PodInitializing") reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const waiting = c.state?.waiting;
      const term = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (term) reason = terminatedReason(term, "");
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose last container completed while others still run is still running.
    if (reason === "Completed" && hasRunning) {
      const podReady = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      reason = podReady ? "Running" : "NotReady";
    }
  }

  const deleting = object.metadata.deletionTimestamp !== undefined && object.metadata.deletionTimestamp !== null;
  if (deleting && status.reason === NODE_UNREACHABLE_REASON) reason = "Unknown";
  else if (deleting && status.phase !== "Succeeded" && status.phase !== "Failed") reason = "Terminating";

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart) restartsCell = `${restarts} (${age(lastRestart, now)} ago)`;
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsCell };
}

function podIP(object: KubeObject): string {
  const status = (object as unknown as PodView).status;
  return status?.podIPs?.[0]?.ip || "<none>";
}

function readinessGates(object: KubeObject): string {
  const pod = object as unknown as PodView;
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return "<none>";
  const conditions = pod.status?.conditions ?? [];
  let trueCount = 0;
  for (const g of gates) {
    const c = conditions.find((c) => c.type === g.conditionType);
    if (c?.status === "True") trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

const base = table([
  { name: "Ready", description: "The aggregate readiness state of this pod for accepting traffic.", cell: (o) => podSummary(o).ready },
  { name: "Status", description: "The aggregate status of the containers in this pod.", cell: (o) => podSummary(o).status },
  { name: "Restarts", type: "integer", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", cell: (o) => podSummary(o).restarts },
]);

const wide = [
  { name: "IP", type: "string" as const, format: "", priority: 1, description: "podIP is an IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated." },
  { name: "Node", type: "string" as const, format: "", priority: 1, description: "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName." },
  { name: "Nominated Node", type: "string" as const, format: "", priority: 1, description: "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods." },
  { name: "Readiness Gates", type: "string" as const, format: "", priority: 1, description: "If specified, all readiness gates will be evaluated for pod readiness. More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates" },
];

/** NAME READY STATUS RESTARTS AGE, then (wide) IP NODE NOMINATED NODE READINESS GATES. */
export const podTable: TableDefinition = {
  columns: [...base.columns, ...wide],
  cells(o) {
    const s = podSummary(o);
    const pod = o as unknown as PodView;
    return [
      o.metadata.name,
      s.ready,
      s.status,
      s.restarts,
      age(o.metadata.creationTimestamp),
      podIP(o),
      pod.spec?.nodeName || "<none>",
      pod.status?.nominatedNodeName || "<none>",
      readinessGates(o),
    ];
  },
};
