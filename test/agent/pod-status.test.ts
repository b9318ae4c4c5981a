import { describe, expect, it } from "vitest";
import { BackOff } from "../../agent/kubelet/backoff.ts";
import { computePodStatus, type PodRuntimeView, type WaitingReason } from "../../agent/kubelet/pod-status.ts";
import type { Pod } from "../../agent/kubelet/types.ts";
import type { ContainerStatus } from "../../agent/runtime/mod.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const ctx = { runtimeName: "fake", hostIPs: ["192.0.2.1"], now: T0 + 60_000 };

function pod(spec: Partial<Pod["spec"]> = {}, status: Pod["status"] = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns", uid: "u1" },
    spec: { containers: [{ name: "a", image: "busybox:local" }], ...spec },
    status: { phase: "Pending", qosClass: "BestEffort", conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" }], ...status },
  };
}

function container(name: string, state: ContainerStatus["state"], extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    id: `${name}-${extra.metadata?.attempt ?? 0}`,
    metadata: { name, attempt: 0 },
    state,
    createdAt: T0,
    startedAt: state === "CONTAINER_CREATED" ? 0 : T0 + 1000,
    finishedAt: state === "CONTAINER_EXITED" ? T0 + 2000 : 0,
    exitCode: 0,
    image: { image: "docker.io/library/busybox:local" },
    imageRef: "docker.io/library/busybox@sha256:abc",
    labels: {},
    annotations: {},
    ...extra,
  };
}

function view(containers: Record<string, ContainerStatus[]>, waiting: Record<string, WaitingReason> = {}, extra: Partial<PodRuntimeView> = {}): PodRuntimeView {
  return {
    sandbox: { id: "s", ip: "10.42.0.5", ready: true },
    containers: new Map(Object.entries(containers)),
    waiting: new Map(Object.entries(waiting)),
    ready: () => true,
    ...extra,
  };
}

const conditions = (s: ReturnType<typeof computePodStatus>) => Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c.status]));

