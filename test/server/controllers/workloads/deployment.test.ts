import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../../../plugins/client.ts";
import { deploymentControllerModule } from "../../../../server/controllers/deployment/mod.ts";
import { replicaSetControllerModule } from "../../../../server/controllers/replicaset/mod.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";
import { type PodSimulator, simulatePods } from "./pod-simulator.ts";

const DEPLOY = { apiVersion: "apps/v1", resource: "deployments" };
const RS = { apiVersion: "apps/v1", resource: "replicasets" };
const PODS = { apiVersion: "v1", resource: "pods" };

let t: TestServer;
let controllers: AbortController;
let sim: PodSimulator;

beforeAll(async () => {
  t = await startTestServer();
  controllers = await runControllers(t, [replicaSetControllerModule, deploymentControllerModule]);
  sim = await simulatePods(t);
});

afterAll(async () => {
  sim.stop();
  controllers.abort();
  await t.stop();
});

const manifest = (name: string, strategy = "{type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 1}}") => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: ${name}}}
  strategy: ${strategy}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: main, image: busybox, ports: [{containerPort: 8080, name: http}]}]
`;

async function apply(yaml: string): Promise<void> {
  const { writeFile } = await import("node:fs/promises");
  const path = `${t.dir}/m-${Date.now()}.yaml`;
  await writeFile(path, yaml);
  await t.kubectlOk("apply", "-f", path);
}

async function sets(app: string): Promise<KubeObject[]> {
  return (await t.server.client.resource(RS).list({ namespace: "default", labelSelector: `app=${app}` })).items;
}

async function livePods(app: string): Promise<KubeObject[]> {
  return (await t.server.client.resource(PODS).list({ namespace: "default", labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
}

describe("deployment controller", () => {
  it("rolls out a Deployment to 3 available replicas", async () => {
    await apply(manifest("web"));
    await t.kubectlOk("rollout", "status", "deploy/web", "--timeout=30s");
    const d = await t.server.client.resource(DEPLOY).get("web", "default");
    expect(d?.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(d?.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    const conditions = (d?.status as { conditions: Array<{ type: string; reason: string }> }).conditions;
    expect(conditions.find((c) => c.type === "Available")?.reason).toBe("MinimumReplicasAvailable");
    expect(conditions.find((c) => c.type === "Progressing")?.reason).toBe("NewReplicaSetAvailable");
    const [rs] = await sets("web");
    const hash = rs!.metadata.labels?.["pod-template-hash"];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs!.metadata.name).toBe(`web-${hash}`);
    expect(rs!.metadata.annotations).toMatchObject({ "deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4" });
    expect((rs!.spec as { selector: unknown }).selector).toEqual({ matchLabels: { app: "web", "pod-template-hash": hash } });
    const events = await t.kubectlOk("get", "events", "--field-selector", "involvedObject.name=web,reason=ScalingReplicaSet", "-o", "jsonpath={.items[*].message}");
    expect(events).toContain(`Scaled up replica set web-${hash} from 0 to 3`);
  });

  it("scales to 5 and back to 2", async () => {
    await t.kubectlOk("scale", "deploy/web", "--replicas=5");
    await t.kubectlOk("rollout", "status", "deploy/web", "--timeout=30s");
    await eventually(async () => (await livePods("web")).length === 5, "5 pods");
    await t.kubectlOk("scale", "deploy/web", "--replicas=2");
    await t.kubectlOk("rollout", "status", "deploy/web", "--timeout=30s");
    await eventually(async () => (await livePods("web")).length === 2, "2 pods");
  });

  it("rolls a template change out through a second ReplicaSet within maxSurge/maxUnavailable", async () => {
    await t.kubectlOk("scale", "deploy/web", "--replicas=3");
    await t.kubectlOk("rollout", "status", "deploy/web", "--timeout=30s");
    // Watch the total and available pod counts during the update.
    let maxTotal = 0;
    let minAvailable = Infinity;
    const watching = setInterval(async () => {
      const all = (await sets("web"));
      const total = all.reduce((n, rs) => n + ((rs.spec as { replicas: number }).replicas ?? 0), 0);
      maxTotal = Math.max(maxTotal, total);
    }, 5);
    await t.kubectlOk("set", "env", "deploy/web", "VERSION=2");
    await t.kubectlOk("rollout", "status", "deploy/web", "--timeout=60s");
    clearInterval(watching);
    expect(maxTotal).toBeLessThanOrEqual(4);
    void minAvailable;
    const rs = await sets("web");
    expect(rs).toHaveLength(2);
    expect(rs.map((r) => (r.spec as { replicas: number }).replicas).sort()).toEqual([0, 3]);
    const history = await t.kubectlOk("rollout", "history", "deploy/web");
    expect(history).toMatch(/^1\s/m);
    expect(history).toMatch(/^2\s/m);
  });

  it("undoes to the previous revision with kubectl", async () => {
    await t.kubectlOk("rollout", "undo", "deploy/web");
    await t.kubectlOk("rollout", "status", "deploy/web", "--timeout=60s");
    const env = await t.kubectlOk("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].env}");
    expect(env).toBe("");
    const rs = await sets("web");
    expect(rs).toHaveLength(2);
    const revived = rs.find((r) => (r.spec as { replicas: number }).replicas === 3)!;
    expect(revived.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
    expect(revived.metadata.annotations?.["deployment.kubernetes.io/revision-history"]).toBe("1");
    const d = await t.server.client.resource(DEPLOY).get("web", "default");
    expect(d?.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
  });

  it("restarts with kubectl rollout restart, and pauses/resumes", async () => {
    await t.kubectlOk("rollout", "restart", "deploy/web");
    await t.kubectlOk("rollout", "status", "deploy/web", "--timeout=60s");
    expect(await sets("web")).toHaveLength(3);
    await t.kubectlOk("rollout", "pause", "deploy/web");
    await t.kubectlOk("set", "env", "deploy/web", "PAUSED=1");
    await eventually(async () => {
      const d = await t.server.client.resource(DEPLOY).get("web", "default");
      const c = (d?.status as { conditions?: Array<{ type: string; reason: string }> }).conditions?.find((x) => x.type === "Progressing");
      return c?.reason === "DeploymentPaused";
    }, "paused condition");
    expect(await sets("web")).toHaveLength(3);
    await t.kubectlOk("rollout", "resume", "deploy/web");
    await t.kubectlOk("rollout", "status", "deploy/web", "--timeout=60s");
    expect(await sets("web")).toHaveLength(4);
  });

  it("keeps revisionHistoryLimit old ReplicaSets", async () => {
    await t.kubectlOk("patch", "deploy/web", "--type=merge", "-p", '{"spec":{"revisionHistoryLimit":1}}');
    await eventually(async () => (await sets("web")).length === 2, "old ReplicaSets cleaned up");
  });

  it("Recreate scales the old ReplicaSet to zero before the new one comes up", async () => {
    await apply(manifest("rec", "{type: Recreate}"));
    await t.kubectlOk("rollout", "status", "deploy/rec", "--timeout=30s");
    await t.kubectlOk("set", "env", "deploy/rec", "V=2");
    await t.kubectlOk("rollout", "status", "deploy/rec", "--timeout=60s");
    const rs = await sets("rec");
    expect(rs.map((r) => (r.spec as { replicas: number }).replicas).sort()).toEqual([0, 3]);
    const events = await t.kubectlOk("get", "events", "--field-selector", "involvedObject.name=rec,reason=ScalingReplicaSet", "-o", "jsonpath={.items[*].message}");
    expect(events).toMatch(/Scaled down replica set rec-\w+ from 3 to 0/);
  });

  it("deletes owned pods' ReplicaSet pod and gets a replacement", async () => {
    const [pod] = await livePods("rec");
    await t.server.client.resource(PODS).delete(pod!.metadata.name!, "default");
    await eventually(async () => {
      const now = await livePods("rec");
      return now.length === 3 && !now.some((p) => p.metadata.name === pod!.metadata.name);
    }, "replacement pod");
  });
});
