// managedFields trees are shared between stored objects (fields-v1-pool.ts): equal sets encode to
// the same object, parsing and re-encoding gives the tree back, and a write leaves the trees of
// the managers it does not touch as they were.
import { describe, expect, it } from "vitest";
import { trackUpdate } from "../../../server/api/patch/apply/apply.ts";
import { FieldSet, fromFieldsV1, toFieldsV1 } from "../../../server/api/patch/apply/field-set.ts";
import type { JsonObject } from "../../../server/api/patch/json-value.ts";
import { schemaOf } from "./schema.ts";

const pod = schemaOf("V1Pod");
const T1 = "2024-01-01T00:00:00Z";
const T2 = "2024-01-01T00:01:00Z";

describe("shared managedFields trees", () => {
  it("encodes equal sets to one object, and parses it back to an equal set", () => {
    const paths = [["f:spec", "f:containers", 'k:{"name":"c"}'], ["f:spec", "f:containers", 'k:{"name":"c"}', "f:image"], ["f:metadata", "f:labels", "f:app"]];
    const a = toFieldsV1(FieldSet.of(paths));
    const b = toFieldsV1(FieldSet.of([...paths].reverse()));
    expect(a).toBe(b);
    expect(a).toEqual({ "f:metadata": { "f:labels": { "f:app": {} } }, "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:image": {} } } } });
    expect(fromFieldsV1(a).equals(FieldSet.of(paths))).toBe(true);
    // An empty tree is the empty set; a "." at the top makes the root a member.
    expect(fromFieldsV1({}).isEmpty()).toBe(true);
    expect(fromFieldsV1({ ".": {}, "f:a": {} }).member).toBe(true);
  });

  it("keeps the stored tree of a manager a write does not touch, and records the writer's fields", () => {
    const created = trackUpdate(undefined, {
      apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "i" }] },
    }, { manager: "creator", apiVersion: "v1", schema: pod, now: T1 }).object;
    const before = (created.metadata as JsonObject).managedFields as JsonObject[];
    const next = { ...created, status: { phase: "Running" } };
    const updated = trackUpdate(created, next, { manager: "kubelet", apiVersion: "v1", schema: pod, subresource: "status", now: T2 }).object;
    const after = (updated.metadata as JsonObject).managedFields as JsonObject[];
    expect(after).toHaveLength(2);
    expect(after[0]!.fieldsV1).toBe(before[0]!.fieldsV1);
    expect(after[1]).toMatchObject({ manager: "kubelet", subresource: "status", time: T2, fieldsV1: { "f:status": { "f:phase": {} } } });
    // A write that changes nothing tracked keeps the stored entries themselves.
    const again = trackUpdate(updated, { ...updated }, { manager: "kubelet", apiVersion: "v1", schema: pod, subresource: "status", now: T2 }).object;
    expect((again.metadata as JsonObject).managedFields).toBe(after);
  });
});
