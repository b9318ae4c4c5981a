import { beforeAll, describe, expect, it } from "vitest";
import { buildGroupVersionDocument, groupVersionPath, OpenApiV3, serveOpenApiV3, sha512Hex } from "../../../server/api/openapi/document.ts";
import { groupIdentifier, groupTag } from "../../../server/api/openapi/paths.ts";
import { reverseGroup, type CustomResourceSpec } from "../../../server/api/openapi/resources.ts";
import { loadModelGraph, type ModelGraph } from "../../../server/registry/schema/model.ts";
import { APPS_V1, CORE_V1 } from "./fixtures.ts";
import { validateOpenApi3 } from "./validate-openapi3.ts";

type J = Record<string, any>;
let graph: ModelGraph;
let core: J;
let apps: J;
beforeAll(async () => {
  graph = await loadModelGraph();
  core = buildGroupVersionDocument(graph, { group: "", version: "v1", builtins: CORE_V1 });
  apps = buildGroupVersionDocument(graph, { group: "apps", version: "v1", builtins: APPS_V1 });
});

/** What cli-runtime's query param verifier does with a v3 document (supportsQueryParamV3). */
function supportsQueryParam(doc: J, gvk: { group: string; version: string; kind: string }, param: string): boolean | "no path" {
  for (const item of Object.values(doc.paths as Record<string, J>)) {
    const op = item.patch;
    if (!op) continue;
    const ext = op["x-kubernetes-group-version-kind"];
    const gvks = Array.isArray(ext) ? ext : [ext];
    if (!gvks.some((g: J) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) continue;
    return (op.parameters ?? []).some((p: J) => p.name === param && p.in === "query");
  }
  return "no path";
}

describe("core/v1 document", () => {
  it("is structurally valid OpenAPI 3.0", () => {
    expect(validateOpenApi3(core)).toEqual([]);
    expect(validateOpenApi3(apps)).toEqual([]);
  });

  it("has the Pod PATCH operation with fieldValidation and dryRun, as kubectl's verifier needs", () => {
    const patch = core.paths["/api/v1/namespaces/{namespace}/pods/{name}"].patch;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "", kind: "Pod", version: "v1" });
    expect(patch["x-kubernetes-action"]).toBe("patch");
    expect(patch.operationId).toBe("patchCoreV1NamespacedPod");
    const names = patch.parameters.map((p: J) => `${p.in}:${p.name}`);
    expect(names).toEqual(expect.arrayContaining(["query:fieldValidation", "query:dryRun", "query:fieldManager", "query:force"]));
    expect(Object.keys(patch.requestBody.content)).toEqual([
      "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json",
    ]);
    expect(supportsQueryParam(core, { group: "", version: "v1", kind: "Pod" }, "fieldValidation")).toBe(true);
    expect(supportsQueryParam(core, { group: "", version: "v1", kind: "ConfigMap" }, "fieldValidation")).toBe(true);
    expect(supportsQueryParam(apps, { group: "apps", version: "v1", kind: "Deployment" }, "fieldValidation")).toBe(true);
    expect(supportsQueryParam(core, { group: "", version: "v1", kind: "Secret" }, "fieldValidation")).toBe("no path");
  });

  it("marks top-level kinds with x-kubernetes-group-version-kind, as kubectl explain looks them up", () => {
    const schemas = core.components.schemas;
    expect(schemas["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "", kind: "Pod", version: "v1" }]);
    expect(schemas["io.k8s.api.core.v1.PodList"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "", kind: "PodList", version: "v1" }]);
    expect(schemas["io.k8s.api.core.v1.Event"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "", kind: "Event", version: "v1" }]);
    expect(schemas["io.k8s.api.policy.v1.Eviction"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "policy", kind: "Eviction", version: "v1" }]);
    expect(schemas["io.k8s.api.core.v1.PodSpec"]["x-kubernetes-group-version-kind"]).toBeUndefined();
  });

  it("lets kubectl explain walk pod.spec.containers", () => {
    const schemas = core.components.schemas;
    const resolve = (s: J): J => {
      const r = s.$ref ?? s.allOf?.[0]?.$ref;
      return r ? schemas[r.slice("#/components/schemas/".length)] : s;
    };
    const pod = Object.values(schemas as Record<string, J>).find((s) =>
      s["x-kubernetes-group-version-kind"]?.some((g: J) => g.kind === "Pod" && g.version === "v1" && g.group === ""))!;
    const spec = resolve(pod.properties.spec);
    const containers = spec.properties.containers;
    expect(containers.type).toBe("array");
    const container = resolve(containers.items);
    expect(container.required).toEqual(["name"]);
    expect(container.properties.image).toEqual({ type: "string" });
    expect(resolve(container.properties.resources).properties.limits).toEqual({
      type: "object", additionalProperties: { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity" },
    });
  });

  it("carries patch metadata and special types like upstream", () => {
    const schemas = core.components.schemas;
    expect(schemas["io.k8s.api.core.v1.PodSpec"].properties.containers).toMatchObject({
      "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
      "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge",
    });
    expect(schemas["io.k8s.api.core.v1.PodSpec"].properties.volumes["x-kubernetes-patch-strategy"]).toBe("merge,retainKeys");
    expect(schemas["io.k8s.api.core.v1.Container"].properties.ports["x-kubernetes-list-map-keys"]).toEqual(["containerPort", "protocol"]);
    expect(schemas["io.k8s.api.core.v1.PodSpec"].properties.nodeSelector).toMatchObject({ type: "object", "x-kubernetes-map-type": "atomic" });
    expect(schemas["io.k8s.api.core.v1.ServicePort"].properties.targetPort).toEqual({ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString" });
    expect(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]).toMatchObject({ format: "int-or-string", "x-kubernetes-int-or-string": true });
    expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"].properties.creationTimestamp).toEqual({ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time" });
    expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]).toEqual({ type: "string", format: "date-time" });
    expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"]["x-kubernetes-map-type"]).toBe("atomic");
    expect(schemas["io.k8s.api.core.v1.ObjectReference"]["x-kubernetes-map-type"]).toBe("atomic");
    expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry"].properties.fieldsV1).toEqual({ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1" });
    expect(schemas["io.k8s.api.core.v1.Pod"].properties.metadata).toEqual({ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" });
  });

  it("only emits what the resources reach", () => {
    expect(core.components.schemas["io.k8s.api.apps.v1.Deployment"]).toBeUndefined();
    expect(apps.components.schemas["io.k8s.api.core.v1.Node"]).toBeUndefined();
    expect(apps.components.schemas["io.k8s.api.core.v1.PodSpec"]).toBeDefined();
  });

  it("has the verbs asked for, and no more", () => {
    expect(core.paths["/api/v1/namespaces"].delete).toBeUndefined(); // no deletecollection for namespaces
    expect(core.paths["/api/v1/namespaces/{name}"].delete["x-kubernetes-action"]).toBe("delete");
    const pods = core.paths["/api/v1/namespaces/{namespace}/pods"];
    expect(pods.get.operationId).toBe("listCoreV1NamespacedPod");
    expect(pods.post.operationId).toBe("createCoreV1NamespacedPod");
    expect(pods.delete.operationId).toBe("deleteCoreV1CollectionNamespacedPod");
    expect(core.paths["/api/v1/pods"].get.operationId).toBe("listCoreV1PodForAllNamespaces");
    expect(core.paths["/api/v1/nodes/{name}"].put.operationId).toBe("replaceCoreV1Node");
    expect(pods.post.parameters.map((p: J) => p.name)).toEqual(["dryRun", "fieldManager", "fieldValidation"]);
    expect(pods.get.parameters.map((p: J) => p.name)).toContain("labelSelector");
  });

  it("describes subresources (status, scale, binding, eviction) and skips streams", () => {
    expect(core.paths["/api/v1/namespaces/{namespace}/pods/{name}/status"].patch.operationId).toBe("patchCoreV1NamespacedPodStatus");
    expect(core.paths["/api/v1/namespaces/{namespace}/pods/{name}/binding"].post["x-kubernetes-group-version-kind"]).toEqual({ group: "", kind: "Binding", version: "v1" });
    expect(core.paths["/api/v1/namespaces/{namespace}/pods/{name}/log"]).toBeUndefined();
    const scale = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
    expect(scale.patch["x-kubernetes-group-version-kind"]).toEqual({ group: "autoscaling", kind: "Scale", version: "v1" });
    expect(scale.get.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/io.k8s.api.autoscaling.v1.Scale" });
  });

  it("is deterministic", () => {
    const again = buildGroupVersionDocument(graph, { group: "", version: "v1", builtins: [...CORE_V1].reverse() }) as J;
    expect(JSON.stringify(again.components)).toBe(JSON.stringify(core.components));
    expect(Object.keys(again.paths)).toEqual(Object.keys(core.paths));
  });

  it("an empty group-version is still a valid document", () => {
    const empty = buildGroupVersionDocument(graph, { group: "x.io", version: "v1" });
    expect(validateOpenApi3(empty)).toEqual([]);
    expect(empty.paths).toEqual({});
  });

  it("skips resources whose model is unknown", () => {
    const doc = buildGroupVersionDocument(graph, { group: "", version: "v1", builtins: [{ ...CORE_V1[0]!, modelName: "V1Nope" }] }) as J;
    expect(doc.paths).toEqual({});
  });
});

