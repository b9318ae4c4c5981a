import { describe, expect, it } from "vitest";
import { ATOMIC_TYPES, PATCH_METADATA, patchMetaFor } from "../../../server/registry/schema/patch-metadata.ts";
import { effectiveListType, resolvePath, UNTYPED } from "../../../server/registry/schema/schema-node.ts";
import { openApiSchema } from "../../../server/registry/schema/openapi-schema.ts";
import { graph, schemaOf } from "./schema.ts";

describe("patch metadata table", () => {
  it("names only models and properties that client-node has", () => {
    const missing: string[] = [];
    for (const [model, fields] of Object.entries(PATCH_METADATA)) {
      const m = graph.model(model);
      if (!m) {
        missing.push(model);
        continue;
      }
      for (const prop of Object.keys(fields)) if (!m.properties.has(prop)) missing.push(`${model}.${prop}`);
    }
    for (const model of ATOMIC_TYPES) if (!graph.model(model)) missing.push(model);
    expect(missing).toEqual([]);
  });

  it("only puts list metadata on lists and map types on objects", () => {
    const wrong: string[] = [];
    for (const [model, fields] of Object.entries(PATCH_METADATA)) {
      for (const [prop, meta] of Object.entries(fields)) {
        const kind = graph.model(model)?.properties.get(prop)?.type.kind;
        if ((meta.listType || meta.mergeKey) && kind !== "array") wrong.push(`${model}.${prop}`);
        if (meta.mapType && kind !== "map" && kind !== "object") wrong.push(`${model}.${prop}`);
        for (const k of meta.listMapKeys ?? []) {
          const t = graph.model(model)?.properties.get(prop)?.type;
          const elem = t?.kind === "array" && t.of.kind === "object" ? graph.model(t.of.model) : undefined;
          if (!elem?.properties.has(k)) wrong.push(`${model}.${prop}[${k}]`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("looks up upstream's well-known entries", () => {
    expect(patchMetaFor("V1PodSpec", "containers")).toEqual({ strategy: "merge", mergeKey: "name", listType: "map", listMapKeys: ["name"] });
    expect(patchMetaFor("V1Container", "ports").listMapKeys).toEqual(["containerPort", "protocol"]);
    expect(patchMetaFor("V1Container", "volumeMounts").mergeKey).toBe("mountPath");
    expect(patchMetaFor("V1ObjectMeta", "finalizers")).toEqual({ strategy: "merge", listType: "set" });
    expect(patchMetaFor("V1ObjectMeta", "ownerReferences").mergeKey).toBe("uid");
    expect(patchMetaFor("V1ServiceSpec", "ports").mergeKey).toBe("port");
    expect(patchMetaFor("V1PodSpec", "volumes").strategy).toBe("merge,retainKeys");
    expect(patchMetaFor("V1PodSpec", "tolerations")).toEqual({ listType: "atomic" });
    expect(patchMetaFor("V1PodSpec", "nope")).toEqual({});
    expect(patchMetaFor("NoSuchModel", "x")).toEqual({});
    expect(patchMetaFor("V1PodSpec", "__proto__")).toEqual({});
  });
});

describe("schema walker", () => {
  it("resolves a path through the type graph", () => {
    const containers = resolvePath(schemaOf("V1Deployment"), ["spec", "template", "spec", "containers"]);
    expect(containers.shape).toBe("list");
    expect(containers.meta.mergeKey).toBe("name");
    expect(containers.items().name).toBe("V1Container");
    const env = resolvePath(schemaOf("V1Deployment"), ["spec", "template", "spec", "containers", "0", "env"]);
    expect(env.meta.mergeKey).toBe("name");
  });

  it("gives maps, scalars, atomic structs and untyped values", () => {
    const pod = schemaOf("V1Pod");
    expect(resolvePath(pod, ["metadata", "labels"]).shape).toBe("map");
    expect(resolvePath(pod, ["metadata", "labels", "app"]).shape).toBe("scalar");
    expect(resolvePath(pod, ["spec", "nodeSelector"]).atomic).toBe(true);
    expect(resolvePath(schemaOf("V1Deployment"), ["spec", "selector"]).atomic).toBe(true);
    expect(resolvePath(pod, ["spec", "no", "such"])).toBe(UNTYPED);
    expect(resolvePath(schemaOf("V1ControllerRevision"), ["data"]).shape).toBe("untyped");
  });

  it("deduces list types from strategies as upstream's schema conversion does", () => {
    expect(effectiveListType({ strategy: "merge", mergeKey: "type" })).toEqual({ type: "map", keys: ["type"] });
    expect(effectiveListType({ strategy: "merge" })).toEqual({ type: "set", keys: [] });
    expect(effectiveListType({})).toEqual({ type: "atomic", keys: [] });
    expect(effectiveListType({ strategy: "merge", mergeKey: "ip", listType: "atomic" }).type).toBe("atomic");
  });

  it("reads CRD schemas' x-kubernetes extensions through the same interface", () => {
    const node = openApiSchema({
      type: "object",
      properties: {
        spec: {
          type: "object",
          properties: {
            items: {
              type: "array",
              "x-kubernetes-list-type": "map",
              "x-kubernetes-list-map-keys": ["name", "proto"],
              items: { type: "object", properties: { name: { type: "string" }, proto: { type: "string", default: "TCP" } } },
            },
            tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
            selector: { type: "object", "x-kubernetes-map-type": "atomic", additionalProperties: { type: "string" } },
            free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          },
        },
      },
    });
    const items = resolvePath(node, ["spec", "items"]);
    expect(effectiveListType(items.meta)).toEqual({ type: "map", keys: ["name", "proto"] });
    expect(items.meta.keyDefaults).toEqual({ proto: "TCP" });
    expect(resolvePath(node, ["spec", "tags"]).meta.listType).toBe("set");
    expect(resolvePath(node, ["spec", "selector"]).atomic).toBe(true);
    expect(resolvePath(node, ["spec", "selector"]).shape).toBe("map");
    expect(resolvePath(node, ["spec", "free", "x", "y"]).shape).toBe("untyped");
    expect(resolvePath(node, ["spec", "undeclared"])).toBe(UNTYPED);
  });
});
