import { describe, expect, it } from "vitest";
import { type GraphNode, type GraphObject, type Identity, OwnershipGraph } from "../../../../server/controllers/garbage-collector/graph.ts";

function recorder() {
  const deletes: string[] = [];
  const orphans: string[] = [];
  const invalid: { dependent: string; owner: Identity }[] = [];
  const graph = new OwnershipGraph({
    attemptToDelete: (n: GraphNode) => deletes.push(n.identity.uid),
    attemptToOrphan: (n: GraphNode) => orphans.push(n.identity.uid),
    invalidNamespace: (d, owner) => invalid.push({ dependent: d.identity.uid, owner }),
  });
  return { graph, deletes, orphans, invalid };
}

function cm(name: string, uid: string, extra: Partial<GraphObject["metadata"]> = {}, namespace: string | undefined = "ns"): GraphObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, uid, ...extra } };
}

const ref = (name: string, uid: string, block = false) => ({ apiVersion: "v1", kind: "ConfigMap", name, uid, ...(block ? { blockOwnerDeletion: true } : {}) });

describe("ownership graph", () => {
  it("links dependents to observed owners without flagging anything", () => {
    const { graph, deletes } = recorder();
    graph.observe(cm("owner", "o1"));
    graph.observe(cm("child", "c1", { ownerReferences: [ref("owner", "o1")] }));
    expect(graph.get("o1")!.dependents.size).toBe(1);
    expect(deletes).toEqual([]);
  });

  it("makes an unseen owner virtual and asks for it to be checked; seeing it confirms it", () => {
    const { graph, deletes } = recorder();
    graph.observe(cm("child", "c1", { ownerReferences: [ref("owner", "o1")] }));
    const owner = graph.get("o1")!;
    expect(owner.observed).toBe(false);
    expect(deletes).toEqual(["o1"]);
    graph.observe(cm("owner", "o1"));
    expect(graph.get("o1")!.observed).toBe(true);
    expect(graph.get("o1")!.dependents.size).toBe(1);
  });

  it("a virtual owner verified absent sends its dependents to be collected", () => {
    const { graph, deletes } = recorder();
    graph.observe(cm("child", "c1", { ownerReferences: [ref("owner", "o1")] }));
    deletes.length = 0;
    graph.virtualDelete(graph.get("o1")!);
    expect(graph.get("o1")).toBeUndefined();
    expect(deletes).toEqual(["c1"]);
  });

  it("an owner's deletion sends its dependents to be collected", () => {
    const { graph, deletes } = recorder();
    graph.observe(cm("owner", "o1"));
    graph.observe(cm("a", "a1", { ownerReferences: [ref("owner", "o1")] }));
    graph.observe(cm("b", "b1", { ownerReferences: [ref("owner", "o1")] }));
    graph.forget(cm("owner", "o1"));
    expect(deletes.sort()).toEqual(["a1", "b1"]);
  });

  it("the orphan finalizer with a deletionTimestamp asks for orphaning, once", () => {
    const { graph, orphans } = recorder();
    const owner = cm("owner", "o1");
    graph.observe(owner);
    const deleting = cm("owner", "o1", { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["orphan"] });
    graph.observe(deleting, owner);
    graph.observe(deleting, deleting);
    expect(orphans).toEqual(["o1"]);
  });

  it("foreground deletion marks the owner and flags it and its dependents; blocking dependents are tracked", () => {
    const { graph, deletes } = recorder();
    const owner = cm("owner", "o1");
    graph.observe(owner);
    graph.observe(cm("a", "a1", { ownerReferences: [ref("owner", "o1", true)] }));
    graph.observe(cm("b", "b1", { ownerReferences: [ref("owner", "o1")] }));
    graph.observe(cm("owner", "o1", { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["foregroundDeletion"] }), owner);
    const node = graph.get("o1")!;
    expect(node.deletingDependents).toBe(true);
    expect(deletes.sort()).toEqual(["a1", "b1", "o1"]);
    expect(node.blockingDependents().map((n) => n.identity.uid)).toEqual(["a1"]);
    deletes.length = 0;
    // The blocking dependent goes: the owner is looked at again.
    graph.forget(cm("a", "a1"));
    expect(deletes).toEqual(["o1"]);
    expect(node.blockingDependents()).toEqual([]);
  });

  it("a reference that stops blocking re-queues the owner", () => {
    const { graph, deletes } = recorder();
    graph.observe(cm("owner", "o1"));
    const a = cm("a", "a1", { ownerReferences: [ref("owner", "o1", true)] });
    graph.observe(a);
    deletes.length = 0;
    graph.observe(cm("a", "a1", { ownerReferences: [ref("owner", "o1")] }), a);
    expect(deletes).toEqual(["o1"]);
  });

  it("removing a reference unlinks the dependent; adding one links it", () => {
    const { graph } = recorder();
    graph.observe(cm("o", "o1"));
    graph.observe(cm("p", "p1"));
    const a = cm("a", "a1", { ownerReferences: [ref("o", "o1")] });
    graph.observe(a);
    graph.observe(cm("a", "a1", { ownerReferences: [ref("p", "p1")] }), a);
    expect(graph.get("o1")!.dependents.size).toBe(0);
    expect(graph.get("p1")!.dependents.size).toBe(1);
  });

  it("a namespaced owner in another namespace is reported invalid and the dependent looked at", () => {
    const { graph, deletes, invalid } = recorder();
    graph.observe(cm("owner", "o1", {}, "a"));
    graph.observe(cm("child", "c1", { ownerReferences: [ref("owner", "o1")] }, "b"));
    expect(invalid.map((i) => i.dependent)).toEqual(["c1"]);
    expect(deletes).toEqual(["c1"]);
    // Seen the other way round (dependent first), the owner's arrival reports it too.
    const r = recorder();
    r.graph.observe({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv", uid: "pv1", ownerReferences: [ref("owner", "o2")] } });
    r.graph.observe(cm("owner", "o2", {}, "a"));
    expect(r.invalid.map((i) => i.dependent)).toEqual(["pv1"]);
  });

  it("stays incremental: updates touch only the object's own node", () => {
    const { graph, deletes } = recorder();
    graph.observe(cm("rs", "rs1"));
    for (let i = 0; i < 5000; i++) graph.observe(cm(`p${i}`, `p${i}`, { ownerReferences: [ref("rs", "rs1")] }));
    for (let i = 0; i < 5000; i++) {
      const o = cm(`p${i}`, `p${i}`, { ownerReferences: [ref("rs", "rs1")] });
      graph.observe(o, o);
    }
    expect(deletes).toEqual([]);
    expect(graph.get("rs1")!.dependents.size).toBe(5000);
  });
});
