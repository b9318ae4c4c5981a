/**
 * The API server as @kubernetes/client-node sees it: CRUD on several kinds, every patch type,
 * an informer, a watch that survives its history being dropped (410 → relist), and CBOR.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { Encoder } from "cbor-x/encode";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let objects: k8s.KubernetesObjectApi;
const NS = "client-node";

beforeAll(async () => {
  // A small event window, so that a watcher can fall out of it within the test.
  t = await startTestServer({ watchCache: { maxEventsPerResource: 5 } });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(t.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});
afterAll(async () => {
  await t?.stop();
});

function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe("client-node against k3ts", () => {
  it("creates, reads, lists, replaces and deletes typed objects", async () => {
    const created = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "a", labels: { app: "x" } }, data: { k: "v" } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const secret = await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: "s" }, stringData: { password: "p" } } });
    expect(secret.data?.password).toBe("cA==");
    expect(secret.type).toBe("Opaque");
    const read = await core.readNamespacedConfigMap({ name: "a", namespace: NS });
    expect(read.data).toEqual({ k: "v" });
    const list = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: "app=x" });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(["a"]);
    read.data = { k: "w" };
    const replaced = await core.replaceNamespacedConfigMap({ name: "a", namespace: NS, body: read });
    expect(replaced.data).toEqual({ k: "w" });
    // The object we read before the replace is stale now.
    await expect(core.replaceNamespacedConfigMap({ name: "a", namespace: NS, body: read })).rejects.toMatchObject({ code: 409 });
    await core.deleteNamespacedSecret({ name: "s", namespace: NS });
    await expect(core.readNamespacedSecret({ name: "s", namespace: NS })).rejects.toMatchObject({ code: 404 });
  });

  it("applies every patch type", async () => {
    const spec = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: NS } };
    await objects.patch({ ...spec, data: { merge: "1" } }, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch);
    await objects.patch({ ...spec, data: { smp: "1" } }, undefined, undefined, undefined, undefined, k8s.PatchStrategy.StrategicMergePatch);
    // KubernetesObjectApi takes the object's identity from the body, which a JSON patch (a list
    // of operations) does not carry: send that one as a raw request.
    const jsonPatch = await t.request("PATCH", `/api/v1/namespaces/${NS}/configmaps/a`, {
      body: JSON.stringify([{ op: "add", path: "/data/json", value: "1" }]),
      headers: { "content-type": "application/json-patch+json" },
    });
    expect(jsonPatch.status).toBe(200);
    await objects.patch({ ...spec, data: { ssa: "1" } }, undefined, undefined, "tester", true, k8s.PatchStrategy.ServerSideApply);
    const cm = await core.readNamespacedConfigMap({ name: "a", namespace: NS });
    expect(cm.data).toMatchObject({ merge: "1", smp: "1", json: "1", ssa: "1" });
    expect(cm.metadata?.managedFields?.map((m) => m.manager)).toContain("tester");
  });

  it("feeds an informer", async () => {
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${NS}/configmaps`, () => core.listNamespacedConfigMap({ namespace: NS }));
    const added: string[] = [];
    const deleted: string[] = [];
    informer.on("add", (o) => added.push(o.metadata!.name!));
    informer.on("delete", (o) => deleted.push(o.metadata!.name!));
    await informer.start();
    try {
      await until(() => added.includes("a"), "the initial list");
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "informed" } } });
      await until(() => added.includes("informed"), "the ADDED event");
      await core.deleteNamespacedConfigMap({ name: "informed", namespace: NS });
      await until(() => deleted.includes("informed"), "the DELETED event");
    } finally {
      await informer.stop();
    }
  });

  it("answers a watch from a dropped revision with 410 Expired, and a relist recovers", async () => {
    const old = (await core.listNamespacedConfigMap({ namespace: NS })).metadata!.resourceVersion!;
    for (let i = 0; i < 8; i++) await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: `churn-${i}` } } });
    const watch = new k8s.Watch(kc);
    const outcome = await new Promise<{ type: string; object: { code?: number; reason?: string } }>((resolve, reject) => {
      watch.watch(`/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: old }, (type, object) => resolve({ type, object }), (err) => err && reject(err)).catch(reject);
    });
    expect(outcome.type).toBe("ERROR");
    expect(outcome.object).toMatchObject({ code: 410, reason: "Expired" });
    const fresh = await core.listNamespacedConfigMap({ namespace: NS });
    expect(fresh.items.filter((i) => i.metadata?.name?.startsWith("churn-"))).toHaveLength(8);
    const events: string[] = [];
    const req = await watch.watch(`/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: fresh.metadata!.resourceVersion }, (type, o) => events.push(`${type} ${o.metadata.name}`), () => {});
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "after-relist" } } });
    await until(() => events.includes("ADDED after-relist"), "the event after the relist");
    req.abort();
  });

  it("speaks CBOR both ways", async () => {
    const codec = new Encoder({ useRecords: false, mapsAsObjects: true });
    const body = codec.encode({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cbor" }, data: { via: "cbor" } });
    const created = await t.request("POST", `/api/v1/namespaces/${NS}/configmaps`, {
      body,
      headers: { "content-type": "application/cbor", accept: "application/cbor" },
    });
    expect(created.status).toBe(201);
    expect(created.headers["content-type"]).toBe("application/cbor");
    // Kubernetes' CBOR starts with the self-described tag 55799.
    expect([...created.body.subarray(0, 3)]).toEqual([0xd9, 0xd9, 0xf7]);
    const decoded = codec.decode(created.body.subarray(3)) as { data: Record<string, string>; metadata: { uid: string } };
    expect(decoded.data).toEqual({ via: "cbor" });
    expect(decoded.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("streams a watch as a CBOR sequence", async () => {
    const codec = new Encoder({ useRecords: false, mapsAsObjects: true });
    const r = await t.request("GET", `/api/v1/namespaces/${NS}/configmaps?watch=1&fieldSelector=metadata.name%3Dcbor&timeoutSeconds=1`, {
      headers: { accept: "application/cbor" },
    });
    expect(r.headers["content-type"]).toBe("application/cbor-seq");
    // Each item carries the self-described tag; the first is the ADDED event of the existing object.
    expect([...r.body.subarray(0, 3)]).toEqual([0xd9, 0xd9, 0xf7]);
    const first = codec.decode(r.body.subarray(3)) as { type: string; object: { metadata: { name: string } } };
    expect(first.type).toBe("ADDED");
    expect(first.object.metadata.name).toBe("cbor");
  });
});
