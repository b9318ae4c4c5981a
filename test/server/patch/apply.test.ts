import { describe, expect, it } from "vitest";
import { applyPatch, managerFromUserAgent, trackUpdate } from "../../../server/api/patch/apply/apply.ts";
import { FieldSet, fromFieldsV1, pathString, toFieldsV1 } from "../../../server/api/patch/apply/field-set.ts";
import { fieldSetOf } from "../../../server/api/patch/apply/walk.ts";
import { ApiError } from "../../../server/api/status.ts";
import { openApiSchema } from "../../../server/registry/schema/openapi-schema.ts";
import { schemaOf } from "./schema.ts";

const T1 = "2025-01-01T00:00:00Z";
const T2 = "2025-01-02T00:00:00Z";
const deployment = schemaOf("V1Deployment");
const configMap = schemaOf("V1ConfigMap");

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

const dep = (replicas: number, containers: unknown[], extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", ...extra },
  spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { spec: { containers } } },
});

describe("field sets and FieldsV1", () => {
  it("computes the fields an object sets, with list keys from the metadata table", () => {
    const set = fieldSetOf(dep(2, [{ name: "c", image: "x", ports: [{ containerPort: 80 }] }]) as any, deployment);
    expect(toFieldsV1(set)).toEqual({
      "f:apiVersion": {},
      "f:kind": {},
      "f:metadata": { "f:name": {}, "f:namespace": {} },
      "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
          "f:spec": {
            "f:containers": {
              'k:{"name":"c"}': {
                ".": {},
                "f:image": {},
                "f:name": {},
                "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
              },
            },
          },
        },
      },
    });
  });

  it("tracks map entries, set values and atomic lists", () => {
    const pod = schemaOf("V1Pod");
    const set = fieldSetOf({ metadata: { labels: { a: "1" }, finalizers: ["x"] }, spec: { tolerations: [{ key: "k" }] } }, pod);
    expect(set.has(["f:metadata", "f:labels", "f:a"])).toBe(true);
    expect(set.has(["f:metadata", "f:finalizers", 'v:"x"'])).toBe(true);
    expect(set.has(["f:spec", "f:tolerations"])).toBe(true);
    expect(set.has(["f:spec", "f:tolerations", "i:0"])).toBe(false);
  });

  it("round-trips FieldsV1 and prints paths as upstream does", () => {
    const json = { "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:image": {} } } }, "f:data": { "f:x": {} } };
    expect(toFieldsV1(fromFieldsV1(json))).toEqual({ "f:data": { "f:x": {} }, "f:spec": json["f:spec"] });
    expect(pathString(["f:spec", "f:containers", 'k:{"name":"c"}', "f:image"])).toBe('.spec.containers[name="c"].image');
    expect(pathString(["f:metadata", "f:finalizers", 'v:"x"'])).toBe('.metadata.finalizers[="x"]');
    expect(() => fromFieldsV1({ "x:bad": {} })).toThrow();
    expect(() => fromFieldsV1([])).toThrow();
  });

  it("does set algebra on members", () => {
    const a = FieldSet.of([["f:a", "f:b"], ["f:a", "f:c"], ["f:d"]]);
    const b = FieldSet.of([["f:a", "f:b"], ["f:e"]]);
    expect(a.difference(b).paths()).toEqual([["f:a", "f:c"], ["f:d"]]);
    expect(a.intersection(b).paths()).toEqual([["f:a", "f:b"]]);
    expect(a.union(b).paths()).toHaveLength(4);
    expect(a.closure().has(["f:a"])).toBe(true);
    expect(a.has(["f:a"])).toBe(false);
  });
});

