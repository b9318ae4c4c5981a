/**
 * Defaulting from a structural schema (apiextensions pkg/apiserver/schema/defaulting): a
 * property that is missing, or null where null is not allowed, takes a deep copy of its
 * schema's `default`; defaults apply top-down, so a defaulted object gets its own properties'
 * defaults too. A null in a non-nullable field without default is dropped
 * (PruneNonNullableNullsWithoutDefaults), so that validation never sees it.
 */
import type { JSONSchemaProps } from "./types.ts";

export function applyDefaults(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (value === null || typeof value !== "object" || !schema) return;
  if (Array.isArray(value)) {
    if (schema.items) {
      for (let i = 0; i < value.length; i++) {
        if (value[i] === null && !schema.items.nullable && schema.items.default !== undefined) value[i] = structuredClone(schema.items.default);
        applyDefaults(value[i], schema.items);
      }
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const present = Object.hasOwn(obj, key);
    if (present && obj[key] === null && !prop.nullable) {
      if (prop.default !== undefined) obj[key] = structuredClone(prop.default);
      else delete obj[key];
    } else if (!present && prop.default !== undefined) {
      obj[key] = structuredClone(prop.default);
    }
    if (Object.hasOwn(obj, key)) applyDefaults(obj[key], prop);
  }
  if (typeof schema.additionalProperties === "object") {
    const extra = schema.additionalProperties;
    for (const key of Object.keys(obj)) {
      if (schema.properties && Object.hasOwn(schema.properties, key)) continue;
      if (obj[key] === null && !extra.nullable && extra.default !== undefined) obj[key] = structuredClone(extra.default);
      applyDefaults(obj[key], extra);
    }
  }
}
