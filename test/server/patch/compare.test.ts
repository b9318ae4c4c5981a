// compare() skips fields that are equal on both sides; it must give what comparing the two full
// walks gives (the definition of structured-merge-diff's Compare), on real schemas.
import { describe, expect, it } from "vitest";
import { compare } from "../../../server/api/patch/apply/compare.ts";
import { FieldSet } from "../../../server/api/patch/apply/field-set.ts";
import { walkFields } from "../../../server/api/patch/apply/walk.ts";
import { jsonEqual, type Json, type JsonObject } from "../../../server/api/patch/json-value.ts";
import type { SchemaNode } from "../../../server/registry/schema/schema-node.ts";
import { schemaOf } from "./schema.ts";

function fullCompare(a: Json, b: Json, node: SchemaNode) {
  const walk = (v: Json) => {
    const set = new FieldSet();
    const values = new Map<string, { leaf: boolean; value: Json }>();
    walkFields(v, node, (p, value, leaf) => {
      set.insert(p);
      values.set(JSON.stringify(p), { leaf, value });
    });
    return { set, values };
  };
  const before = walk(a);
  const after = walk(b);
  const modified = new FieldSet();
  for (const p of before.set.intersection(after.set).paths()) {
    const x = before.values.get(JSON.stringify(p))!;
    const y = after.values.get(JSON.stringify(p))!;
    if ((x.leaf || y.leaf) && !jsonEqual(x.value, y.value)) modified.insert(p);
  }
  return { added: after.set.difference(before.set), modified, removed: before.set.difference(after.set) };
}

const pod = (): JsonObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "ns", labels: { app: "a", "pod-template-hash": "h" }, annotations: {}, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u", controller: true }] },
  spec: {
    containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }], resources: { requests: { cpu: "10m", memory: "16Mi" } }, env: [{ name: "A", value: "1" }] }],
    tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
    nodeSelector: { zone: "a" },
  },
  status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }], hostIP: null },
});

// Deterministic pseudo-random edits: set, delete, null, empty, retype, list insert/remove.
function mutate(o: JsonObject, seed: number): JsonObject {
  let s = seed;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) % 2147483648), s % n);
  const copy = JSON.parse(JSON.stringify(o)) as JsonObject;
  const targets: Array<[JsonObject | Json[], string | number]> = [];
  const collectTargets = (v: Json) => {
    if (Array.isArray(v)) v.forEach((x, i) => (targets.push([v, i]), collectTargets(x)));
    else if (v && typeof v === "object") for (const k of Object.keys(v)) (targets.push([v, k]), collectTargets(v[k]!));
  };
  collectTargets(copy);
  for (let n = 1 + rnd(3); n > 0; n--) {
    const [parent, key] = targets[rnd(targets.length)]!;
    const choice = rnd(7);
    const value: Json = [null, {}, "x" + rnd(3), rnd(5), [], { extra: "e" }, [{ name: "n" + rnd(2), value: "v" }]][choice]!;
    if (Array.isArray(parent)) {
      if (rnd(3) === 0) parent.splice(key as number, 1);
      else if (rnd(2) === 0) parent.push(JSON.parse(JSON.stringify(parent[key as number] ?? null)));
      else parent[key as number] = value;
    } else if (rnd(4) === 0) delete parent[key as string];
    else parent[key as string] = value;
  }
  return copy;
}

describe("compare", () => {
  const schema = schemaOf("V1Pod");
  it("gives what comparing both full walks gives, on 2,000 random edits of a pod", () => {
    let changed = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const a = mutate(pod(), seed);
      const b = mutate(a, seed * 7 + 3);
      const fast = compare(a, b, schema);
      const full = fullCompare(a, b, schema);
      if (!(full.added.isEmpty() && full.modified.isEmpty() && full.removed.isEmpty())) changed++;
      for (const k of ["added", "modified", "removed"] as const) {
        expect(fast[k].paths(), `seed ${seed} ${k}`).toEqual(full[k].paths());
      }
    }
    // Most edits change something (a few undo themselves or touch only what was already gone).
    expect(changed).toBeGreaterThan(1500);
  });

  it("finds nothing between equal objects that share no references", () => {
    const c = compare(pod(), pod(), schema);
    expect(c.added.isEmpty() && c.modified.isEmpty() && c.removed.isEmpty()).toBe(true);
  });

  it("reports a changed status condition as a modified leaf", () => {
    const b = pod();
    ((b.status as JsonObject).conditions as JsonObject[])[0]!.status = "False";
    const c = compare(pod(), b, schema);
    expect(c.modified.paths()).toEqual([["f:status", "f:conditions", 'k:{"type":"PodScheduled"}', "f:status"]]);
    expect(c.added.isEmpty() && c.removed.isEmpty()).toBe(true);
  });
});