describe("server-side apply", () => {
  it("creates an object and records an Apply entry", () => {
    const { object, managedFields } = applyPatch(undefined, dep(2, [{ name: "c", image: "x" }]), {
      manager: "kubectl",
      apiVersion: "apps/v1",
      schema: deployment,
      now: T1,
    });
    expect((object as any).spec.replicas).toBe(2);
    expect(managedFields).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: T1,
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": { "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:image": {}, "f:name": {} } } } },
          },
        },
      },
    ]);
    expect((object as any).metadata.managedFields).toEqual(managedFields);
  });

  it("removes fields the manager stopped applying, keeps fields others own", () => {
    const opts = { manager: "kubectl", apiVersion: "apps/v1", schema: deployment, now: T1 };
    let live = applyPatch(undefined, dep(2, [{ name: "a", image: "a" }, { name: "b", image: "b" }], { labels: { x: "1", y: "2" } }), opts).object;
    // someone else sets env on container a with an Update
    const edited = structuredClone(live) as any;
    edited.spec.template.spec.containers[0].env = [{ name: "DEBUG", value: "1" }];
    live = trackUpdate(live, edited, { manager: "kubectl-edit", apiVersion: "apps/v1", schema: deployment, now: T1 }).object;
    // the new configuration drops container a, label y
    const out = applyPatch(live, dep(2, [{ name: "b", image: "b2" }], { labels: { x: "1" } }), { ...opts, now: T2 }).object as any;
    expect(out.metadata.labels).toEqual({ x: "1" });
    // a stays (kubectl-edit owns its env), keyed by its name; its image (only kubectl's) goes
    expect(out.spec.template.spec.containers).toEqual([{ name: "a", env: [{ name: "DEBUG", value: "1" }] }, { name: "b", image: "b2" }]);
  });

  it("conflicts with another manager's field and names it as upstream does", () => {
    const live = trackUpdate(undefined, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { color: "red" } }, {
      manager: "kubectl-client-side-apply",
      apiVersion: "v1",
      schema: configMap,
      now: T1,
    }).object;
    const err = failure(() =>
      applyPatch(live, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { color: "blue" } }, {
        manager: "kubectl",
        apiVersion: "v1",
        schema: configMap,
      }),
    );
    expect(err.code).toBe(409);
    expect(err.reason).toBe("Conflict");
    expect(err.message).toBe(`Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1 at ${T1}: .data.color`);
    expect(err.details?.causes).toEqual([
      { reason: "FieldManagerConflict", message: `conflict with "kubectl-client-side-apply" using v1 at ${T1}`, field: ".data.color" },
    ]);
  });

  it("lists several conflicts by manager", () => {
    const opts = { apiVersion: "apps/v1", schema: deployment, now: T1 };
    const live = applyPatch(undefined, dep(1, [{ name: "c", image: "x" }]), { ...opts, manager: "other" }).object;
    const err = failure(() => applyPatch(live, dep(3, [{ name: "c", image: "y" }]), { ...opts, manager: "me" }));
    expect(err.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "other" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="c"].image',
    );
    expect(err.details?.causes?.map((c) => c.field)).toEqual([".spec.replicas", '.spec.template.spec.containers[name="c"].image']);
  });

  it("shares ownership of equal values without conflict", () => {
    const opts = { apiVersion: "apps/v1", schema: deployment, now: T1 };
    const live = applyPatch(undefined, dep(1, [{ name: "c", image: "x" }]), { ...opts, manager: "a" }).object;
    const { managedFields } = applyPatch(live, dep(1, [{ name: "c", image: "x" }]), { ...opts, manager: "b" });
    expect(managedFields.map((m) => m.manager)).toEqual(["a", "b"]);
    expect(managedFields[0]!.fieldsV1).toEqual(managedFields[1]!.fieldsV1);
  });

  it("takes ownership with force", () => {
    const opts = { apiVersion: "apps/v1", schema: deployment, now: T1 };
    const live = applyPatch(undefined, { ...dep(1, []), spec: { replicas: 1, paused: true } }, { ...opts, manager: "other" }).object;
    const { object, managedFields } = applyPatch(live, { ...dep(1, []), spec: { replicas: 5 } }, { ...opts, manager: "me", force: true });
    expect((object as any).spec).toEqual({ replicas: 5, paused: true });
    expect(managedFields.find((m) => m.manager === "other")!.fieldsV1).toEqual({ "f:spec": { "f:paused": {} } });
    expect(managedFields.find((m) => m.manager === "me")!.fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
  });

  it("requires a field manager and an object; refuses managedFields in the body", () => {
    const opts = { manager: "m", apiVersion: "v1", schema: configMap };
    expect(failure(() => applyPatch(undefined, { data: {} }, { ...opts, manager: "" })).code).toBe(400);
    expect(failure(() => applyPatch(undefined, [1], opts)).code).toBe(400);
    expect(failure(() => applyPatch(undefined, { metadata: { managedFields: [{ manager: "x" }] } }, opts)).code).toBe(400);
  });

  it("merges list-maps by key in the configuration's order and keeps live-only items", () => {
    const opts = { apiVersion: "apps/v1", schema: deployment, now: T1 };
    let live = applyPatch(undefined, dep(1, [{ name: "a", image: "1" }]), { ...opts, manager: "x" }).object;
    live = applyPatch(live, dep(1, [{ name: "b", image: "2" }]), { ...opts, manager: "y" }).object as any;
    expect((live as any).spec.template.spec.containers.map((c: any) => c.name)).toEqual(["a", "b"]);
  });

  it("uses CRD list types through the same schema interface", () => {
    const schema = openApiSchema({
      type: "object",
      properties: {
        spec: {
          type: "object",
          properties: {
            hosts: {
              type: "array",
              "x-kubernetes-list-type": "map",
              "x-kubernetes-list-map-keys": ["host"],
              items: { type: "object", properties: { host: { type: "string" }, port: { type: "integer" } } },
            },
          },
        },
      },
    });
    const opts = { apiVersion: "example.com/v1", schema, now: T1 };
    let live = applyPatch(undefined, { spec: { hosts: [{ host: "a", port: 1 }] } }, { ...opts, manager: "one" }).object;
    const res = applyPatch(live, { spec: { hosts: [{ host: "b", port: 2 }] } }, { ...opts, manager: "two" });
    expect((res.object as any).spec.hosts).toEqual([{ host: "a", port: 1 }, { host: "b", port: 2 }]);
    expect(res.managedFields[1]!.fieldsV1).toEqual({ "f:spec": { "f:hosts": { 'k:{"host":"b"}': { ".": {}, "f:host": {}, "f:port": {} } } } });
  });
});

