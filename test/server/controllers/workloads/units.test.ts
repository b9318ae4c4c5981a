import { describe, expect, it } from "vitest";
import { maxSurge, maxUnavailable, newRSNewReplicas, resolveFenceposts, scaledValue } from "../../../../server/controllers/deployment/fenceposts.ts";
import { planScale } from "../../../../server/controllers/deployment/proportional.ts";
import { equalIgnoreHash, setNewReplicaSetAnnotations } from "../../../../server/controllers/deployment/replica-sets.ts";
import { rolloutStatus } from "../../../../server/controllers/deployment/status.ts";
import type { Deployment, ReplicaSet } from "../../../../server/controllers/deployment/types.ts";
import { OwnerIndex } from "../../../../server/controllers/owner-index.ts";
import type { Pod } from "../../../../server/controllers/pod-status.ts";
import { canonicalJson, computeHash, fnv32, fnv32a, safeEncodeString } from "../../../../server/controllers/pod-template-hash.ts";
import { podsToDelete } from "../../../../server/controllers/replicaset/deletion-order.ts";
import { slowStartBatch } from "../../../../server/controllers/replicaset/pod-control.ts";
import { parentAndOrdinal } from "../../../../server/controllers/statefulset/identity.ts";
import { hashRevision, templatePatch } from "../../../../server/controllers/statefulset/revisions.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("pod-template-hash", () => {
  it("FNV-32 and FNV-32a match the reference vectors", () => {
    expect(fnv32a(bytes(""))).toBe(0x811c9dc5);
    expect(fnv32a(bytes("a"))).toBe(0xe40c292c);
    expect(fnv32a(bytes("foobar"))).toBe(0xbf9cf968);
    expect(fnv32(bytes("a"))).toBe(0x050c5d7e);
    expect(fnv32(bytes("foobar"))).toBe(0x31f0b262);
  });

  it("SafeEncodeString maps bytes into the vowel-free alphabet", () => {
    expect(safeEncodeString("123")).toBe("567");
    expect(safeEncodeString("0")).toBe("4");
  });

  it("is stable across key order, and changes with the template and the collision count", () => {
    const a = { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c", image: "i" }] } };
    const b = { spec: { containers: [{ image: "i", name: "c" }] }, metadata: { labels: { app: "x" } } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(computeHash(a, 1)).not.toBe(computeHash(a));
    expect(computeHash({ ...a, spec: { containers: [{ name: "c", image: "j" }] } })).not.toBe(computeHash(a));
    expect(hashRevision(templatePatch({ metadata: { name: "s" }, spec: { selector: {}, template: a } }))).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });
});

const deployment = (replicas: number, surge: number | string, unavailable: number | string, extra: Partial<Deployment["spec"]> = {}): Deployment => ({
  metadata: { name: "d", namespace: "n", generation: 1 },
  spec: { replicas, selector: { matchLabels: { a: "b" } }, template: {}, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } }, progressDeadlineSeconds: 600, ...extra },
});

const rs = (name: string, replicas: number, available = replicas, created = "2024-01-01T00:00:00Z", annotations: Record<string, string> = {}): ReplicaSet => ({
  metadata: { name, creationTimestamp: created, annotations },
  spec: { replicas, selector: {} },
  status: { replicas, availableReplicas: available, readyReplicas: available },
});

describe("rolling-update arithmetic", () => {
  it("rounds surge up and unavailability down, as upstream", () => {
    expect(scaledValue("25%", 10, true)).toBe(3);
    expect(scaledValue("25%", 10, false)).toBe(2);
    expect(resolveFenceposts("25%", "25%", 1)).toEqual([1, 0]);
    expect(resolveFenceposts(0, 0, 5)).toEqual([0, 1]);
    expect(resolveFenceposts("0%", "0%", 5)).toEqual([0, 1]);
    expect(() => scaledValue("3", 10, true)).toThrow(/not a percentage/);
  });

  it("caps maxUnavailable at the replicas and is zero for Recreate", () => {
    expect(maxUnavailable(deployment(2, 0, 5))).toBe(2);
    expect(maxUnavailable(deployment(0, 1, 1))).toBe(0);
    expect(maxUnavailable({ ...deployment(3, 1, 1), spec: { ...deployment(3, 1, 1).spec, strategy: { type: "Recreate" } } })).toBe(0);
    expect(maxSurge(deployment(10, "25%", "25%"))).toBe(3);
  });

  it("grows the new ReplicaSet only as far as maxSurge allows", () => {
    const d = deployment(3, 1, 1);
    const old = rs("old", 3);
    const fresh = rs("new", 0);
    expect(newRSNewReplicas(d, [old, fresh], fresh)).toBe(1);
    expect(newRSNewReplicas(d, [rs("old", 2), rs("new", 1)], rs("new", 1))).toBe(2);
    expect(newRSNewReplicas(d, [rs("old", 3), rs("new", 1)], rs("new", 1))).toBe(1);
  });
});

describe("proportional scaling", () => {
  it("spreads added replicas over active ReplicaSets by size, leftovers to the largest", () => {
    const d = deployment(20, 3, 1);
    d.status = { replicas: 13 };
    const older = rs("a", 8, 8, "2024-01-01T00:00:00Z", { "deployment.kubernetes.io/max-replicas": "13" });
    const newer = rs("b", 5, 0, "2024-01-02T00:00:00Z", { "deployment.kubernetes.io/max-replicas": "13" });
    const plan = planScale(d, newer, [older]);
    const sizes = Object.fromEntries(plan.map((s) => [s.rs.metadata.name, s.replicas]));
    expect(sizes.a! + sizes.b!).toBe(23);
    expect(sizes).toEqual({ a: 14, b: 9 });
  });

  it("a single active ReplicaSet just takes the new size", () => {
    const plan = planScale(deployment(5, 1, 1), rs("new", 3), [rs("old", 0)]);
    expect(plan.map((s) => [s.rs.metadata.name, s.replicas])).toEqual([["new", 5]]);
  });
});

