/**
 * The garbage collector against a real API server: background, foreground and orphan
 * propagation, dangling references, an owner that lives on, and custom resources learnt as
 * their CRD comes. ConfigMaps own ConfigMaps (any kind works the same).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject, ResourceClient } from "../../../../plugins/client.ts";
import { garbageCollectorController } from "../../../../server/controllers/garbage-collector/mod.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";

let t: TestServer;
let stop: AbortController;
let maps: ResourceClient;
const NS = "gc-test";

beforeAll(async () => {
  t = await startTestServer();
  stop = await runControllers(t, [garbageCollectorController]);
  await t.server.client.resource({ apiVersion: "v1", resource: "namespaces" }).create({ metadata: { name: NS } });
  maps = t.server.client.resource({ apiVersion: "v1", resource: "configmaps" });
});

afterAll(async () => {
  stop?.abort();
  await t?.stop();
});

async function configMap(name: string, owners: KubeObject[] = [], block = false): Promise<KubeObject> {
  return maps.create({
    metadata: {
      name,
      namespace: NS,
      ownerReferences: owners.map((o) => ({ apiVersion: "v1", kind: "ConfigMap", name: o.metadata.name!, uid: o.metadata.uid!, ...(block ? { blockOwnerDeletion: true } : {}) })),
    },
  });
}

const gone = (name: string) => async () => (await maps.get(name, NS)) === undefined;

describe("garbage collector", () => {
  it("background: deleting the owner collects its dependents", async () => {
    const owner = await configMap("bg-owner");
    const child = await configMap("bg-child", [owner]);
    await configMap("bg-grandchild", [child]);
    await maps.delete("bg-owner", NS, { propagationPolicy: "Background" });
    await eventually(gone("bg-child"), "the child collected");
    await eventually(gone("bg-grandchild"), "the grandchild collected");
  });

  it("a dependent with another live owner stays and loses only the dead reference", async () => {
    const a = await configMap("multi-a");
    const b = await configMap("multi-b");
    await configMap("multi-child", [a, b]);
    await maps.delete("multi-a", NS);
    const child = await eventually(async () => {
      const c = await maps.get("multi-child", NS);
      return c && c.metadata.ownerReferences?.length === 1 ? c : undefined;
    }, "the reference to the deleted owner removed");
    expect(child.metadata.ownerReferences![0].uid).toBe(b.metadata.uid);
  });

  it("a reference whose uid matches no live object is dangling: the dependent is collected", async () => {
    await maps.create({ metadata: { name: "dangling", namespace: NS, ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "nobody", uid: "00000000-0000-0000-0000-000000000000" }] } });
    await eventually(gone("dangling"), "the dangling dependent collected");
    // A live name with another uid is dangling too.
    await configMap("impostor");
    await maps.create({ metadata: { name: "dangling-2", namespace: NS, ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "impostor", uid: "11111111-1111-1111-1111-111111111111" }] } });
    await eventually(gone("dangling-2"), "the uid-mismatched dependent collected");
    expect(await maps.get("impostor", NS)).toBeDefined();
  });

  it("foreground: the owner waits for blocking dependents, then goes", async () => {
    const owner = await configMap("fg-owner");
    // The blocking dependent carries a finalizer of its own, so that the wait can be seen.
    await maps.create({ metadata: { name: "fg-child", namespace: NS, finalizers: ["test/hold"], ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "fg-owner", uid: owner.metadata.uid!, blockOwnerDeletion: true }] } });
    await maps.delete("fg-owner", NS, { propagationPolicy: "Foreground" });
    await eventually(async () => (await maps.get("fg-child", NS))?.metadata.deletionTimestamp, "the dependent is being deleted");
    const waiting = await maps.get("fg-owner", NS);
    expect(waiting?.metadata.finalizers).toContain("foregroundDeletion");
    await maps.patch("fg-child", { metadata: { finalizers: null } }, { type: "merge", namespace: NS });
    await eventually(gone("fg-child"), "the dependent gone");
    await eventually(gone("fg-owner"), "the owner gone once its dependents are");
  });

  it("orphan: dependents stay and lose their reference; the owner goes", async () => {
    const owner = await configMap("or-owner");
    await configMap("or-child-1", [owner]);
    await configMap("or-child-2", [owner]);
    await maps.delete("or-owner", NS, { propagationPolicy: "Orphan" });
    await eventually(gone("or-owner"), "the owner gone after orphaning");
    for (const name of ["or-child-1", "or-child-2"]) {
      const child = await maps.get(name, NS);
      expect(child).toBeDefined();
      expect(child!.metadata.ownerReferences ?? []).toEqual([]);
    }
  });

  it("kubectl delete --cascade=orphan keeps dependents", async () => {
    const owner = await configMap("kc-owner");
    await configMap("kc-child", [owner]);
    const out = await t.kubectl("delete", "configmap", "kc-owner", "-n", NS, "--cascade=orphan");
    expect(out.code).toBe(0);
    await eventually(gone("kc-owner"), "the owner gone");
    expect((await maps.get("kc-child", NS))?.metadata.ownerReferences ?? []).toEqual([]);
  });

  it("a cluster-scoped dependent of a namespaced owner is invalid: it stays and an event says so", async () => {
    const owner = await configMap("ns-owner");
    const nodes = t.server.client.resource({ apiVersion: "v1", resource: "nodes" });
    await nodes.create({ metadata: { name: "gc-bad-node", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "ns-owner", uid: owner.metadata.uid! }] } });
    const events = t.server.client.resource({ apiVersion: "v1", resource: "events" });
    await eventually(async () => (await events.list({ namespace: "default" })).items.find((e) => e.reason === "OwnerRefInvalidNamespace" && (e.involvedObject as { name?: string }).name === "gc-bad-node"), "the OwnerRefInvalidNamespace event");
    expect(await nodes.get("gc-bad-node")).toBeDefined();
    await nodes.delete("gc-bad-node");
  });

  it("follows custom resources once their CRD is served", async () => {
    const crds = t.server.client.resource({ apiVersion: "apiextensions.k8s.io/v1", resource: "customresourcedefinitions" });
    await crds.create({
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      },
    });
    const widgets = await eventually(async () => {
      const w = t.server.client.resource({ apiVersion: "example.com/v1", resource: "widgets" });
      await w.list({ namespace: NS });
      return w;
    }, "the CRD served");
    const widget = await eventually(() => widgets.create({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: NS } }), "a widget created");
    await widgets.create({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w-child", namespace: NS, ownerReferences: [{ apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: widget.metadata.uid! }] } });
    await maps.create({ metadata: { name: "owned-by-widget", namespace: NS, ownerReferences: [{ apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: widget.metadata.uid! }] } });
    await widgets.delete("w", NS);
    await eventually(async () => (await widgets.get("w-child", NS)) === undefined, "the custom dependent collected");
    await eventually(gone("owned-by-widget"), "the ConfigMap owned by a custom resource collected");
  });
});
