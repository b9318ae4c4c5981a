/**
 * The pod status the kubelet reports, computed from what the runtime says about the pod's
 * sandbox and containers (upstream's generateAPIPodStatus, getPhase and the status manager's
 * condition rules): phase, conditions, container statuses with their states, IPs, startTime.
 * Pure: the same inputs give the same status, so that a status that did not change is not written.
 */
import type { ContainerStatus as RuntimeContainerStatus } from "../runtime/mod.ts";
import {
  apiTime,
  type ContainerStateJson,
  type ContainerStateTerminated,
  type ContainerStatusJson,
  type Pod,
  type PodCondition,
  type PodContainer,
  type PodStatusJson,
} from "./types.ts";

/** The pod conditions the kubelet owns; others (PodScheduled, readiness gates, DisruptionTarget) it keeps. */
export const KUBELET_CONDITIONS: ReadonlySet<string> = new Set(["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"]);

export interface WaitingReason {
  reason: string;
  message?: string;
}

/** What the pod worker knows of one pod in the runtime. */
export interface PodRuntimeView {
  sandbox?: { id: string; ip?: string; ready: boolean };
  /** The runtime's containers of each container name, newest attempt first. */
  containers: ReadonlyMap<string, readonly RuntimeContainerStatus[]>;
  /** Why a container that is not running waits (CrashLoopBackOff, ErrImagePull, ...): the worker's say. */
  waiting: ReadonlyMap<string, WaitingReason>;
  /** The prober's readiness of a running container. */
  ready(containerName: string): boolean;
  /** The pod is being terminated (deleted, or its deadline passed): phase becomes terminal once all have stopped. */
  terminating?: boolean;
}

export interface StatusContext {
  runtimeName: string;
  hostIPs: string[];
  now: number;
}

function time(ms: number): string | null {
  return ms > 0 ? apiTime(ms) : null;
}

function terminated(c: RuntimeContainerStatus, runtimeName: string): ContainerStateTerminated {
  const out: ContainerStateTerminated = {
    exitCode: c.exitCode,
    reason: c.reason ?? (c.exitCode === 0 ? "Completed" : "Error"),
    startedAt: time(c.startedAt),
    finishedAt: time(c.finishedAt),
    containerID: `${runtimeName}://${c.id}`,
  };
  if (c.message) out.message = c.message;
  return out;
}

function containerStatus(
  spec: PodContainer,
  view: PodRuntimeView,
  ctx: StatusContext,
  defaultWaiting: string,
): ContainerStatusJson {
  const history = view.containers.get(spec.name) ?? [];
  const latest = history[0];
  const previous = history[1];
  const override = view.waiting.get(spec.name);
  const lastState: ContainerStateJson = previous?.state === "CONTAINER_EXITED" ? { terminated: terminated(previous, ctx.runtimeName) } : {};
  const status: ContainerStatusJson = {
    name: spec.name,
    state: { waiting: { reason: override?.reason ?? defaultWaiting, ...(override?.message ? { message: override.message } : {}) } },
    lastState: {},
    ready: false,
    restartCount: latest?.metadata.attempt ?? 0,
    image: latest?.image.image ?? spec.image ?? "",
    imageID: latest?.imageRef ?? "",
    started: false,
  };
  if (!latest) return status;
  status.containerID = `${ctx.runtimeName}://${latest.id}`;
  switch (latest.state) {
    case "CONTAINER_RUNNING":
      status.state = { running: { startedAt: apiTime(latest.startedAt) } };
      status.lastState = lastState;
      status.started = true;
      status.ready = view.ready(spec.name);
      break;
    case "CONTAINER_EXITED":
      if (override) {
        // Waiting to be restarted: the exit just seen is the last state.
        status.lastState = { terminated: terminated(latest, ctx.runtimeName) };
      } else {
        status.state = { terminated: terminated(latest, ctx.runtimeName) };
        status.lastState = lastState;
      }
      break;
    default:
      status.state = { waiting: { reason: override?.reason ?? "ContainerCreating", ...(override?.message ? { message: override.message } : {}) } };
      status.lastState = lastState;
  }
  return status;
}