describe("revision annotations", () => {
  it("an old ReplicaSet brought back keeps its old revision in revision-history", () => {
    const d = deployment(1, 1, 1);
    const back = rs("x", 0, 0, undefined, { "deployment.kubernetes.io/revision": "1" });
    expect(setNewReplicaSetAnnotations(d, back, 3, true, 2000)).toBe(true);
    expect(back.metadata.annotations).toMatchObject({ "deployment.kubernetes.io/revision": "3", "deployment.kubernetes.io/revision-history": "1" });
    back.metadata.annotations!["deployment.kubernetes.io/revision"] = "3";
    setNewReplicaSetAnnotations(d, back, 5, true, 2000);
    expect(back.metadata.annotations!["deployment.kubernetes.io/revision-history"]).toBe("1,3");
  });

  it("compares templates ignoring pod-template-hash and empty fields", () => {
    expect(equalIgnoreHash({ metadata: { labels: { a: "b", "pod-template-hash": "x" } }, spec: { volumes: [] } }, { metadata: { labels: { a: "b" } }, spec: {} })).toBe(true);
    expect(equalIgnoreHash({ metadata: { labels: { a: "b" } } }, { metadata: { labels: { a: "c" } } })).toBe(false);
  });

  it("reports NewReplicaSetAvailable once complete and ProgressDeadlineExceeded after the deadline", () => {
    const d = deployment(2, 1, 0);
    const newRS = rs("new", 2);
    expect(rolloutStatus([newRS], newRS, d).conditions?.find((c) => c.type === "Progressing")?.reason).toBe("NewReplicaSetAvailable");
    const stuck = deployment(2, 1, 0, { progressDeadlineSeconds: 10 });
    stuck.status = { replicas: 2, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", lastUpdateTime: "2024-01-01T00:00:00Z", lastTransitionTime: "2024-01-01T00:00:00Z" }] };
    const late = rolloutStatus([rs("old", 1), rs("new", 1, 0)], rs("new", 1, 0), stuck, Date.parse("2024-01-01T00:01:00Z"));
    expect(late.conditions?.find((c) => c.type === "Progressing")).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded" });
  });
});

const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; created?: string; readySince?: string; restarts?: number } = {}): Pod => ({
  metadata: { name, creationTimestamp: o.created ?? "2024-01-01T00:00:00Z" },
  spec: o.node ? { nodeName: o.node } : {},
  status: {
    phase: o.phase ?? "Running",
    conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", lastTransitionTime: o.readySince ?? "2024-01-01T00:00:00Z" }],
    containerStatuses: [{ name: "c", restartCount: o.restarts ?? 0 }],
  },
});

describe("deletion order", () => {
  it("unscheduled, pending, not ready, crowded, recently ready, restarting, newest go first", () => {
    const pods = [
      pod("old-ready", { node: "n1" }),
      pod("newer", { node: "n1", created: "2024-01-02T00:00:00Z" }),
      pod("unscheduled", { phase: "Pending" }),
      pod("pending", { node: "n1", phase: "Pending" }),
      pod("not-ready", { node: "n1", ready: false }),
      pod("restarts", { node: "n1", restarts: 3 }),
      pod("recent", { node: "n1", readySince: "2024-01-05T00:00:00Z" }),
    ];
    expect(podsToDelete(pods, [], pods.length - 1).map((p) => p.metadata.name)).toEqual(["unscheduled", "pending", "not-ready", "recent", "restarts", "newer"]);
  });

  it("prefers pods on nodes crowded with related pods", () => {
    const a = pod("a", { node: "n1" });
    const b = pod("b", { node: "n2" });
    const related = [a, b, pod("c", { node: "n2" })];
    expect(podsToDelete([a, b], related, 1).map((p) => p.metadata.name)).toEqual(["b"]);
  });
});

describe("helpers", () => {
  it("slow start doubles batches and stops at the first failing one", async () => {
    let calls = 0;
    const r = await slowStartBatch(10, 1, async () => {
      calls++;
      if (calls === 5) throw new Error("quota");
    });
    // Batches 1, 2, 4: the third batch fails; the last 3 are never tried.
    expect(r).toMatchObject({ tried: 7, done: 6 });
    expect((r.error as Error).message).toBe("quota");
  });

  it("owner index follows owner changes", () => {
    const index = new OwnerIndex<Pod>();
    const p = pod("p");
    p.metadata.namespace = "n";
    index.add(p);
    expect(index.orphans("n")).toHaveLength(1);
    const owned = { ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid: "u", controller: true }] } };
    index.remove(p);
    index.add(owned);
    expect(index.orphans("n")).toHaveLength(0);
    expect(index.owned("u")).toEqual([owned]);
  });

  it("parses StatefulSet ordinals", () => {
    expect(parentAndOrdinal({ metadata: { name: "web-db-12" } })).toEqual({ parent: "web-db", ordinal: 12 });
    expect(parentAndOrdinal({ metadata: { name: "nope" } }).ordinal).toBe(-1);
  });
});
