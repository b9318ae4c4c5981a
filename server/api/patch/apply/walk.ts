/**
 * Walks an object with its schema and reports every path server-side apply can own, as
 * structured-merge-diff's ToFieldSet does: scalars, atomic values, empty objects and nulls are
 * leaves; list-map and set items are members themselves (`k:`/`v:`) and list-map items are
 * walked into; struct fields holding objects are not members (their leaves are).
 */
import { childOf, effectiveListType, UNTYPED, type SchemaNode } from "../../../registry/schema/schema-node.ts";
import type { FieldPatchMeta } from "../../../registry/schema/patch-metadata.ts";
import { isObject, type Json } from "../json-value.ts";
import { FieldSet, type FieldPath, type PathElement } from "./field-set.ts";

/** `leaf`: the value is owned as a whole (compared by value); otherwise its parts are walked too. */
export type Visit = (path: FieldPath, value: Json, leaf: boolean) => void;

/** The path element of a list item: its key fields for list-maps, its value for sets. */
export function itemElement(item: Json, index: number, node: SchemaNode): PathElement {
  const lt = effectiveListType(node.meta);
  if (lt.type === "set") return `v:${JSON.stringify(item)}`;
  if (lt.type === "map" && isObject(item)) {
    const key = itemKey(item, lt.keys, node.meta);
    if (key) return `k:${key}`;
  }
  return `i:${index}`;
}

/** `{"containerPort":80,"protocol":"TCP"}`: the key fields, sorted by name, defaults filled in. */
export function itemKey(item: Record<string, Json>, keys: readonly string[], meta: FieldPatchMeta): string | undefined {
  const parts: [string, Json][] = [];
  for (const k of [...keys].sort()) {
    if (Object.hasOwn(item, k) && item[k] !== null) parts.push([k, item[k]!]);
    else if (meta.keyDefaults && Object.hasOwn(meta.keyDefaults, k)) parts.push([k, meta.keyDefaults[k]!]);
  }
  if (parts.length === 0) return undefined;
  return JSON.stringify(Object.fromEntries(parts));
}

export function walkFields(value: Json, node: SchemaNode, visit: Visit, path: PathElement[] = []): void {
  if (Array.isArray(value)) {
    const lt = node.shape === "list" ? effectiveListType(node.meta).type : "atomic";
    if (lt === "atomic") return visit(path, value, true);
    const element = node.items();
    value.forEach((item, i) => {
      const p = [...path, itemElement(item, i, node)];
      if (lt === "set" || !isObject(item)) return visit(p, item, true);
      visit(p, item, false);
      walkFields(item, element, visit, p);
    });
    return;
  }
  if (isObject(value)) {
    if (node.atomic || node.shape === "list" || node.shape === "scalar") return visit(path, value, true);
    for (const [key, v] of Object.entries(value)) {
      const p = [...path, `f:${key}`];
      const declared = node.shape === "struct" ? node.field(key) : undefined;
      const child = node.shape === "struct" ? (declared ?? UNTYPED) : childOf(node, key);
      const empty = v === null || (isObject(v) && Object.keys(v).length === 0);
      if (empty) visit(p, v, true);
      else if (isObject(v) && !declared && !child.atomic) {
        // A map entry (or undeclared field) holding an object: the entry is a member too.
        visit(p, v, false);
        walkFields(v, child, visit, p);
      } else walkFields(v, child, visit, p);
    }
    return;
  }
  visit(path, value, true);
}

/** The set of paths an object sets (what an applied configuration claims). */
export function fieldSetOf(value: Json, node: SchemaNode): FieldSet {
  const set = new FieldSet();
  walkFields(value, node, (p) => set.insert(p));
  return set;
}