describe("naming helpers", () => {
  it.each([
    ["", "Core", "core_v1"],
    ["apps", "Apps", "apps_v1"],
    ["rbac.authorization.k8s.io", "RbacAuthorization", "rbacAuthorization_v1"],
    ["networking.k8s.io", "Networking", "networking_v1"],
    ["stable.example.com", "StableExampleCom", "stableExampleCom_v1"],
  ])("%j", (group, id, tag) => {
    expect(groupIdentifier(group)).toBe(id);
    expect(groupTag(group, "v1")).toBe(tag);
  });
  it("paths and reversed groups", () => {
    expect(groupVersionPath("", "v1")).toBe("api/v1");
    expect(groupVersionPath("apps", "v1")).toBe("apis/apps/v1");
    expect(reverseGroup("stable.example.com")).toBe("com.example.stable");
  });
});

describe("custom resources", () => {
  const crontab: CustomResourceSpec = {
    group: "stable.example.com", version: "v1", kind: "CronTab", plural: "crontabs", namespaced: true,
    openAPIV3Schema: {
      type: "object",
      properties: {
        spec: {
          type: "object",
          properties: {
            cronSpec: { type: "string" }, replicas: { type: "integer" },
            port: { "x-kubernetes-int-or-string": true },
            items: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], items: { type: "object", required: ["name"], properties: { name: { type: "string" } } } },
          },
        },
        status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      },
    },
    subresources: { status: {}, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" } },
  };
  let doc: J;
  beforeAll(() => {
    doc = buildGroupVersionDocument(graph, { group: "stable.example.com", version: "v1", custom: [crontab] });
  });

  it("is valid and named like upstream", () => {
    expect(validateOpenApi3(doc)).toEqual([]);
    const s = doc.components.schemas["com.example.stable.v1.CronTab"];
    expect(s["x-kubernetes-group-version-kind"]).toEqual([{ group: "stable.example.com", kind: "CronTab", version: "v1" }]);
    expect(s.properties.metadata).toEqual({ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" });
    expect(s.properties.apiVersion).toEqual({ type: "string" });
    expect(s.properties.spec.properties.items["x-kubernetes-list-map-keys"]).toEqual(["name"]);
    expect(doc.components.schemas["com.example.stable.v1.CronTabList"].properties.items.items).toEqual({ $ref: "#/components/schemas/com.example.stable.v1.CronTab" });
    expect(doc.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]).toBeDefined();
  });

  it("has the PATCH operation kubectl checks, without strategic merge patch", () => {
    const patch = doc.paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"].patch;
    expect(supportsQueryParam(doc, { group: "stable.example.com", version: "v1", kind: "CronTab" }, "fieldValidation")).toBe(true);
    expect(Object.keys(patch.requestBody.content)).not.toContain("application/strategic-merge-patch+json");
    expect(doc.paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/status"].put).toBeDefined();
    expect(doc.paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/scale"].get).toBeDefined();
  });

  it("does not modify the CRD's schema object", () => {
    expect((crontab.openAPIV3Schema!.properties as J).metadata).toBeUndefined();
  });

  it("a CRD without a schema preserves unknown fields", () => {
    const d = buildGroupVersionDocument(graph, { group: "x.io", version: "v1", custom: [{ group: "x.io", version: "v1", kind: "Thing", plural: "things", namespaced: false }] }) as J;
    expect(d.components.schemas["io.x.v1.Thing"]["x-kubernetes-preserve-unknown-fields"]).toBe(true);
    expect(d.paths["/apis/x.io/v1/things/{name}"].get.operationId).toBe("readXIoV1Thing");
  });
});

describe("OpenApiV3 service", () => {
  const make = () => {
    let loads = 0;
    const svc = new OpenApiV3({ graph: async () => (loads++, graph), cacheSize: 1 });
    svc.setGroupVersion({ group: "", version: "v1", builtins: CORE_V1 });
    svc.setGroupVersion({ group: "apps", version: "v1", builtins: APPS_V1 });
    return { svc, loads: () => loads };
  };

  it("indexes every group-version with its content hash", async () => {
    const { svc } = make();
    const index = await svc.index();
    expect(Object.keys(index.paths)).toEqual(["api/v1", "apis/apps/v1"]);
    const doc = (await svc.document("api/v1"))!;
    expect(doc.hash).toMatch(/^[0-9A-F]{128}$/);
    expect(doc.hash).toBe(await sha512Hex(doc.bytes));
    expect(index.paths["api/v1"]!.serverRelativeURL).toBe(`/openapi/v3/api/v1?hash=${doc.hash}`);
    expect(JSON.parse(new TextDecoder().decode(doc.bytes)).paths["/api/v1/namespaces/{namespace}/pods/{name}"]).toBeDefined();
  });

  it("rebuilds evicted documents with the same hash, and changed ones with a new hash", async () => {
    const { svc } = make();
    const first = (await svc.document("api/v1"))!;
    await svc.document("apis/apps/v1"); // evicts api/v1 (cache size 1)
    const again = (await svc.document("api/v1"))!;
    expect(again).not.toBe(first);
    expect(again.hash).toBe(first.hash);
    svc.setGroupVersion({ group: "", version: "v1", builtins: CORE_V1.slice(0, 2) });
    expect((await svc.document("api/v1"))!.hash).not.toBe(first.hash);
    svc.removeGroupVersion("apps", "v1");
    expect(await svc.document("apis/apps/v1")).toBeUndefined();
    expect(Object.keys((await svc.index()).paths)).toEqual(["api/v1"]);
  });

  it("shares one build between concurrent requests", async () => {
    const { svc, loads } = make();
    const [a, b] = await Promise.all([svc.document("api/v1"), svc.document("api/v1")]);
    expect(a).toBe(b);
    expect(loads()).toBe(1);
  });

  it("serves HTTP with upstream's caching", async () => {
    const { svc } = make();
    const index = await serveOpenApiV3(svc, new URL("https://x/openapi/v3"));
    expect(index!.status).toBe(200);
    expect(index!.headers.get("content-type")).toBe("application/json");
    const url = (await index!.json()).paths["apis/apps/v1"].serverRelativeURL as string;
    const doc = await serveOpenApiV3(svc, new URL(`https://x${url}`));
    expect(doc!.status).toBe(200);
    expect(doc!.headers.get("cache-control")).toBe("public, immutable, max-age=31536000");
    const etag = doc!.headers.get("etag");
    expect((await doc!.json()).openapi).toBe("3.0.0");
    expect((await serveOpenApiV3(svc, new URL(`https://x${url}`), etag))!.status).toBe(304);
    const stale = await serveOpenApiV3(svc, new URL("https://x/openapi/v3/apis/apps/v1?hash=OLD"));
    expect(stale!.status).toBe(301);
    expect(stale!.headers.get("location")).toBe(url);
    const plain = await serveOpenApiV3(svc, new URL("https://x/openapi/v3/apis/apps/v1"));
    expect(plain!.headers.get("cache-control")).toBe("no-cache, private");
    const indexEtag = index!.headers.get("etag");
    expect((await serveOpenApiV3(svc, new URL("https://x/openapi/v3/"), indexEtag))!.status).toBe(304);
    expect(await serveOpenApiV3(svc, new URL("https://x/openapi/v3/apis/nope/v1"))).toBeUndefined();
    expect(await serveOpenApiV3(svc, new URL("https://x/api/v1"))).toBeUndefined();
  });
});

describe("the structural validator itself", () => {
  it("catches broken documents", () => {
    const bad = {
      openapi: "2.0", info: {}, components: { schemas: { A: { type: "array" }, B: { $ref: "#/components/schemas/Missing", description: "x" } } },
      paths: { "x/{name}": { get: { parameters: [{ name: "name", in: "path" }], responses: {} }, fetch: {} } },
    };
    const errs = validateOpenApi3(bad);
    expect(errs).toEqual(expect.arrayContaining([
      "openapi: 2.0", "info needs title and version", "components.schemas.A: array without items",
      "components.schemas.B: dangling $ref #/components/schemas/Missing", "path x/{name} must start with /",
      "x/{name}: unknown key fetch", "x/{name} get parameters[0]: path parameter name must be required",
      "x/{name} get: responses required",
      "components.schemas.B: $ref with siblings description (ignored in 3.0; use allOf)",
    ]));
    expect(validateOpenApi3({ openapi: "3.0.0", info: { title: "t", version: "v" }, paths: {} })).toEqual([]);
  });
});
