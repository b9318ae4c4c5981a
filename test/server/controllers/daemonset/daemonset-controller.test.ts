/**
 * The daemon set controller against a real API server, playing the kubelet through the status
 * subresource: one pod per eligible node (pinned by node affinity, left to the scheduler to
 * bind), following node labels, taints and removal; a rolling update with ControllerRevisions;
 * and `kubectl rollout status ds/...` finishing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client, KubeObject } from "../../../../plugins/client.ts";
import { daemonSetController } from "../../../../server/controllers/daemonset/module.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { createNamespace, createNode, listPods, NODES, setRunning } from "../batch/pods.ts";
import { eventually, runControllers } from "../run-controllers.ts";

const DAEMONSETS = { apiVersion: "apps/v1", resource: "daemonsets" };
const REVISIONS = { apiVersion: "apps/v1", resource: "controllerrevisions" };
const NS = "daemons";
let t: TestServer;
let client: Client;
let stop: AbortController;

type DsStatus = { desiredNumberScheduled?: number; currentNumberScheduled?: number; numberReady?: number; numberAvailable?: number; updatedNumberScheduled?: number; numberMisscheduled?: number; observedGeneration?: number };

function daemonSet(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } },
    },
  };
}

/** The node a daemon pod is pinned to. */
const pinned = (p: KubeObject) => ((p.spec as { affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchFields?: { values?: string[] }[] }[] } } } }).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0]);
const live = async (app: string) => (await listPods(client, NS, `app=${app}`)).filter((p) => !p.metadata.deletionTimestamp);
const nodesOf = async (app: string) => (await live(app)).map(pinned).sort();
const statusOf = async (name: string) => ((await client.resource(DAEMONSETS).get(name, NS))?.status ?? {}) as DsStatus;

/** Plays the kubelet: every live pod of `app` not yet Running becomes Running and Ready. */
async function runAll(app: string): Promise<void> {
  for (const p of await live(app)) {
    if ((p.status as { phase?: string }).phase !== "Running") await setRunning(client, p).catch(() => undefined);
  }
}

beforeAll(async () => {
  t = await startTestServer();
  client = t.server.client;
  await createNamespace(client, NS);
  await createNode(client, "n1", { labels: { daemon: "yes" } });
  await createNode(client, "n2", { labels: { daemon: "yes" } });
  // A node that is not ready carries the not-ready NoSchedule taint, which daemons do not tolerate.
  await createNode(client, "n3", { ready: false, taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }] });
  stop = await runControllers(t, [daemonSetController()]);
}, 30_000);

afterAll(async () => {
  stop?.abort();
  await t?.stop();
});

describe("daemon set controller", () => {
  it("runs one pod per eligible node and reports it", async () => {
    await client.resource(DAEMONSETS).create(daemonSet("agent"));
    await eventually(async () => JSON.stringify(await nodesOf("agent")) === JSON.stringify(["n1", "n2"]), "pods on n1 and n2");
    const [pod] = await live("agent");
    expect(pod.metadata.labels?.["controller-revision-hash"]).toBeTruthy();
    expect(pod.metadata.ownerReferences?.[0]).toMatchObject({ kind: "DaemonSet", name: "agent", controller: true });
    expect((pod.spec as { nodeName?: string }).nodeName).toBeUndefined();
    const tolerations = (pod.spec as { tolerations?: { key?: string }[] }).tolerations ?? [];
    expect(tolerations.map((x) => x.key)).toContain("node.kubernetes.io/unreachable");

    await runAll("agent");
    await eventually(async () => {
      const s = await statusOf("agent");
      return s.desiredNumberScheduled === 2 && s.numberReady === 2 && s.numberAvailable === 2 && s.updatedNumberScheduled === 2 && s.observedGeneration === 1;
    }, "status: 2 desired, ready, available and updated");
    const rollout = await t.kubectl("rollout", "status", "ds/agent", "-n", NS, "--timeout=20s");
    expect(rollout.stdout).toContain('daemon set "agent" successfully rolled out');
  }, 30_000);

  it("follows node labels, taints and removal", async () => {
    await client.resource(DAEMONSETS).create(daemonSet("picky", { nodeSelector: { daemon: "yes" } }));
    await eventually(async () => JSON.stringify(await nodesOf("picky")) === JSON.stringify(["n1", "n2"]), "pods on the labelled nodes");
    const nodes = client.resource(NODES);
    // n3 becomes ready (taint gone) and labelled: a pod follows.
    await nodes.patch("n3", { metadata: { labels: { daemon: "yes" } }, spec: { taints: [] } }, { type: "merge" });
    await eventually(async () => JSON.stringify(await nodesOf("picky")) === JSON.stringify(["n1", "n2", "n3"]), "a pod on n3");
    // n1 loses its label: its pod goes.
    await nodes.patch("n1", { metadata: { labels: { daemon: null } } }, { type: "merge" });
    await eventually(async () => JSON.stringify(await nodesOf("picky")) === JSON.stringify(["n2", "n3"]), "n1's pod removed");
    // n2 is deleted: its pod goes.
    await nodes.delete("n2");
    await eventually(async () => JSON.stringify(await nodesOf("picky")) === JSON.stringify(["n3"]), "n2's pod removed");
    await eventually(async () => (await statusOf("picky")).desiredNumberScheduled === 1, "one desired");
  }, 30_000);

  it("rolls out a template change node by node with ControllerRevisions", async () => {
    await createNode(client, "n4", { labels: { daemon: "yes" } });
    await client.resource(DAEMONSETS).create(daemonSet("roll", { nodeSelector: { daemon: "yes" } }));
    await eventually(async () => {
      await runAll("roll");
      const s = await statusOf("roll");
      return s.desiredNumberScheduled === 2 && s.numberAvailable === 2;
    }, "two available pods");
    const before = new Set((await live("roll")).map((p) => p.metadata.labels?.["controller-revision-hash"]));
    expect(before.size).toBe(1);
    await client.resource(DAEMONSETS).patch("roll", { spec: { template: { spec: { containers: [{ name: "c", image: "busybox", env: [{ name: "V", value: "2" }] }] } } } }, { type: "strategic", namespace: NS });
    let maxDown = 0;
    await eventually(async () => {
      const pods = await live("roll");
      maxDown = Math.max(maxDown, 2 - pods.filter((p) => (p.status as { phase?: string }).phase === "Running").length);
      await runAll("roll");
      const s = await statusOf("roll");
      return s.observedGeneration === 2 && s.updatedNumberScheduled === 2 && s.numberAvailable === 2;
    }, "the update to roll out", 20_000);
    expect(maxDown).toBeLessThanOrEqual(1);
    const after = (await live("roll")).map((p) => p.metadata.labels?.["controller-revision-hash"]);
    expect(after).toHaveLength(2);
    expect(new Set(after).size).toBe(1);
    expect(before.has(after[0])).toBe(false);
    const revisions = (await client.resource(REVISIONS).list({ namespace: NS, labelSelector: "app=roll" })).items;
    expect(revisions.map((r) => r.revision).sort()).toEqual([1, 2]);
    const rollout = await t.kubectl("rollout", "status", "ds/roll", "-n", NS, "--timeout=20s");
    expect(rollout.stdout).toContain("successfully rolled out");
  }, 40_000);
});
