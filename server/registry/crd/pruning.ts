/**
 * Pruning of unknown fields (apiextensions pkg/apiserver/schema/pruning): a field the
 * structural schema does not declare is dropped, unless the place allows anything
 * (`x-kubernetes-preserve-unknown-fields`, or an `additionalProperties` schema). At the root and
 * in embedded resources, `apiVersion`, `kind` and `metadata` always stay.
 */
import type { JSONSchemaProps } from "./types.ts";

const META_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

/** Removes unknown fields from `value` in place; returns their paths (`spec.foo`, `spec.list[0].x`). */
export function prune(value: unknown, schema: JSONSchemaProps | undefined, root = true): string[] {
  const removed: string[] = [];
  walk(value, schema, "", root, removed);
  return removed;
}

function walk(value: unknown, schema: JSONSchemaProps | undefined, path: string, root: boolean, removed: string[]): void {
  if (value === null || typeof value !== "object" || !schema) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, schema.items, `${path}[${i}]`, false, removed));
    return;
  }
  const obj = value as Record<string, unknown>;
  const keepMeta = root || schema["x-kubernetes-embedded-resource"] === true;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const props = schema.properties ?? {};
  const extra = typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
  for (const key of Object.keys(obj)) {
    const child = path ? `${path}.${key}` : key;
    if (keepMeta && META_FIELDS.has(key)) {
      // metadata is ObjectMeta: the generic registry owns it. apiVersion/kind are strings.
      continue;
    }
    if (Object.hasOwn(props, key)) walk(obj[key], props[key], child, false, removed);
    else if (extra) walk(obj[key], extra, child, false, removed);
    else if (schema.additionalProperties === true || preserve) continue;
    else {
      delete obj[key];
      removed.push(child);
    }
  }
}
