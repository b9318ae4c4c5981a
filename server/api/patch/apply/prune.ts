/**
 * Removing owned paths from an object: what server-side apply does to the fields an applier
 * owned, no longer applies, and nobody else owns.
 */
import { childOf, effectiveListType, type SchemaNode } from "../../../registry/schema/schema-node.ts";
import { isObject, type Json, type JsonObject } from "../json-value.ts";
import type { FieldSet } from "./field-set.ts";
import { itemElement } from "./walk.ts";

/**
 * Removes every member path of `set` from `value` (mutated). The key fields of a list-map item
 * that stays are never removed: the item's identity is its path, not a field anyone owns apart.
 */
export function removePaths(value: Json, set: FieldSet, node: SchemaNode, keyFields: readonly string[] = []): void {
  if (Array.isArray(value)) {
    const element = node.items();
    const keys = effectiveListType(node.meta).type === "map" ? effectiveListType(node.meta).keys : [];
    for (let i = value.length - 1; i >= 0; i--) {
      const sub = set.children.get(itemElement(value[i]!, i, node));
      if (!sub) continue;
      if (sub.member) value.splice(i, 1);
      else removePaths(value[i]!, sub, element, keys);
    }
    return;
  }
  if (!isObject(value)) return;
  for (const [pe, sub] of set.children) {
    if (!pe.startsWith("f:")) continue;
    const field = pe.slice(2);
    if (!Object.hasOwn(value, field)) continue;
    if (sub.member) {
      if (!keyFields.includes(field)) delete (value as JsonObject)[field];
    } else removePaths(value[field]!, sub, childOf(node, field));
  }
}