describe("pod status", () => {
  it("is Pending with ContainerCreating before the container exists, keeping PodScheduled and qosClass", () => {
    const s = computePodStatus(pod(), view({}, {}, { sandbox: undefined }), ctx);
    expect(s.phase).toBe("Pending");
    expect(s.containerStatuses?.[0]).toMatchObject({ name: "a", ready: false, restartCount: 0, started: false, state: { waiting: { reason: "ContainerCreating" } }, image: "busybox:local", imageID: "" });
    expect(conditions(s)).toEqual({ PodReadyToStartContainers: "False", Initialized: "True", Ready: "False", ContainersReady: "False", PodScheduled: "True" });
    expect(s.conditions?.find((c) => c.type === "Ready")).toMatchObject({ reason: "ContainersNotReady", message: "containers with unready status: [a]" });
    expect(s.qosClass).toBe("BestEffort");
    expect(s.hostIPs).toEqual([{ ip: "192.0.2.1" }]);
    expect(s.podIP).toBeUndefined();
  });

  it("is Running and Ready with a running container, with the pod IP", () => {
    const s = computePodStatus(pod(), view({ a: [container("a", "CONTAINER_RUNNING")] }), ctx);
    expect(s.phase).toBe("Running");
    expect(conditions(s)).toMatchObject({ PodReadyToStartContainers: "True", Ready: "True", ContainersReady: "True" });
    expect(s.containerStatuses?.[0]).toMatchObject({ ready: true, started: true, containerID: "fake://a-0", state: { running: { startedAt: "2026-01-01T00:00:01Z" } } });
    expect(s.podIP).toBe("10.42.0.5");
    expect(s.startTime).toBe("2026-01-01T00:01:00Z");
  });

  it("keeps lastTransitionTime of conditions whose status did not change", () => {
    const first = computePodStatus(pod(), view({ a: [container("a", "CONTAINER_RUNNING")] }), ctx);
    const later = computePodStatus({ ...pod(), status: first }, view({ a: [container("a", "CONTAINER_RUNNING")] }), { ...ctx, now: ctx.now + 30_000 });
    expect(later.conditions).toEqual(first.conditions);
    expect(later.startTime).toBe(first.startTime);
  });

  it("Succeeds when every container of a Never pod exits 0, with Ready False (PodCompleted)", () => {
    const s = computePodStatus(pod({ restartPolicy: "Never" }), view({ a: [container("a", "CONTAINER_EXITED", { reason: "Completed" })] }), ctx);
    expect(s.phase).toBe("Succeeded");
    expect(s.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });
    expect(s.containerStatuses?.[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed", startedAt: "2026-01-01T00:00:01Z", finishedAt: "2026-01-01T00:00:02Z", containerID: "fake://a-0" });
  });

  it("Fails when a Never pod's container exits non-zero; an OnFailure one keeps Running", () => {
    const exited = [container("a", "CONTAINER_EXITED", { exitCode: 3, reason: "Error" })];
    expect(computePodStatus(pod({ restartPolicy: "Never" }), view({ a: exited }), ctx).phase).toBe("Failed");
    expect(computePodStatus(pod({ restartPolicy: "OnFailure" }), view({ a: exited }), ctx).phase).toBe("Running");
  });

  it("shows CrashLoopBackOff as waiting with the last termination, restartCount from the attempt, phase Running", () => {
    const history = [
      container("a", "CONTAINER_EXITED", { exitCode: 2, reason: "Error", metadata: { name: "a", attempt: 3 } }),
      container("a", "CONTAINER_EXITED", { exitCode: 2, reason: "Error", metadata: { name: "a", attempt: 2 } }),
    ];
    const s = computePodStatus(pod(), view({ a: history }, { a: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container=a pod=p_ns(u1)" } }), ctx);
    expect(s.phase).toBe("Running");
    expect(s.containerStatuses?.[0]).toMatchObject({ restartCount: 3, ready: false, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 2, reason: "Error" } } });
  });

  it("keeps regular containers in PodInitializing until init containers are done; a failed init fails a Never pod", () => {
    const spec = { initContainers: [{ name: "i", image: "busybox:local" }], restartPolicy: "Never" as const };
    const running = computePodStatus(pod(spec), view({ i: [container("i", "CONTAINER_RUNNING")] }), ctx);
    expect(running.phase).toBe("Pending");
    expect(running.containerStatuses?.[0].state.waiting?.reason).toBe("PodInitializing");
    expect(running.conditions?.find((c) => c.type === "Initialized")).toMatchObject({ status: "False", reason: "ContainersNotInitialized", message: "containers with incomplete status: [i]" });
    const failed = computePodStatus(pod(spec), view({ i: [container("i", "CONTAINER_EXITED", { exitCode: 1, reason: "Error" })] }), ctx);
    expect(failed.phase).toBe("Failed");
  });

  it("ends a terminating pod in a terminal phase once its containers stopped", () => {
    const killed = [container("a", "CONTAINER_EXITED", { exitCode: 143, reason: "Error" })];
    expect(computePodStatus(pod(), view({ a: killed }, {}, { terminating: true }), ctx).phase).toBe("Failed");
    expect(computePodStatus(pod(), view({ a: [container("a", "CONTAINER_EXITED")] }, {}, { terminating: true }), ctx).phase).toBe("Succeeded");
  });

  it("never leaves a terminal phase", () => {
    const s = computePodStatus(pod({}, { phase: "Failed" }), view({ a: [container("a", "CONTAINER_RUNNING")] }), ctx);
    expect(s.phase).toBe("Failed");
  });
});

describe("restart back-off", () => {
  it("restarts at once the first time, then waits 10 s doubling to the maximum, counted from the exit", () => {
    let now = 0;
    const b = new BackOff({ now: () => now });
    expect(b.waitUntil("k", 0)).toBe(0);
    b.next("k");
    expect(b.waitUntil("k", 0)).toBe(10_000);
    now = 10_000;
    expect(b.waitUntil("k", 0)).toBe(0);
    b.next("k");
    expect(b.delay("k")).toBe(20_000);
    for (let i = 0; i < 10; i++) b.next("k");
    expect(b.delay("k")).toBe(300_000);
    now += 600_001;
    expect(b.delay("k")).toBe(0);
  });
});
