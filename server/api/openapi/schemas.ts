/**
 * OpenAPI v3 component schemas for built-in kinds, generated from the model graph and the patch
 * metadata table, named as kube-apiserver names them (`io.k8s.api.core.v1.Pod`). Only the models
 * reachable from the roots are emitted, so that each group-version document stays small.
 *
 * Shapes follow upstream's v3 documents: object-valued properties are `allOf: [{$ref}]` when they
 * carry extensions, maps are `additionalProperties`, timestamps/quantities/int-or-string are refs
 * to apimachinery's components, and the merge facts are the `x-kubernetes-*` extensions that
 * kubectl (explain, apply) and server-side apply read. Descriptions are not carried (client-node's
 * runtime data has none).
 */
import type { FieldType, ModelGraph } from "../../registry/schema/model.ts";
import { isAtomicType, patchMetaFor } from "../../registry/schema/patch-metadata.ts";

export type Schema = Record<string, unknown>;

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const APIEXT = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1";

/** apimachinery's special types: names and v3 shapes. */
export const SPECIAL_SCHEMAS: Readonly<Record<string, Schema>> = {
  [`${META}.Time`]: { type: "string", format: "date-time" },
  [`${META}.MicroTime`]: { type: "string", format: "date-time" },
  [`${META}.FieldsV1`]: { type: "object" },
  [`${META}.Patch`]: { type: "object" },
  "io.k8s.apimachinery.pkg.api.resource.Quantity": { oneOf: [{ type: "string" }, { type: "number" }] },
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
    format: "int-or-string",
    oneOf: [{ type: "integer" }, { type: "string" }],
    "x-kubernetes-int-or-string": true,
  },
  "io.k8s.apimachinery.pkg.runtime.RawExtension": { type: "object" },
  [`${APIEXT}.JSON`]: { "x-kubernetes-preserve-unknown-fields": true },
  [`${APIEXT}.JSONSchemaPropsOrArray`]: { "x-kubernetes-preserve-unknown-fields": true },
  [`${APIEXT}.JSONSchemaPropsOrBool`]: { "x-kubernetes-preserve-unknown-fields": true },
  [`${APIEXT}.JSONSchemaPropsOrStringArray`]: { "x-kubernetes-preserve-unknown-fields": true },
};

const RAW_NAMES: Readonly<Record<string, string>> = {
  RawExtension: "io.k8s.apimachinery.pkg.runtime.RawExtension",
  FieldsV1: `${META}.FieldsV1`,
  JSON: `${APIEXT}.JSON`,
  JSONSchemaPropsOrArray: `${APIEXT}.JSONSchemaPropsOrArray`,
  JSONSchemaPropsOrBool: `${APIEXT}.JSONSchemaPropsOrBool`,
  JSONSchemaPropsOrStringArray: `${APIEXT}.JSONSchemaPropsOrStringArray`,
};

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** Collects component schemas for a set of root models (and everything they reach). */
export class SchemaCollector {
  readonly schemas = new Map<string, Schema>();
  readonly #graph: ModelGraph;
  readonly #gvks = new Map<string, GroupVersionKind[]>();
  readonly #done = new Set<string>();

  constructor(graph: ModelGraph) {
    this.#graph = graph;
  }

  /** Marks a model as a top-level kind: its schema gets `x-kubernetes-group-version-kind`. */
  addKind(model: string, gvk: GroupVersionKind): void {
    const list = this.#gvks.get(model) ?? [];
    if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) list.push(gvk);
    this.#gvks.set(model, list);
  }

  /** Adds the model and its closure; returns the component name, or undefined if unknown. */
  add(model: string): string | undefined {
    const root = this.#graph.model(model);
    if (!root) return undefined;
    const pending = [model];
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (this.#done.has(name)) continue;
      this.#done.add(name);
      const m = this.#graph.model(name);
      if (!m) continue;
      const properties: Record<string, Schema> = {};
      for (const prop of m.properties.values()) {
        properties[prop.name] = this.#property(name, prop.name, prop.type, pending);
      }
      const schema: Schema = { type: "object", properties };
      if (m.required.length > 0) schema.required = [...m.required];
      if (isAtomicType(name)) schema["x-kubernetes-map-type"] = "atomic";
      this.schemas.set(m.schemaName, schema);
    }
    return root.schemaName;
  }

  /** Adds a named special schema (Time, Quantity, Patch...). */
  addSpecial(name: string): string {
    if (!this.schemas.has(name) && Object.hasOwn(SPECIAL_SCHEMAS, name)) this.schemas.set(name, SPECIAL_SCHEMAS[name]!);
    return name;
  }

  /** Adds a schema generated elsewhere (custom resources). */
  addSchema(name: string, schema: Schema): void {
    this.schemas.set(name, schema);
  }

  /** The schemas, sorted by name, with GVK extensions applied. */
  finish(): Record<string, Schema> {
    for (const [model, gvks] of this.#gvks) {
      const name = this.#graph.model(model)?.schemaName;
      const schema = name ? this.schemas.get(name) : undefined;
      if (schema) {
        schema["x-kubernetes-group-version-kind"] = gvks.map((g) => ({ group: g.group, kind: g.kind, version: g.version }));
      }
    }
    return Object.fromEntries([...this.schemas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  #property(model: string, property: string, type: FieldType, pending: string[]): Schema {
    const schema = this.#type(type, pending);
    const meta = patchMetaFor(model, property);
    const ext: Schema = {};
    if (meta.listType) ext["x-kubernetes-list-type"] = meta.listType;
    if (meta.listMapKeys) ext["x-kubernetes-list-map-keys"] = [...meta.listMapKeys];
    if (meta.mapType) ext["x-kubernetes-map-type"] = meta.mapType;
    if (meta.mergeKey) ext["x-kubernetes-patch-merge-key"] = meta.mergeKey;
    if (meta.strategy) ext["x-kubernetes-patch-strategy"] = meta.strategy;
    if (Object.keys(ext).length === 0) return schema;
    // OpenAPI 3.0 ignores siblings of $ref, hence allOf (as upstream does).
    return "$ref" in schema ? { allOf: [schema], ...ext } : { ...schema, ...ext };
  }

  #type(type: FieldType, pending: string[]): Schema {
    switch (type.kind) {
      case "string":
        return type.format ? { type: "string", format: type.format } : { type: "string" };
      case "integer":
        return { type: "integer", format: type.format };
      case "number":
        return { type: "number", format: "double" };
      case "boolean":
        return { type: "boolean" };
      case "date-time":
        return ref(this.addSpecial(`${META}.${type.micro ? "MicroTime" : "Time"}`));
      case "int-or-string":
        return ref(this.addSpecial("io.k8s.apimachinery.pkg.util.intstr.IntOrString"));
      case "quantity":
        return ref(this.addSpecial("io.k8s.apimachinery.pkg.api.resource.Quantity"));
      case "raw":
        return type.of === "object" ? { type: "object" } : ref(this.addSpecial(RAW_NAMES[type.of]!));
      case "map":
        return { type: "object", additionalProperties: this.#type(type.of, pending) };
      case "array":
        return { type: "array", items: this.#type(type.of, pending) };
      case "object": {
        const m = this.#graph.model(type.model);
        if (!m) return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
        pending.push(type.model);
        return ref(m.schemaName);
      }
    }
  }
}
