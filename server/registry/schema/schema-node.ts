/**
 * The one question every patch engine asks of a schema: "at this place in the object, what shape
 * is the value and how does it merge?" Built-in kinds answer it from client-node's model graph
 * plus our patch metadata table (builtin-schema.ts); custom resources answer it from their CRD's
 * OpenAPI schema (openapi-schema.ts). The engines only see this interface.
 */
import type { FieldPatchMeta } from "./patch-metadata.ts";

/**
 * - `struct`: an object with declared fields (a model)
 * - `map`: an object whose keys are data (labels, `data` of a ConfigMap)
 * - `list`, `scalar`
 * - `untyped`: nothing known (RawExtension, unknown fields, CRDs without a schema): maps merge
 *   key by key, lists are atomic — structured-merge-diff's "deduced" type.
 */
export type Shape = "struct" | "map" | "list" | "scalar" | "untyped";

export interface SchemaNode {
  readonly shape: Shape;
  /** For messages: the model name, or a short description. */
  readonly name: string;
  /** The metadata declared on the field that holds this value (list strategy, keys, map type). */
  readonly meta: FieldPatchMeta;
  /** Whether apply owns this value as one field (atomic struct, map or list). */
  readonly atomic: boolean;
  /** struct: the declared field (undefined if none); map/untyped: the value type of any key. */
  field(name: string): SchemaNode | undefined;
  /** list: the element type; other shapes: untyped. */
  items(): SchemaNode;
}

const NO_META: FieldPatchMeta = Object.freeze({});

/** The deduced node: objects merge granularly, lists are atomic, nothing has patch metadata. */
export const UNTYPED: SchemaNode = Object.freeze({
  shape: "untyped" as const,
  name: "untyped",
  meta: NO_META,
  atomic: false,
  field: (): SchemaNode => UNTYPED,
  items: (): SchemaNode => UNTYPED,
});

/** A child field of any node; fields a struct does not declare are treated as untyped. */
export function childOf(node: SchemaNode, name: string): SchemaNode {
  return node.field(name) ?? UNTYPED;
}

/**
 * Walks a path of field names from a node: `["spec","template","spec","containers"]` from
 * V1Deployment gives the containers list (its `meta` holds strategy and merge key). At a list,
 * any segment steps into the element type (so `containers.0.env` or `containers.*.env` both work).
 */
export function resolvePath(root: SchemaNode, path: readonly string[]): SchemaNode {
  let node = root;
  for (const segment of path) node = node.shape === "list" ? node.items() : childOf(node, segment);
  return node;
}

/** The list type server-side apply uses: explicit, else deduced from a merge strategy as upstream's schemaconv does. */
export function effectiveListType(meta: FieldPatchMeta): { type: "atomic" | "set" | "map"; keys: readonly string[] } {
  if (meta.listType === "map") return { type: "map", keys: meta.listMapKeys ?? (meta.mergeKey ? [meta.mergeKey] : []) };
  if (meta.listType) return { type: meta.listType, keys: [] };
  if (meta.strategy?.split(",").includes("merge")) {
    return meta.mergeKey ? { type: "map", keys: [meta.mergeKey] } : { type: "set", keys: [] };
  }
  return { type: "atomic", keys: [] };
}