describe("update tracking", () => {
  const opts = { apiVersion: "v1", schema: configMap, now: T1 };
  const cm = (data: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", uid: "u" }, data });

  it("records the fields a write changed and takes them from other managers", () => {
    const created = trackUpdate(undefined, cm({ a: "1", b: "2" }), { ...opts, manager: "creator" });
    expect(created.managedFields).toEqual([
      { manager: "creator", operation: "Update", apiVersion: "v1", time: T1, fieldsType: "FieldsV1", fieldsV1: { "f:data": { "f:a": {}, "f:b": {} } } },
    ]);
    const edited = trackUpdate(created.object, { ...cm({ a: "9", b: "2", c: "3" }), metadata: created.object.metadata as any }, {
      ...opts,
      manager: "kubectl-edit",
      now: T2,
    });
    expect(edited.managedFields.map((m) => [m.manager, m.fieldsV1])).toEqual([
      ["creator", { "f:data": { "f:b": {} } }],
      ["kubectl-edit", { "f:data": { "f:a": {}, "f:c": {} } }],
    ]);
  });

  it("merges a manager's updates and drops managers left with nothing", () => {
    let r = trackUpdate(undefined, cm({ a: "1" }), { ...opts, manager: "one" });
    r = trackUpdate(r.object, cm({ a: "2" }), { ...opts, manager: "two" });
    expect(r.managedFields.map((m) => m.manager)).toEqual(["two"]);
    r = trackUpdate(r.object, cm({ a: "2", b: "1" }), { ...opts, manager: "two", now: T2 });
    expect(r.managedFields).toHaveLength(1);
    expect(r.managedFields[0]!.fieldsV1).toEqual({ "f:data": { "f:a": {}, "f:b": {} } });
    expect(r.managedFields[0]!.time).toBe(T2);
  });

  it("keeps the time of a manager whose write changed nothing", () => {
    const r = trackUpdate(undefined, cm({ a: "1" }), { ...opts, manager: "one" });
    const again = trackUpdate(r.object, cm({ a: "1" }), { ...opts, manager: "one", now: T2 });
    expect(again.managedFields[0]!.time).toBe(T1);
  });

  it("does not track identity and server-set metadata, nor reset paths", () => {
    const pod = schemaOf("V1Pod");
    const r = trackUpdate(undefined, { metadata: { name: "p", uid: "u", resourceVersion: "1" }, status: { phase: "Running" } }, {
      manager: "m",
      apiVersion: "v1",
      schema: pod,
      resetPaths: [["f:status"]],
    });
    expect(r.managedFields).toEqual([]);
    expect((r.object as any).metadata.managedFields).toBeUndefined();
  });

  it("lets a client reset managed fields by sending its own", () => {
    const r = trackUpdate(undefined, cm({ a: "1" }), { ...opts, manager: "one" });
    const sent = { ...cm({ a: "1" }), metadata: { name: "cm", managedFields: [{ manager: "x", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": {} } }] } };
    const out = trackUpdate(r.object, sent as any, { ...opts, manager: "one" });
    expect(out.managedFields.map((m) => m.manager)).toEqual(["x"]);
  });

  it("derives a manager from the user agent", () => {
    expect(managerFromUserAgent("kubectl-client-side-apply/v1.31.0 (linux/amd64) kubernetes/abc")).toBe("kubectl-client-side-apply");
    expect(managerFromUserAgent("kubectl-edit/v1.31.0")).toBe("kubectl-edit");
    expect(managerFromUserAgent(undefined)).toBe("unknown");
  });
});
