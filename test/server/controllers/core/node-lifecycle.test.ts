/**
 * The node lifecycle controller against a real API server, with short periods: a node whose
 * Lease stops being renewed turns Unknown and tainted, its pods go per their tolerationSeconds,
 * the taints leave when it comes back, and a cordon is mirrored as a taint.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../../../plugins/client.ts";
import { createNodeLifecycleController } from "../../../../server/controllers/node-lifecycle/mod.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";

type Taint = { key: string; effect: string };
type Node = KubeObject & { spec?: { taints?: Taint[]; unschedulable?: boolean }; status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string; lastTransitionTime?: string }> } };

let t: TestServer;
let stop: AbortController;
let renewing: ReturnType<typeof setInterval>;
const renew = new Set(["alive", "dead"]);
const NS = "nl-test";

const now = () => new Date().toISOString().replace("Z", "000Z");
const nodes = () => t.server.client.resource<Node>({ apiVersion: "v1", resource: "nodes" });
const leases = () => t.server.client.resource({ apiVersion: "coordination.k8s.io/v1", resource: "leases" });
const pods = () => t.server.client.resource({ apiVersion: "v1", resource: "pods" });

async function readyNode(name: string): Promise<void> {
  const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await nodes().create({ metadata: { name }, status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: at, lastTransitionTime: at }] } } as Node);
  await leases().create({ metadata: { name, namespace: "kube-node-lease" }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now() } });
}

beforeAll(async () => {
  t = await startTestServer();
  await readyNode("alive");
  await readyNode("dead");
  await t.server.client.resource({ apiVersion: "v1", resource: "namespaces" }).create({ metadata: { name: NS } });
  // The "kubelets": renew the Leases of the nodes in `renew`.
  renewing = setInterval(() => {
    for (const name of renew) void leases().patch(name, { spec: { renewTime: now() } }, { type: "merge", namespace: "kube-node-lease" }).catch(() => {});
  }, 200);
  stop = await runControllers(t, [createNodeLifecycleController({ gracePeriodMs: 1_500, monitorPeriodMs: 200 })]);
});

afterAll(async () => {
  clearInterval(renewing);
  stop?.abort();
  await t?.stop();
});

const hasTaint = (n: Node | undefined, key: string, effect: string) => n?.spec?.taints?.some((x) => x.key === key && x.effect === effect) ?? false;

describe("node lifecycle", () => {
  it("a node with a stale Lease becomes Unknown and tainted; its pods go after their tolerationSeconds", async () => {
    const toleration = (s: number) => [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: s }];
    await pods().create({ metadata: { name: "short", namespace: NS }, spec: { nodeName: "dead", tolerations: toleration(1), containers: [{ name: "c", image: "busybox" }] } });
    await pods().create({ metadata: { name: "long", namespace: NS }, spec: { nodeName: "dead", tolerations: toleration(3600), containers: [{ name: "c", image: "busybox" }] } });
    await pods().create({ metadata: { name: "elsewhere", namespace: NS }, spec: { nodeName: "alive", containers: [{ name: "c", image: "busybox" }] } });
    renew.delete("dead");

    const dead = await eventually(async () => {
      const n = await nodes().get("dead");
      return hasTaint(n, "node.kubernetes.io/unreachable", "NoExecute") && hasTaint(n, "node.kubernetes.io/unreachable", "NoSchedule") ? n : undefined;
    }, "the unreachable taints", 15_000);
    const ready = dead.status!.conditions!.find((c) => c.type === "Ready")!;
    expect(ready.status).toBe("Unknown");
    expect(ready.reason).toBe("NodeStatusUnknown");
    expect(ready.message).toBe("Kubelet stopped posting node status.");
    expect(dead.status!.conditions!.find((c) => c.type === "MemoryPressure")?.status).toBe("Unknown");

    await eventually(async () => (await pods().get("short", NS))?.metadata.deletionTimestamp, "the pod tolerating 1 s evicted", 15_000);
    expect((await pods().get("long", NS))?.metadata.deletionTimestamp).toBeUndefined();
    expect((await pods().get("elsewhere", NS))?.metadata.deletionTimestamp).toBeUndefined();
    expect(hasTaint(await nodes().get("alive"), "node.kubernetes.io/unreachable", "NoExecute")).toBe(false);
  });

  it("taints leave when the node comes back", async () => {
    renew.add("dead");
    const n = (await nodes().get("dead"))!;
    const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await nodes().updateStatus({ ...n, status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: at, lastTransitionTime: at } as never] } });
    await eventually(async () => {
      const back = await nodes().get("dead");
      return !back?.spec?.taints?.length;
    }, "the taints removed", 15_000);
  });

  it("cordon is mirrored by the unschedulable NoSchedule taint", async () => {
    await nodes().patch("alive", { spec: { unschedulable: true } }, { type: "merge" });
    await eventually(async () => hasTaint(await nodes().get("alive"), "node.kubernetes.io/unschedulable", "NoSchedule"), "the unschedulable taint");
    await nodes().patch("alive", { spec: { unschedulable: null } }, { type: "merge" });
    await eventually(async () => !hasTaint(await nodes().get("alive"), "node.kubernetes.io/unschedulable", "NoSchedule"), "the taint removed on uncordon");
  });
});
