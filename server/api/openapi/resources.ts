/**
 * What the registry tells the OpenAPI generator about each resource, and how those descriptions
 * become component schemas and resolved resources: built-in kinds from the model graph, custom
 * resources from their CRD version's `openAPIV3Schema` (named as upstream names them:
 * group reversed, then version and kind: `com.example.stable.v1.CronTab`).
 */
import type { ModelGraph } from "../../registry/schema/model.ts";
import type { ResolvedResource, ResolvedSubresource } from "./paths.ts";
import { ref, type GroupVersionKind, type Schema, type SchemaCollector } from "./schemas.ts";

export interface SubresourceSpec {
  readonly name: string;
  /** client-node model of the body (default: the resource's own for status). */
  readonly modelName?: string;
  readonly gvk?: GroupVersionKind;
  readonly verbs?: readonly string[];
}

/** A built-in resource, as the registry lists it. */
export interface ApiResourceSpec {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** client-node model name, e.g. `V1Pod`. */
  readonly modelName: string;
  readonly verbs: readonly string[];
  /** `"status"`, `"scale"`, or a spec for others (`binding`, `eviction`...). Streams (log, exec) are left out. */
  readonly subresources?: readonly (string | SubresourceSpec)[];
}

/** One served version of a CustomResourceDefinition. */
export interface CustomResourceSpec {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind?: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly verbs?: readonly string[];
  /** The version's `schema.openAPIV3Schema`. */
  readonly openAPIV3Schema?: Schema;
  /** The version's `subresources` (`{status: {}, scale: {...}}`). */
  readonly subresources?: { readonly status?: unknown; readonly scale?: unknown };
}

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const SUB_VERBS = ["get", "patch", "update"];
const SCALE_GVK: GroupVersionKind = { group: "autoscaling", version: "v1", kind: "Scale" };

/** Adds a built-in resource's schemas to the collector; returns it resolved for paths. */
export function resolveBuiltin(graph: ModelGraph, collector: SchemaCollector, spec: ApiResourceSpec): ResolvedResource | undefined {
  const gvk = { group: spec.group, version: spec.version, kind: spec.kind };
  const schema = collector.add(spec.modelName);
  if (!schema) return undefined;
  collector.addKind(spec.modelName, gvk);
  const listModel = `${spec.modelName}List`;
  const listSchema = graph.model(listModel) ? collector.add(listModel) : undefined;
  if (listSchema) collector.addKind(listModel, { ...gvk, kind: `${spec.kind}List` });
  const subresources: ResolvedSubresource[] = [];
  for (const entry of spec.subresources ?? []) {
    const sub: SubresourceSpec = typeof entry === "string" ? { name: entry } : entry;
    let model = sub.modelName;
    let subGvk = sub.gvk;
    if (sub.name === "status") {
      model ??= spec.modelName;
      subGvk ??= gvk;
    } else if (sub.name === "scale") {
      model ??= "V1Scale";
      subGvk ??= SCALE_GVK;
    }
    if (!model || !subGvk) continue; // streams and proxies have no body schema
    const subSchema = collector.add(model);
    if (!subSchema) continue;
    if (model !== spec.modelName) collector.addKind(model, subGvk);
    subresources.push({
      name: sub.name, schema: subSchema, gvk: subGvk,
      verbs: sub.verbs ?? (sub.name === "status" || sub.name === "scale" ? SUB_VERBS : ["create"]),
    });
  }
  return { gvk, plural: spec.plural, namespaced: spec.namespaced, verbs: spec.verbs, schema, listSchema, subresources, strategicMerge: true };
}

/** `stable.example.com` -> `com.example.stable`. */
export function reverseGroup(group: string): string {
  return group.split(".").reverse().join(".");
}

/** Adds a custom resource's schemas to the collector; returns it resolved for paths. */
export function resolveCustom(graph: ModelGraph, collector: SchemaCollector, spec: CustomResourceSpec): ResolvedResource {
  const gvk = { group: spec.group, version: spec.version, kind: spec.kind };
  const listKind = spec.listKind ?? `${spec.kind}List`;
  const base = `${reverseGroup(spec.group)}.${spec.version}`;
  const name = `${base}.${spec.kind}`;
  const listName = `${base}.${listKind}`;
  const objectMeta = collector.add("V1ObjectMeta") ?? `${META}.ObjectMeta`;
  const listMeta = collector.add("V1ListMeta") ?? `${META}.ListMeta`;
  void graph;

  // The CRD's schema, with the parts the API server owns put in (as upstream's builder does).
  const given: Schema = spec.openAPIV3Schema ? structuredClone(spec.openAPIV3Schema) : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  const properties = { ...((given.properties as Record<string, Schema> | undefined) ?? {}) };
  properties.apiVersion = { type: "string" };
  properties.kind = { type: "string" };
  properties.metadata = ref(objectMeta);
  const schema: Schema = { ...given, type: "object", properties, "x-kubernetes-group-version-kind": [{ group: spec.group, kind: spec.kind, version: spec.version }] };
  collector.addSchema(name, schema);
  collector.addSchema(listName, {
    type: "object",
    required: ["items"],
    properties: { apiVersion: { type: "string" }, items: { type: "array", items: ref(name) }, kind: { type: "string" }, metadata: ref(listMeta) },
    "x-kubernetes-group-version-kind": [{ group: spec.group, kind: listKind, version: spec.version }],
  });

  const subresources: ResolvedSubresource[] = [];
  if (spec.subresources?.status !== undefined && spec.subresources.status !== null) {
    subresources.push({ name: "status", schema: name, gvk, verbs: SUB_VERBS });
  }
  if (spec.subresources?.scale !== undefined && spec.subresources.scale !== null) {
    const scale = collector.add("V1Scale");
    if (scale) {
      collector.addKind("V1Scale", SCALE_GVK);
      subresources.push({ name: "scale", schema: scale, gvk: SCALE_GVK, verbs: SUB_VERBS });
    }
  }
  return {
    gvk, plural: spec.plural, namespaced: spec.namespaced, verbs: spec.verbs ?? ALL_VERBS,
    schema: name, listSchema: listName, subresources, strategicMerge: false,
  };
}