/** Upstream's getPhase, with the 1.27+ rule that a terminating pod ends in a terminal phase. */
export function podPhase(pod: Pod, init: ContainerStatusJson[], regular: ContainerStatusJson[], terminating: boolean): NonNullable<PodStatusJson["phase"]> {
  const restartPolicy = pod.spec.restartPolicy ?? "Always";
  let pendingInit = 0;
  let failedInit = 0;
  for (const [i, s] of init.entries()) {
    const sidecar = pod.spec.initContainers?.[i]?.restartPolicy === "Always";
    if (sidecar) {
      if (!s.state.running || !s.started) pendingInit++;
      continue;
    }
    const t = s.state.terminated;
    if (t && t.exitCode === 0) continue;
    if (t || (s.state.waiting && s.lastState.terminated && s.lastState.terminated.exitCode !== 0)) failedInit++;
    pendingInit++;
  }
  if (failedInit > 0 && restartPolicy === "Never") return "Failed";
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of regular) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) stopped++;
      else waiting++;
    }
  }
  // Everything stopped on the way out: Succeeded only if every container exited 0.
  if (terminating && running === 0) return stopped > 0 && waiting === 0 && stopped === succeeded ? "Succeeded" : "Failed";
  if (pendingInit > 0 || waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

function condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status: ok ? "True" : "False" };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

function readyCondition(containersReady: boolean, gatesOk: boolean, message: string | undefined, gates: string[], old: PodCondition[] | undefined): PodCondition {
  if (!containersReady) return condition("Ready", false, "ContainersNotReady", message);
  if (gatesOk) return condition("Ready", true);
  const missing = gates.find((g) => old?.find((c) => c.type === g)?.status !== "True");
  return condition("Ready", false, "ReadinessGatesNotReady", `corresponding condition of pod readiness gate "${missing}" does not exist.`);
}

/** Keeps lastTransitionTime when a condition's status did not change (upstream's status manager). */
function withTransitionTimes(next: PodCondition[], old: PodCondition[] | undefined, now: string): PodCondition[] {
  return next.map((c) => {
    const before = old?.find((o) => o.type === c.type);
    const keep = before && before.status === c.status;
    return { ...c, lastProbeTime: null, lastTransitionTime: keep ? (before.lastTransitionTime ?? now) : now };
  });
}

/** The full status of `pod` from the runtime's view of it. */
export function computePodStatus(pod: Pod, view: PodRuntimeView, ctx: StatusContext): PodStatusJson {
  const old = pod.status ?? {};
  const initSpecs = pod.spec.initContainers ?? [];
  const init = initSpecs.map((c) => containerStatus(c, view, ctx, "PodInitializing"));
  const initDone = init.every((s, i) => (initSpecs[i].restartPolicy === "Always" ? s.started === true : s.state.terminated?.exitCode === 0));
  const regular = pod.spec.containers.map((c) => containerStatus(c, view, ctx, initDone ? "ContainerCreating" : "PodInitializing"));
  // A pod that reached a terminal phase never leaves it.
  let phase = podPhase(pod, init, regular, view.terminating ?? false);
  if (old.phase === "Succeeded" || old.phase === "Failed") phase = old.phase;

  const notReady = regular.filter((s) => !s.ready).map((s) => s.name);
  const incompleteInit = init.filter((s, i) => (initSpecs[i].restartPolicy === "Always" ? !s.started : s.state.terminated?.exitCode !== 0)).map((s) => s.name);
  const completed = phase === "Succeeded";
  const gates = (pod.spec.readinessGates ?? []).map((g) => g.conditionType);
  const gatesOk = gates.every((g) => old.conditions?.find((c) => c.type === g)?.status === "True");
  const containersReady = !completed && notReady.length === 0;
  const readyMessage = notReady.length ? `containers with unready status: [${notReady.join(" ")}]` : undefined;

  const conditions: PodCondition[] = [
    condition("PodReadyToStartContainers", view.sandbox?.ready === true && !!view.sandbox.ip),
    completed
      ? { type: "Initialized", status: "True", reason: "PodCompleted" }
      : condition("Initialized", incompleteInit.length === 0, "ContainersNotInitialized", `containers with incomplete status: [${incompleteInit.join(" ")}]`),
    completed ? { type: "Ready", status: "False", reason: "PodCompleted" } : readyCondition(containersReady, gatesOk, readyMessage, gates, old.conditions),
    completed ? { type: "ContainersReady", status: "False", reason: "PodCompleted" } : condition("ContainersReady", containersReady, "ContainersNotReady", readyMessage),
  ];
  // Conditions the kubelet does not own (PodScheduled from the scheduler, readiness gates,
  // DisruptionTarget) are kept as they are.
  const now = apiTime(ctx.now);
  const kept = (old.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
  const status: PodStatusJson = {
    ...old,
    phase,
    conditions: [...withTransitionTimes(conditions, old.conditions, now), ...kept],
    hostIP: ctx.hostIPs[0],
    hostIPs: ctx.hostIPs.map((ip) => ({ ip })),
    startTime: old.startTime ?? now,
    containerStatuses: regular,
  };
  if (init.length) status.initContainerStatuses = init;
  else delete status.initContainerStatuses;
  const ip = view.sandbox?.ip;
  if (ip) {
    status.podIP = ip;
    status.podIPs = [{ ip }];
  }
  return status;
}
