import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../../../plugins/client.ts";
import { statefulSetControllerModule } from "../../../../server/controllers/statefulset/mod.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";
import { type PodSimulator, release, simulatePods } from "./pod-simulator.ts";

const STS = { apiVersion: "apps/v1", resource: "statefulsets" };
const PODS = { apiVersion: "v1", resource: "pods" };
const PVCS = { apiVersion: "v1", resource: "persistentvolumeclaims" };
const REVISIONS = { apiVersion: "apps/v1", resource: "controllerrevisions" };

let t: TestServer;
let controllers: AbortController;
let sim: PodSimulator;

beforeAll(async () => {
  t = await startTestServer();
  controllers = await runControllers(t, [statefulSetControllerModule]);
  sim = await simulatePods(t);
});

afterAll(async () => {
  sim.stop();
  controllers.abort();
  await t.stop();
});

async function apply(yaml: string): Promise<void> {
  const path = `${t.dir}/sts-${Date.now()}.yaml`;
  await writeFile(path, yaml);
  await t.kubectlOk("apply", "-f", path);
}

const manifest = (name: string, extra = "") => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}, namespace: default}
spec:
  serviceName: ${name}
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
${extra}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: d, image: busybox}]
`;

async function pods(app: string): Promise<KubeObject[]> {
  return (await t.server.client.resource(PODS).list({ namespace: "default", labelSelector: `app=${app}` })).items;
}

describe("statefulset controller", () => {
  it("creates db-0, waits for it to be ready, then db-1", async () => {
    // Hold db-0 Pending: db-1 must not appear until db-0 is Running and Ready.
    sim.hold = (p) => p.metadata.name === "db-0";
    await apply(manifest("db", `  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}`));
    await eventually(async () => (await pods("db")).length === 1, "db-0");
    await new Promise((r) => setTimeout(r, 300));
    expect((await pods("db")).map((p) => p.metadata.name)).toEqual(["db-0"]);
    await release(t, sim, () => false);
    await t.kubectlOk("rollout", "status", "sts/db", "--timeout=30s");
    const all = await pods("db");
    expect(all.map((p) => p.metadata.name)).toEqual(["db-0", "db-1"]);
    const db1 = all[1]!;
    expect(db1.metadata.labels).toMatchObject({ "statefulset.kubernetes.io/pod-name": "db-1", "apps.kubernetes.io/pod-index": "1" });
    expect(db1.metadata.labels?.["controller-revision-hash"]).toMatch(/^db-[a-z0-9]+$/);
    expect(db1.spec).toMatchObject({ hostname: "db-1", subdomain: "db" });
    expect((db1.spec as { volumes: unknown[] }).volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: "data-db-1" } });
    const claims = (await t.server.client.resource(PVCS).list({ namespace: "default" })).items.map((c) => c.metadata.name).sort();
    expect(claims).toEqual(["data-db-0", "data-db-1"]);
    const sts = await t.server.client.resource(STS).get("db", "default");
    expect(sts?.status).toMatchObject({ replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
  });

  it("rolls a template change out from the highest ordinal, honouring the partition", async () => {
    await t.kubectlOk("scale", "sts/db", "--replicas=3");
    await t.kubectlOk("rollout", "status", "sts/db", "--timeout=30s");
    await t.kubectlOk("patch", "sts/db", "--type=merge", "-p", '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":1}}}}');
    await t.kubectlOk("set", "env", "sts/db", "V=2");
    await t.kubectlOk("rollout", "status", "sts/db", "--timeout=30s");
    const sts = await t.server.client.resource(STS).get("db", "default");
    const status = sts?.status as { currentRevision: string; updateRevision: string; updatedReplicas: number };
    expect(status.updateRevision).not.toBe(status.currentRevision);
    expect(status.updatedReplicas).toBe(2);
    const revs = Object.fromEntries((await pods("db")).map((p) => [p.metadata.name, p.metadata.labels?.["controller-revision-hash"]]));
    expect(revs["db-0"]).toBe(status.currentRevision);
    expect(revs["db-1"]).toBe(status.updateRevision);
    expect(revs["db-2"]).toBe(status.updateRevision);
    // Partition 0 finishes the update; the current revision catches up.
    await t.kubectlOk("patch", "sts/db", "--type=merge", "-p", '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}');
    await t.kubectlOk("rollout", "status", "sts/db", "--timeout=30s");
    await eventually(async () => {
      const s = (await t.server.client.resource(STS).get("db", "default"))?.status as { currentRevision: string; updateRevision: string };
      return s.currentRevision === s.updateRevision;
    }, "current revision = update revision");
    const revisions = (await t.server.client.resource(REVISIONS).list({ namespace: "default" })).items;
    expect(revisions).toHaveLength(2);
  });

  it("scales down from the highest ordinal and replaces a deleted pod under the same name", async () => {
    await t.kubectlOk("scale", "sts/db", "--replicas=1");
    await eventually(async () => (await pods("db")).map((p) => p.metadata.name).join() === "db-0", "only db-0 left");
    const old = (await pods("db"))[0]!;
    await t.server.client.resource(PODS).delete("db-0", "default");
    await eventually(async () => {
      const now = await pods("db");
      return now.length === 1 && now[0]!.metadata.name === "db-0" && now[0]!.metadata.uid !== old.metadata.uid;
    }, "db-0 again");
  });

  it("creates Parallel pods at once", async () => {
    sim.hold = () => true;
    await apply(manifest("par", "  podManagementPolicy: Parallel"));
    await eventually(async () => (await pods("par")).length === 2, "both pods without waiting");
    await release(t, sim, () => false);
    await t.kubectlOk("rollout", "status", "sts/par", "--timeout=30s");
  });
});
