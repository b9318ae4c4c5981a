/**
 * JSON merge patch (RFC 7396, `application/merge-patch+json`): objects merge key by key, `null`
 * deletes a key, anything else (arrays included) replaces. kubectl uses it for custom resources
 * and `kubectl scale`; it needs no schema.
 */
import { clone, isObject, setKey, type Json, type JsonObject } from "./json-value.ts";

/** Applies `patch` to `target` without mutating either. A non-object patch replaces the target. */
export function applyMergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return clone(patch as Json);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else setKey(result, key, applyMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
  }
  return result;
}
