/**
 * The scheduler against a real API server: Node objects created directly (Ready, with
 * allocatable), pods created through the client, bindings, conditions and events read back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject, ResourceClient } from "../../../plugins/client.ts";
import { schedulerModule } from "../../../server/scheduler/module.ts";
import type { Node, Pod } from "../../../server/scheduler/types.ts";
import { startTestServer, type TestServer } from "../harness.ts";
import { eventually, runControllers } from "../controllers/run-controllers.ts";
import { makeNode, type NodeSpec } from "./fixtures.ts";

let t: TestServer;
let stop: AbortController;
let pods: ResourceClient<Pod>;
let nodes: ResourceClient<Node>;
let events: ResourceClient<KubeObject & { reason?: string; message?: string; involvedObject?: { name?: string } }>;
const NS = "default";

beforeAll(async () => {
  t = await startTestServer();
  const client = t.server.client.as("test");
  pods = client.resource<Pod>({ apiVersion: "v1", resource: "pods" });
  nodes = client.resource<Node>({ apiVersion: "v1", resource: "nodes" });
  events = client.resource({ apiVersion: "v1", resource: "events" });
  stop = await runControllers(t, [schedulerModule]);
});

afterAll(async () => {
  stop?.abort();
  await t?.stop();
});

async function addNode(name: string, spec: NodeSpec = {}): Promise<void> {
  const node = makeNode(name, spec);
  const created = await nodes.create(node);
  // Status is the kubelet's to write: set it through the status subresource.
  await nodes.updateStatus({ ...created, status: node.status });
}

interface PodOptions {
  cpu?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: object[];
  labels?: Record<string, string>;
  affinity?: object;
  priority?: number;
  grace?: number;
}

async function addPod(name: string, o: PodOptions = {}): Promise<Pod> {
  return pods.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: o.labels ?? {} },
    spec: {
      containers: [{ name: "c", image: "busybox:local", ...(o.cpu ? { resources: { requests: { cpu: o.cpu } } } : {}) }],
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.grace !== undefined ? { terminationGracePeriodSeconds: o.grace } : {}),
    } as Pod["spec"],
  } as Pod);
}

function boundTo(name: string): Promise<string> {
  return eventually(async () => (await pods.get(name, NS))?.spec.nodeName || undefined, `pod ${name} to be bound`);
}

function scheduledCondition(pod: Pod | undefined) {
  return pod?.status?.conditions?.find((c) => c.type === "PodScheduled");
}

async function eventsFor(name: string, reason: string) {
  const list = await events.list({ namespace: NS });
  return list.items.filter((e) => e.involvedObject?.name === name && e.reason === reason);
}

async function removeAllPods(): Promise<void> {
  for (const p of (await pods.list({ namespace: NS })).items) await pods.delete(p.metadata.name!, NS, { gracePeriodSeconds: 0 });
  await eventually(async () => (await pods.list({ namespace: NS })).items.length === 0, "pods to be gone");
}

describe("scheduler", () => {
  it("binds pods to Ready nodes and records a Scheduled event", async () => {
    await addNode("node-a", { cpu: "4", labels: { zone: "z1" } });
    await addNode("node-b", { cpu: "4", labels: { zone: "z2" } });
    await addNode("node-c", { cpu: "4", labels: { zone: "z3" } });
    await addPod("first");
    const node = await boundTo("first");
    expect(["node-a", "node-b", "node-c"]).toContain(node);
    const pod = await pods.get("first", NS);
    expect(scheduledCondition(pod)?.status).toBe("True");
    const scheduled = await eventually(async () => (await eventsFor("first", "Scheduled"))[0], "a Scheduled event");
    expect(scheduled.message).toBe(`Successfully assigned default/first to ${node}`);
  });

  it("keeps a pod whose nodeSelector matches nothing Pending, then schedules it once a node is labelled", async () => {
    await addPod("picky", { nodeSelector: { "no-such-label": "x" } });
    const condition = await eventually(async () => {
      const c = scheduledCondition(await pods.get("picky", NS));
      return c?.status === "False" ? c : undefined;
    }, "PodScheduled=False");
    expect(condition.reason).toBe("Unschedulable");
    expect(condition.message).toBe(
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    const failed = await eventually(async () => (await eventsFor("picky", "FailedScheduling"))[0], "a FailedScheduling event");
    expect(failed.message).toBe(condition.message);
    expect((failed as { type?: string }).type).toBe("Warning");
    expect((await pods.get("picky", NS))?.status?.phase).toBe("Pending");

    await nodes.patch("node-b", { metadata: { labels: { "no-such-label": "x" } } }, { type: "merge" });
    expect(await boundTo("picky")).toBe("node-b");
  });

  it("honours taints and tolerations and cordoned nodes", async () => {
    await removeAllPods();
    for (const n of ["node-a", "node-b"]) await nodes.patch(n, { spec: { taints: [{ key: "dedicated", value: "infra", effect: "NoSchedule" }] } }, { type: "merge" });
    await nodes.patch("node-c", { spec: { unschedulable: true } }, { type: "merge" });
    await addPod("intolerant");
    const c = await eventually(async () => scheduledCondition(await pods.get("intolerant", NS))?.message, "a failure message");
    expect(c).toBe(
      "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) had untolerated taint {dedicated: infra}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    await addPod("tolerant", { tolerations: [{ key: "dedicated", operator: "Equal", value: "infra", effect: "NoSchedule" }] });
    expect(["node-a", "node-b"]).toContain(await boundTo("tolerant"));
    // Uncordoning node-c lets the intolerant pod go there.
    await nodes.patch("node-c", { spec: { unschedulable: null } }, { type: "merge" });
    expect(await boundTo("intolerant")).toBe("node-c");
    for (const n of ["node-a", "node-b"]) await nodes.patch(n, { spec: { taints: null } }, { type: "merge" });
  });

  it("fits pods by their cpu requests", async () => {
    await removeAllPods();
    await addPod("big-1", { cpu: "3" });
    await addPod("big-2", { cpu: "3" });
    await addPod("big-3", { cpu: "3" });
    const placed = [await boundTo("big-1"), await boundTo("big-2"), await boundTo("big-3")];
    expect(new Set(placed).size).toBe(3);
    await addPod("big-4", { cpu: "3", priority: 0 });
    const message = await eventually(async () => scheduledCondition(await pods.get("big-4", NS))?.message, "a failure message");
    expect(message).toBe("0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    // Deleting one frees its node.
    await pods.delete("big-1", NS, { gracePeriodSeconds: 0 });
    expect(await boundTo("big-4")).toBe(placed[0]);
  });

  it("spreads pods with required anti-affinity over nodes", async () => {
    await removeAllPods();
    const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "spread" } }, topologyKey: "kubernetes.io/hostname" }] } };
    for (let i = 0; i < 4; i++) await addPod(`spread-${i}`, { labels: { app: "spread" }, affinity });
    // Three pods take one node each, whichever they are; the fourth has nowhere to go.
    const all = await eventually(async () => {
      const list = await Promise.all([0, 1, 2, 3].map(async (i) => (await pods.get(`spread-${i}`, NS))!));
      return list.filter((p) => p.spec.nodeName).length === 3 ? list : undefined;
    }, "three spread pods to be bound");
    const bound = all.filter((p) => p.spec.nodeName).map((p) => p.spec.nodeName!).sort();
    expect(bound).toEqual(["node-a", "node-b", "node-c"]);
    const pending = all.find((p) => !p.spec.nodeName)!;
    const message = await eventually(async () => scheduledCondition(await pods.get(pending.metadata.name!, NS))?.message, "a failure message");
    expect(message).toMatch(/^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\. preemption: /);
  });

  it("preempts a lower-priority pod: deletes it gracefully and nominates its node", async () => {
    await removeAllPods();
    for (const n of ["node-a", "node-b", "node-c"]) await nodes.patch(n, { spec: { unschedulable: true } }, { type: "merge" });
    await addNode("node-small", { cpu: "1" });
    await addPod("victim", { cpu: "800m", priority: 10, grace: 30 });
    expect(await boundTo("victim")).toBe("node-small");
    await addPod("important", { cpu: "800m", priority: 1000 });
    const victim = await eventually(async () => {
      const v = await pods.get("victim", NS);
      return v?.metadata.deletionTimestamp ? v : undefined;
    }, "the victim to be terminating");
    expect(victim.metadata.deletionGracePeriodSeconds).toBe(30);
    await eventually(async () => (await pods.get("important", NS))?.status?.nominatedNodeName === "node-small", "the node to be nominated");
    expect(await eventsFor("victim", "Preempted")).toHaveLength(1);
    // The kubelet would confirm the delete after the grace period; do it now.
    await pods.delete("victim", NS, { gracePeriodSeconds: 0 });
    expect(await boundTo("important")).toBe("node-small");
  });
});
