import { beforeAll, describe, expect, it } from "vitest";
import { createModelGraph, loadModelGraph, parseAttributeType, type ModelGraph } from "../../../server/registry/schema/model.ts";

let graph: ModelGraph;
beforeAll(async () => {
  graph = await loadModelGraph();
});

describe("parseAttributeType", () => {
  it.each([
    ["string", "", { kind: "string" }],
    ["string", "byte", { kind: "string", format: "byte" }],
    ["number", "int32", { kind: "integer", format: "int32" }],
    ["number", "int64", { kind: "integer", format: "int64" }],
    ["number", "double", { kind: "number" }],
    ["boolean", "", { kind: "boolean" }],
    ["Date", "date-time", { kind: "date-time" }],
    ["V1MicroTime", "date-time-micro", { kind: "date-time", micro: true }],
    ["IntOrString", "int-or-string", { kind: "int-or-string" }],
    ["any", "", { kind: "raw", of: "RawExtension" }],
    ["V1PodSpec", "", { kind: "object", model: "V1PodSpec" }],
    ["Array<V1Container>", "", { kind: "array", of: { kind: "object", model: "V1Container" } }],
    ["Array<Array<string>>", "", { kind: "array", of: { kind: "array", of: { kind: "string" } } }],
    ["{ [key: string]: string; }", "", { kind: "map", of: { kind: "string" } }],
    ["{ [key: string]: Array<string>; }", "", { kind: "map", of: { kind: "array", of: { kind: "string" } } }],
  ])("%s (%s)", (type, format, expected) => {
    expect(parseAttributeType(type, format)).toEqual(expected);
  });

  it("marks quantities, also inside maps", () => {
    expect(parseAttributeType("{ [key: string]: string; }", "", true)).toEqual({ kind: "map", of: { kind: "quantity" } });
    expect(parseAttributeType("string", "", true)).toEqual({ kind: "quantity" });
  });
});

describe("the client-node model graph", () => {
  it("describes Pod with upstream's component name", () => {
    const pod = graph.model("V1Pod")!;
    expect(pod.schemaName).toBe("io.k8s.api.core.v1.Pod");
    expect([...pod.properties.keys()]).toEqual(["apiVersion", "kind", "metadata", "spec", "status"]);
    expect(pod.properties.get("spec")!.type).toEqual({ kind: "object", model: "V1PodSpec" });
  });

  it.each([
    ["V1ObjectMeta", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"],
    ["V1LabelSelector", "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"],
    ["V1Deployment", "io.k8s.api.apps.v1.Deployment"],
    ["V1PodTemplateSpec", "io.k8s.api.core.v1.PodTemplateSpec"],
    ["V1NodeSelector", "io.k8s.api.core.v1.NodeSelector"],
    ["CoreV1Event", "io.k8s.api.core.v1.Event"],
    ["EventsV1Event", "io.k8s.api.events.v1.Event"],
    ["V1CustomResourceDefinition", "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"],
    ["V1Scale", "io.k8s.api.autoscaling.v1.Scale"],
    ["V2HorizontalPodAutoscaler", "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"],
    ["V1beta1DeviceCapacity", "io.k8s.api.resource.v1beta1.DeviceCapacity"],
    ["V1ClusterRole", "io.k8s.api.rbac.v1.ClusterRole"],
  ])("%s is %s", (model, schemaName) => {
    expect(graph.model(model)!.schemaName).toBe(schemaName);
  });

  it("knows required fields from client-node's declarations", () => {
    expect(graph.model("V1Container")!.required).toEqual(["name"]);
    expect(graph.model("V1PodSpec")!.required).toEqual(["containers"]);
    expect(graph.model("V1OwnerReference")!.required).toEqual(["apiVersion", "kind", "name", "uid"]);
    expect(graph.model("V1ObjectMeta")!.required).toEqual([]);
    expect(graph.model("V1Container")!.properties.get("image")!.required).toBe(false);
  });

  it("uses JSON names where client-node renames properties", () => {
    const item = graph.model("V1LimitRangeItem")!;
    expect(item.properties.has("default")).toBe(true);
    expect(item.properties.has("_default")).toBe(false);
    expect(item.properties.get("default")!.type).toEqual({ kind: "map", of: { kind: "quantity" } });
    expect(graph.model("V1NetworkPolicyIngressRule")!.properties.has("from")).toBe(true);
    expect(graph.model("V1JSONSchemaProps")!.properties.get("x-kubernetes-int-or-string")!.type).toEqual({ kind: "boolean" });
  });

  it("types quantities, int-or-string, timestamps and raw values", () => {
    expect(graph.model("V1ResourceRequirements")!.properties.get("limits")!.type).toEqual({ kind: "map", of: { kind: "quantity" } });
    expect(graph.model("V1EmptyDirVolumeSource")!.properties.get("sizeLimit")!.type).toEqual({ kind: "quantity" });
    expect(graph.model("V1ServicePort")!.properties.get("targetPort")!.type).toEqual({ kind: "int-or-string" });
    expect(graph.model("V1ObjectMeta")!.properties.get("creationTimestamp")!.type).toEqual({ kind: "date-time" });
    expect(graph.model("V1ControllerRevision")!.properties.get("data")!.type).toEqual({ kind: "raw", of: "RawExtension" });
    expect(graph.model("V1ManagedFieldsEntry")!.properties.get("fieldsV1")!.type).toEqual({ kind: "raw", of: "FieldsV1" });
    expect(graph.model("V1JSONSchemaProps")!.properties.get("default")!.type).toEqual({ kind: "raw", of: "JSON" });
  });

  it("returns undefined for unknown or inherited names", () => {
    expect(graph.model("V1NoSuchThing")).toBeUndefined();
    expect(graph.model("toString")).toBeUndefined();
    expect(graph.model("ObjectSerializer")).toBeUndefined();
  });

  it("every object reference resolves to a model", () => {
    const missing: string[] = [];
    const refs = (t: ReturnType<typeof parseAttributeType>): string[] =>
      t.kind === "object" ? [t.model] : t.kind === "array" || t.kind === "map" ? refs(t.of) : [];
    for (const name of graph.names()) {
      for (const p of graph.model(name)!.properties.values()) {
        for (const r of refs(p.type)) if (!graph.model(r)) missing.push(`${name}.${p.name} -> ${r}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("loads once", async () => {
    expect(await loadModelGraph()).toBe(graph);
  });
});

describe("createModelGraph over a fixture", () => {
  it("builds models from any attribute maps", () => {
    const g = createModelGraph({
      Thing: { attributeTypeMap: [{ name: "size", baseName: "size", type: "number", format: "int32" }] },
    });
    expect(g.model("Thing")!.properties.get("size")!.type).toEqual({ kind: "integer", format: "int32" });
    // not in the upstream package table: the name stays as it is
    expect(g.model("Thing")!.schemaName).toBe("Thing");
    expect(g.names()).toEqual(["Thing"]);
  });
});
