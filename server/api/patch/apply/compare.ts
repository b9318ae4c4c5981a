/**
 * What changed between two versions of an object, in owned-path terms (structured-merge-diff's
 * Compare): paths only in the new one are added, only in the old one removed, and leaves present
 * in both with different values modified.
 *
 * Both versions are walked together, and a field whose value is the same in both (the same
 * reference, or equal as JSON) is skipped whole: it yields the same paths with the same values on
 * both sides, so it can add, remove or modify nothing. Most writes change a few fields of a large
 * object (a status condition, a nodeName), so only those fields are walked path by path. Where
 * the two sides are walked differently (a list's items, a value that changed shape), the
 * subtree falls back to the full comparison of both walks.
 */
import { childOf, UNTYPED, type SchemaNode } from "../../../registry/schema/schema-node.ts";
import { isObject, jsonEqual, type Json, type JsonObject } from "../json-value.ts";
import { FieldSet, type PathElement } from "./field-set.ts";
import { walkFields } from "./walk.ts";

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

interface Visited {
  set: FieldSet;
  values: Map<string, { leaf: boolean; value: Json }>;
}

function visited(): Visited {
  return { set: new FieldSet(), values: new Map() };
}

function collect(into: Visited) {
  return (p: readonly PathElement[], v: Json, leaf: boolean) => {
    into.set.insert(p);
    into.values.set(JSON.stringify(p), { leaf, value: v });
  };
}

/** The full comparison of two walks of the same region (disjoint from every other region). */
function compareWalks(before: Visited, after: Visited, out: Comparison): void {
  for (const path of before.set.intersection(after.set).paths()) {
    const key = JSON.stringify(path);
    const a = before.values.get(key)!;
    const b = after.values.get(key)!;
    if ((a.leaf || b.leaf) && !jsonEqual(a.value, b.value)) out.modified.insert(path);
  }
  for (const path of after.set.difference(before.set).paths()) out.added.insert(path);
  for (const path of before.set.difference(after.set).paths()) out.removed.insert(path);
}

/** An object walkFields walks field by field (not owned as a whole). */
function walkedByField(value: Json, node: SchemaNode): value is JsonObject {
  return isObject(value) && !(node.atomic || node.shape === "list" || node.shape === "scalar");
}

/** How walkFields treats one field of such an object: see its loop. */
function fieldRoute(v: Json, declared: SchemaNode | undefined, child: SchemaNode): "leaf" | "member" | "walk" {
  if (v === null || (isObject(v) && Object.keys(v).length === 0)) return "leaf";
  if (isObject(v) && !declared && !child.atomic) return "member";
  return "walk";
}

/** The visits walkFields makes for field `key` holding `v` (one iteration of its loop). */
function walkField(v: Json, key: string, node: SchemaNode, path: PathElement[], visit: ReturnType<typeof collect>): void {
  const p = [...path, `f:${key}`];
  const declared = node.shape === "struct" ? node.field(key) : undefined;
  const child = node.shape === "struct" ? (declared ?? UNTYPED) : childOf(node, key);
  const route = fieldRoute(v, declared, child);
  if (route === "leaf") visit(p, v, true);
  else if (route === "member") {
    visit(p, v, false);
    walkFields(v, child, visit, p);
  } else walkFields(v, child, visit, p);
}

/** Compares two values at `path` (what walkFields(value, node, path) visits on each side). */
function compareValues(a: Json, b: Json, node: SchemaNode, path: PathElement[], out: Comparison): void {
  if (a === b) return;
  if (walkedByField(a, node) && walkedByField(b, node)) return compareFields(a, b, node, path, out);
  if (jsonEqual(a, b)) return;
  const before = visited();
  const after = visited();
  walkFields(a, node, collect(before), path);
  walkFields(b, node, collect(after), path);
  compareWalks(before, after, out);
}

function compareFields(a: JsonObject, b: JsonObject, node: SchemaNode, path: PathElement[], out: Comparison): void {
  const seen = (key: string, inA: boolean, inB: boolean) => {
    const va = inA ? a[key]! : undefined;
    const vb = inB ? b[key]! : undefined;
    if (inA && inB) {
      if (va === vb) return;
      const declared = node.shape === "struct" ? node.field(key) : undefined;
      const child = node.shape === "struct" ? (declared ?? UNTYPED) : childOf(node, key);
      const ra = fieldRoute(va!, declared, child);
      const rb = fieldRoute(vb!, declared, child);
      // Same route on both sides: the field's own member visit (if any) is non-leaf on both
      // sides, so it is neither added, removed nor modified; what lies under it decides.
      if (ra === rb && ra !== "leaf") return compareValues(va!, vb!, child, [...path, `f:${key}`], out);
      if (jsonEqual(va, vb)) return;
    }
    const before = visited();
    const after = visited();
    if (inA) walkField(va!, key, node, path, collect(before));
    if (inB) walkField(vb!, key, node, path, collect(after));
    compareWalks(before, after, out);
  };
  for (const key of Object.keys(a)) seen(key, true, Object.hasOwn(b, key));
  for (const key of Object.keys(b)) if (!Object.hasOwn(a, key)) seen(key, false, true);
}

export function compare(oldObj: Json, newObj: Json, node: SchemaNode): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareValues(oldObj, newObj, node, [], out);
  return out;
}
