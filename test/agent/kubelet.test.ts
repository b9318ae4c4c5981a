/**
 * The kubelet on the fake runtime against a real API server: node registration and heartbeats,
 * pods bound to the node (created with spec.nodeName: no scheduler here) through their lives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../plugins/client.ts";
import type { ContainerStatusJson, NodeJson, Pod } from "../../agent/kubelet/types.ts";
import { eventually } from "../server/controllers/run-controllers.ts";
import { startTestServer, type TestServer } from "../server/harness.ts";
import { startTestAgent } from "./agent-harness.ts";

const PODS = { apiVersion: "v1", resource: "pods" };
const NODES = { apiVersion: "v1", resource: "nodes" };
const LEASES = { apiVersion: "coordination.k8s.io/v1", resource: "leases" };

let t: TestServer;
let agent: Awaited<ReturnType<typeof startTestAgent>>;

beforeAll(async () => {
  t = await startTestServer();
  agent = await startTestAgent(t);
});

afterAll(async () => {
  await agent?.stop();
  await t?.stop();
});

function pods() {
  return t.server.client.resource<Pod>(PODS);
}

async function createPod(name: string, spec: Partial<Pod["spec"]>, annotations: Record<string, string> = {}): Promise<Pod> {
  return pods().create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", annotations },
    spec: { nodeName: "node-a", terminationGracePeriodSeconds: 5, containers: [{ name: "main", image: "busybox:local", imagePullPolicy: "Never", command: ["sleep", "3600"] }], ...spec },
  });
}

async function podWhere(name: string, check: (p: Pod) => boolean, what: string, ms = 15_000): Promise<Pod> {
  return eventually(async () => {
    const p = await pods().get(name, "default");
    return p && check(p) ? p : undefined;
  }, what, ms);
}

const condition = (p: { status?: { conditions?: { type: string; status: string }[] } }, type: string) => p.status?.conditions?.find((c) => c.type === type)?.status;
const main = (p: Pod): ContainerStatusJson | undefined => p.status?.containerStatuses?.[0];

describe("node", () => {
  it("registers with labels, capacity, addresses and nodeInfo, and becomes Ready once it has a pod CIDR", async () => {
    const node = await eventually(async () => {
      const n = await t.server.client.resource<NodeJson>(NODES).get("node-a");
      return n && condition(n, "Ready") === "True" ? n : undefined;
    }, "node-a Ready");
    expect(node.metadata.labels).toMatchObject({
      "kubernetes.io/hostname": "node-a",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "node-role.kubernetes.io/control-plane": "true",
      "node-role.kubernetes.io/master": "true",
      "example.com/zone": "a",
    });
    expect(node.status?.capacity).toMatchObject({ cpu: "4", pods: "110", memory: "8388608Ki" });
    expect(node.status?.allocatable?.pods).toBe("110");
    expect(node.status?.addresses).toEqual([{ type: "InternalIP", address: "192.0.2.10" }, { type: "Hostname", address: "node-a" }]);
    expect(node.status?.nodeInfo).toMatchObject({ kubeletVersion: "v1.32.0-k3ts", containerRuntimeVersion: "fake://0.1.0", osImage: "Debian GNU/Linux 13 (trixie)", architecture: "amd64" });
    expect(node.status?.conditions?.map((c) => `${c.type}=${c.status}`).sort()).toEqual(["DiskPressure=False", "MemoryPressure=False", "NetworkUnavailable=False", "PIDPressure=False", "Ready=True"]);
    for (const c of node.status?.conditions ?? []) expect(c.lastHeartbeatTime).toMatch(/Z$/);
  });

  it("heartbeats through a Lease in kube-node-lease, owned by the Node", async () => {
    const leases = t.server.client.resource<KubeObject & { spec: { renewTime?: string; holderIdentity?: string; leaseDurationSeconds?: number } }>(LEASES);
    const first = await eventually(() => leases.get("node-a", "kube-node-lease"), "the node lease");
    expect(first.spec).toMatchObject({ holderIdentity: "node-a", leaseDurationSeconds: 40 });
    expect(first.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Node", name: "node-a" });
    await eventually(async () => (await leases.get("node-a", "kube-node-lease"))!.spec.renewTime !== first.spec.renewTime, "a renewed lease");
  });
});

describe("pods", () => {
  it("runs a pod to Running and Ready with an IP from the node's pod CIDR", async () => {
    await createPod("web", {});
    const p = await podWhere("web", (p) => p.status?.phase === "Running" && condition(p, "Ready") === "True", "web Running and Ready");
    const node = await t.server.client.resource<NodeJson>(NODES).get("node-a");
    const prefix = node!.spec!.podCIDR!.replace(/\.0\/24$/, ".");
    expect(p.status?.podIP?.startsWith(prefix)).toBe(true);
    expect(p.status?.podIPs).toEqual([{ ip: p.status?.podIP }]);
    expect(p.status?.hostIP).toBe("192.0.2.10");
    expect(p.status?.hostIPs).toEqual([{ ip: "192.0.2.10" }]);
    expect(p.status?.startTime).toMatch(/Z$/);
    expect(p.status?.qosClass).toBe("BestEffort");
    expect(p.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(["PodReadyToStartContainers=True", "Initialized=True", "Ready=True", "ContainersReady=True"]);
    const c = main(p)!;
    expect(c).toMatchObject({ name: "main", ready: true, started: true, restartCount: 0, image: "docker.io/library/busybox:local" });
    expect(c.state.running?.startedAt).toMatch(/Z$/);
    expect(c.containerID).toMatch(/^fake:\/\/[0-9a-f]+$/);
    expect(c.imageID).toMatch(/^docker\.io\/library\/busybox@sha256:/);
    const table = await t.kubectl("get", "pod", "web", "-n", "default", "--no-headers");
    expect(table.stdout).toMatch(/^web\s+1\/1\s+Running\s+0/);
  });

  it("runs init containers in order before the containers", async () => {
    await createPod("with-init", {
      initContainers: [
        { name: "first", image: "busybox:local", imagePullPolicy: "Never" },
        { name: "second", image: "busybox:local", imagePullPolicy: "Never" },
      ],
    });
    const p = await podWhere("with-init", (p) => p.status?.phase === "Running", "with-init Running");
    const init = p.status?.initContainerStatuses ?? [];
    expect(init.map((s) => [s.name, s.state.terminated?.reason, s.state.terminated?.exitCode])).toEqual([["first", "Completed", 0], ["second", "Completed", 0]]);
    expect(Date.parse(init[0].state.terminated!.finishedAt!)).toBeLessThanOrEqual(Date.parse(init[1].state.terminated!.startedAt!));
    expect(condition(p, "Initialized")).toBe("True");
  });

  it("a restartPolicy Never pod Succeeds; one with an injected exit code Fails with it", async () => {
    await createPod("once", { restartPolicy: "Never" });
    await createPod("fails", { restartPolicy: "Never" }, { "k3ts.io/fake-exit-code": "3" });
    const ok = await podWhere("once", (p) => p.status?.phase === "Succeeded", "once Succeeded");
    expect(main(ok)?.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(condition(ok, "Ready")).toBe("False");
    expect(ok.status?.podIP).toMatch(/^10\.42\./);
    const bad = await podWhere("fails", (p) => p.status?.phase === "Failed", "fails Failed");
    expect(main(bad)?.state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(main(bad)?.restartCount).toBe(0);
  });

  it("an OnFailure pod whose container fails is restarted", async () => {
    await createPod("retry", { restartPolicy: "OnFailure" }, { "k3ts.io/fake-exit-code": "1", "k3ts.io/fake-run-seconds": "0.05" });
    const p = await podWhere("retry", (p) => (main(p)?.restartCount ?? 0) >= 1, "retry restarted");
    expect(p.status?.phase).toBe("Running");
  });

  it("a crashing Always pod goes into CrashLoopBackOff with a growing restartCount", async () => {
    await createPod("crash", {}, { "k3ts.io/fake-exit-code": "2", "k3ts.io/fake-run-seconds": "0.05" });
    const p = await podWhere("crash", (p) => main(p)?.state.waiting?.reason === "CrashLoopBackOff" && (main(p)?.restartCount ?? 0) >= 2, "crash in CrashLoopBackOff, restarted twice");
    const c = main(p)!;
    expect(c.state.waiting?.message).toMatch(/^back-off \d+s restarting failed container=main pod=crash_default\(/);
    expect(c.lastState.terminated).toMatchObject({ exitCode: 2, reason: "Error" });
    expect(p.status?.phase).toBe("Running");
    expect(condition(p, "Ready")).toBe("False");
    const events = await t.server.client.resource<{ reason: string; metadata: { name?: string } }>({ apiVersion: "v1", resource: "events" }).list({ namespace: "default" });
    expect(events.items.map((e) => e.reason)).toContain("BackOff");
  });

  it("an image that cannot be pulled leaves the container waiting with ErrImagePull or ImagePullBackOff", async () => {
    await createPod("nopull", { containers: [{ name: "main", image: "example.com/missing:1", imagePullPolicy: "IfNotPresent" }] }, { "k3ts.io/fake-image-pull-error": "not found" });
    const p = await podWhere("nopull", (p) => ["ErrImagePull", "ImagePullBackOff"].includes(main(p)?.state.waiting?.reason ?? ""), "nopull waiting on its image");
    expect(p.status?.phase).toBe("Pending");
  });

  it("a pod past its activeDeadlineSeconds is stopped and Fails with DeadlineExceeded", async () => {
    await createPod("deadline", { activeDeadlineSeconds: 1 });
    const p = await podWhere("deadline", (p) => p.status?.phase === "Failed", "deadline Failed");
    expect(p.status).toMatchObject({ reason: "DeadlineExceeded", message: "Pod was active on the node longer than the specified deadline" });
    expect(main(p)?.state.terminated).toBeDefined();
  });

  it("deleting a running pod with a grace period stops it and confirms the delete", async () => {
    await createPod("doomed", {});
    await podWhere("doomed", (p) => p.status?.phase === "Running", "doomed Running");
    const terminating = await pods().delete("doomed", "default", { gracePeriodSeconds: 30 });
    expect(terminating?.metadata.deletionTimestamp).toBeDefined();
    await eventually(async () => (await pods().get("doomed", "default")) === undefined, "doomed gone");
  });

  it("deleting a finished pod releases nothing twice and the node keeps working", async () => {
    await pods().delete("once", "default");
    await eventually(async () => (await pods().get("once", "default")) === undefined, "once gone");
    await createPod("after", {});
    await podWhere("after", (p) => p.status?.phase === "Running", "after Running");
  });
});
