import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../../../plugins/client.ts";
import { replicaSetControllerModule } from "../../../../server/controllers/replicaset/mod.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";
import { type PodSimulator, simulatePods } from "./pod-simulator.ts";

const RS = { apiVersion: "apps/v1", resource: "replicasets" };
const PODS = { apiVersion: "v1", resource: "pods" };

let t: TestServer;
let controllers: AbortController;
let sim: PodSimulator;

beforeAll(async () => {
  t = await startTestServer();
  controllers = await runControllers(t, [replicaSetControllerModule]);
  sim = await simulatePods(t);
});

afterAll(async () => {
  sim.stop();
  controllers.abort();
  await t.stop();
});

function replicaSet(name: string, replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: "x" } }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    },
  };
}

async function podsOf(name: string): Promise<KubeObject[]> {
  return (await t.server.client.resource(PODS).list({ namespace: "default", labelSelector: `app=${name}` })).items;
}

describe("replicaset controller", () => {
  it("creates owned pods from the template and reports status", async () => {
    const rs = await t.server.client.resource(RS).create(replicaSet("web", 3));
    const status = await eventually(async () => {
      const got = await t.server.client.resource(RS).get("web", "default");
      const s = got?.status as Record<string, number> | undefined;
      return s?.readyReplicas === 3 && s.availableReplicas === 3 && s.observedGeneration === 1 ? s : undefined;
    }, "3 ready replicas");
    expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3 });
    const pods = await podsOf("web");
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.labels).toEqual({ app: "web", tier: "x" });
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const events = await t.kubectlOk("get", "events", "-n", "default", "--field-selector", "involvedObject.name=web", "-o", "jsonpath={.items[*].reason}");
    expect(events).toContain("SuccessfulCreate");
  });

  it("scales up and down through the scale subresource", async () => {
    await t.kubectlOk("scale", "rs/web", "--replicas=5");
    await eventually(async () => (await podsOf("web")).length === 5, "5 pods");
    await t.kubectlOk("scale", "rs/web", "--replicas=1");
    await eventually(async () => (await podsOf("web")).length === 1, "1 pod");
    await eventually(async () => ((await t.server.client.resource(RS).get("web", "default"))?.status as { replicas?: number })?.replicas === 1, "status replicas 1");
  });

  it("replaces a deleted pod", async () => {
    const [pod] = await podsOf("web");
    await t.server.client.resource(PODS).delete(pod!.metadata.name!, "default");
    const pods = await eventually(async () => {
      const now = await podsOf("web");
      return now.length === 1 && now[0]!.metadata.name !== pod!.metadata.name ? now : undefined;
    }, "a replacement pod");
    expect(pods[0]!.metadata.ownerReferences?.[0]?.name).toBe("web");
  });

  it("adopts a matching orphan and releases a pod whose labels no longer match", async () => {
    await t.server.client.resource(RS).create(replicaSet("adopt", 2));
    await eventually(async () => (await podsOf("adopt")).length === 2, "2 pods");
    // An orphan that matches: adopted, and one of the three deleted.
    await t.server.client.resource(PODS).create({ apiVersion: "v1", kind: "Pod", metadata: { name: "stray", namespace: "default", labels: { app: "adopt" } }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    await eventually(async () => {
      const pods = await podsOf("adopt");
      return pods.length === 2 && pods.every((p) => p.metadata.ownerReferences?.[0]?.name === "adopt");
    }, "adoption, then back to 2 pods");
    // A pod relabelled out of the selector is released and replaced.
    const [victim] = await podsOf("adopt");
    await t.server.client.resource(PODS).patch(victim!.metadata.name!, { metadata: { labels: { app: "gone" } } }, { type: "merge", namespace: "default" });
    await eventually(async () => {
      const released = await t.server.client.resource(PODS).get(victim!.metadata.name!, "default");
      return !released?.metadata.ownerReferences?.length && (await podsOf("adopt")).length === 2;
    }, "release and replacement");
  });

  it("does not over-create while the informer lags (expectations)", async () => {
    await t.server.client.resource(RS).create(replicaSet("burst", 20));
    await eventually(async () => ((await t.server.client.resource(RS).get("burst", "default"))?.status as { readyReplicas?: number })?.readyReplicas === 20, "20 ready");
    expect(await podsOf("burst")).toHaveLength(20);
  });
});
