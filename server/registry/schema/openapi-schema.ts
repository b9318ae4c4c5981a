/**
 * SchemaNodes for custom resources, from a CRD version's `openAPIV3Schema` (structural schema):
 * `properties` make a struct, `additionalProperties` a map, `items` a list, and the
 * `x-kubernetes-list-type`/`-list-map-keys`/`-map-type`/`-preserve-unknown-fields` extensions
 * say how they merge, as upstream's CRD handler feeds them to structured-merge-diff.
 */
import type { FieldPatchMeta, ListType, MapType } from "./patch-metadata.ts";
import { UNTYPED, type SchemaNode } from "./schema-node.ts";

/** The subset of JSONSchemaProps that decides merging. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  "x-kubernetes-list-type"?: ListType;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: MapType;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  default?: unknown;
}

function metaOf(s: JsonSchema): FieldPatchMeta {
  const meta: { -readonly [K in keyof FieldPatchMeta]: FieldPatchMeta[K] } = {};
  if (s["x-kubernetes-list-type"]) meta.listType = s["x-kubernetes-list-type"];
  if (s["x-kubernetes-list-map-keys"]) meta.listMapKeys = s["x-kubernetes-list-map-keys"];
  if (s["x-kubernetes-map-type"]) meta.mapType = s["x-kubernetes-map-type"];
  const keys = meta.listMapKeys ?? [];
  const itemProps = s.items?.properties ?? {};
  const defaults: Record<string, string | number | boolean> = {};
  for (const k of keys) {
    const d = itemProps[k]?.default;
    if (typeof d === "string" || typeof d === "number" || typeof d === "boolean") defaults[k] = d;
  }
  if (Object.keys(defaults).length > 0) meta.keyDefaults = defaults;
  return meta;
}

/** A schema node over a CRD schema; `undefined` or an empty schema gives the untyped node. */
export function openApiSchema(schema: JsonSchema | undefined, name = "object"): SchemaNode {
  if (!schema) return UNTYPED;
  const meta = metaOf(schema);
  const atomic = meta.mapType === "atomic";
  if (schema.type === "array" || schema.items) {
    const element = openApiSchema(schema.items, `${name}[]`);
    return { shape: "list", name, meta, atomic: false, field: () => undefined, items: () => element };
  }
  if (schema.type === "object" || schema.properties || schema.additionalProperties) {
    const props = schema.properties ?? {};
    const extra = typeof schema.additionalProperties === "object" ? openApiSchema(schema.additionalProperties, `${name}.*`) : undefined;
    const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true || schema.additionalProperties === true;
    const cache = new Map<string, SchemaNode>();
    const isMap = !schema.properties && extra !== undefined;
    return {
      shape: isMap ? "map" : "struct",
      name,
      meta,
      atomic,
      field(key) {
        if (Object.hasOwn(props, key)) {
          let node = cache.get(key);
          if (!node) cache.set(key, (node = openApiSchema(props[key], key)));
          return node;
        }
        if (extra) return extra;
        return preserve ? UNTYPED : undefined;
      },
      items: () => UNTYPED,
    };
  }
  if (schema["x-kubernetes-preserve-unknown-fields"] || !schema.type) return Object.keys(meta).length ? { ...UNTYPED, meta } : UNTYPED;
  return { shape: "scalar", name, meta, atomic: false, field: () => undefined, items: () => UNTYPED };
}
