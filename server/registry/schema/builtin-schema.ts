/**
 * SchemaNodes for built-in kinds: the type graph from client-node's models (through model.ts,
 * the one place that imports client-node) annotated with our patch metadata table.
 */
import type { FieldType, ModelGraph } from "./model.ts";
import { isAtomicType, patchMetaFor, type FieldPatchMeta } from "./patch-metadata.ts";
import { UNTYPED, type SchemaNode } from "./schema-node.ts";

const NO_META: FieldPatchMeta = Object.freeze({});

/** Builds schema nodes over one model graph; nodes are cached per (type, field metadata). */
export function builtinSchemas(graph: ModelGraph): { forModel(name: string): SchemaNode | undefined } {
  const structs = new Map<string, SchemaNode>();

  const struct = (model: string, meta: FieldPatchMeta): SchemaNode | undefined => {
    const cacheKey = meta === NO_META ? model : undefined;
    const hit = cacheKey ? structs.get(cacheKey) : undefined;
    if (hit) return hit;
    const m = graph.model(model);
    if (!m) return undefined;
    const fields = new Map<string, SchemaNode>();
    const node: SchemaNode = {
      shape: "struct",
      name: model,
      meta,
      atomic: isAtomicType(model) || meta.mapType === "atomic",
      field(name) {
        const cached = fields.get(name);
        if (cached) return cached;
        const prop = m.properties.get(name);
        if (!prop) return undefined;
        const child = fromType(prop.type, patchMetaFor(model, name));
        fields.set(name, child);
        return child;
      },
      items: () => UNTYPED,
    };
    if (cacheKey) structs.set(cacheKey, node);
    return node;
  };

  const fromType = (type: FieldType, meta: FieldPatchMeta): SchemaNode => {
    switch (type.kind) {
      case "object":
        return struct(type.model, meta) ?? UNTYPED;
      case "array": {
        const element = fromType(type.of, NO_META);
        return {
          shape: "list",
          name: `[]${element.name}`,
          meta,
          atomic: false,
          field: () => undefined,
          items: () => element,
        };
      }
      case "map": {
        const value = fromType(type.of, NO_META);
        return {
          shape: "map",
          name: `map[string]${value.name}`,
          meta,
          atomic: meta.mapType === "atomic",
          field: () => value,
          items: () => UNTYPED,
        };
      }
      case "raw":
        return meta === NO_META ? UNTYPED : { ...UNTYPED, meta };
      default:
        return { shape: "scalar", name: type.kind, meta, atomic: false, field: () => undefined, items: () => UNTYPED };
    }
  };

  return { forModel: (name) => struct(name, NO_META) };
}
