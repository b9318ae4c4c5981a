/**
 * What changed between two versions of an object, in owned-path terms (structured-merge-diff's
 * Compare): paths only in the new one are added, only in the old one removed, and leaves present
 * in both with different values modified.
 */
import type { SchemaNode } from "../../../registry/schema/schema-node.ts";
import { jsonEqual, type Json } from "../json-value.ts";
import { FieldSet } from "./field-set.ts";
import { walkFields } from "./walk.ts";

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

function leaves(value: Json, node: SchemaNode): { set: FieldSet; values: Map<string, { leaf: boolean; value: Json }> } {
  const set = new FieldSet();
  const values = new Map<string, { leaf: boolean; value: Json }>();
  walkFields(value, node, (p, v, leaf) => {
    set.insert(p);
    values.set(JSON.stringify(p), { leaf, value: v });
  });
  return { set, values };
}

export function compare(oldObj: Json, newObj: Json, node: SchemaNode): Comparison {
  const before = leaves(oldObj, node);
  const after = leaves(newObj, node);
  const modified = new FieldSet();
  for (const path of before.set.intersection(after.set).paths()) {
    const key = JSON.stringify(path);
    const a = before.values.get(key)!;
    const b = after.values.get(key)!;
    if ((a.leaf || b.leaf) && !jsonEqual(a.value, b.value)) modified.insert(path);
  }
  return { added: after.set.difference(before.set), modified, removed: before.set.difference(after.set) };
}
