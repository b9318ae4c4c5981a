/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for built-in kinds: a JSON
 * merge patch that knows, from the schema, which lists merge and on which key. Semantics follow
 * apimachinery's strategicpatch (StrategicMergeMapPatch: parallel lists merged, unmatched nulls
 * ignored); kubectl's client-side apply and `kubectl patch` send these.
 */
import { childOf, type SchemaNode } from "../../registry/schema/schema-node.ts";
import { badRequest } from "./errors.ts";
import { clone, isObject, setKey, type Json, type JsonObject } from "./json-value.ts";
import {
  cleanPatchValue,
  DELETE_FROM_PRIMITIVE_LIST,
  DIRECTIVE,
  errBadPatchType,
  errPrimitiveListFormat,
  errRetainKeysContent,
  errRetainKeysFormat,
  errSetElementOrderFormat,
  kindOf,
  RETAIN_KEYS,
  SET_ELEMENT_ORDER,
} from "./strategic-directives.ts";
import { mergeList, normalizeOrder, partitionByPresence, validateSetElementOrder } from "./strategic-merge-list.ts";

/**
 * Applies `patch` to `original` (neither is mutated) using `schema`, the node of the root kind
 * (e.g. builtinSchemas(graph).forModel("V1Deployment")). Throws ApiError (400 for malformed
 * directives, 422 for patches that do not fit the object).
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, schema: SchemaNode): JsonObject {
  if (!isObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? "array" : typeof patch} into Go value of type map[string]interface {}`);
  }
  return mergeMap(isObject(original) ? clone(original) : {}, clone(patch), schema);
}

const strategies = (node: SchemaNode): string[] => node.meta.strategy?.split(",") ?? [];

/** Merges `patch` into `original` (both owned by us: mutated freely). */
function mergeMap(original: JsonObject, patch: JsonObject, node: SchemaNode): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === "replace") {
      delete patch[DIRECTIVE];
      return cleanPatchValue(patch) as JsonObject;
    }
    if (directive === "delete") return {};
    throw errBadPatchType(directive, patch);
  }
  applyRetainKeys(original, patch);
  mergeOrderedLists(original, patch, node);

  for (const [patchKey, value] of Object.entries(patch)) {
    let key = patchKey;
    let isDeleteList = false;
    if (patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      key = patchKey.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      isDeleteList = true;
      if (!Array.isArray(value)) throw errPrimitiveListFormat();
    }
    if (value === null) {
      delete original[key];
      continue;
    }
    const has = Object.hasOwn(original, key);
    if (!has || kindOf(original[key]) !== kindOf(value)) {
      // Nothing to merge with: take the patch's value (a deletion list has nothing to delete).
      if (!isDeleteList) setKey(original, key, cleanPatchValue(value));
      continue;
    }
    const child = childOf(node, key);
    const current = original[key]!;
    if (isObject(current)) {
      setKey(original, key, strategies(child).includes("replace") ? cleanPatchValue(value) : mergeMap(current, value as JsonObject, child));
    } else if (Array.isArray(current)) {
      setKey(original, key, mergeListField(current, value as Json[], child, isDeleteList));
    } else {
      setKey(original, key, value);
    }
  }
  return original;
}

function mergeListField(original: Json[], patch: Json[], node: SchemaNode, isDeleteList: boolean): Json[] {
  // A deletion list always deletes; upstream would replace a non-merging list by it, which no
  // client means (kubectl only sends them for merging primitive lists).
  if (strategies(node).includes("merge") || isDeleteList) return mergeList(original, patch, node, isDeleteList, mergeMap);
  return cleanPatchValue(patch) as Json[];
}

/** `$retainKeys`: keys of the original not in the list are cleared (volume sources, update strategies). */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw errRetainKeysFormat();
  const keep = new Set(list.map(String));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw errRetainKeysContent();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/**
 * `$setElementOrder/<field>`: merges that field's patch list (if any) and orders the result by
 * the directive, live-only items interleaved by their live position. Consumes both keys.
 */
function mergeOrderedLists(original: JsonObject, patch: JsonObject, node: SchemaNode): void {
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    if (!Array.isArray(order)) throw errSetElementOrderFormat();
    const field = directiveKey.slice(SET_ELEMENT_ORDER.length);
    const inOriginal = Object.hasOwn(original, field);
    const inPatch = Object.hasOwn(patch, field);
    const originalList = inOriginal ? original[field] : [];
    const patchList = inPatch ? patch[field] : [];
    if (!Array.isArray(originalList) || !Array.isArray(patchList)) throw errSetElementOrderFormat();
    const child = childOf(node, field);
    const mergeKey = child.meta.mergeKey;
    validateSetElementOrder(patchList, order, mergeKey);
    let merged: Json[];
    if (inOriginal && !inPatch) merged = originalList;
    else if (!inOriginal && inPatch) merged = cleanPatchValue(patchList) as Json[];
    else if (inOriginal && inPatch) merged = mergeListField(originalList, patchList, child, false);
    else continue;
    const isMaps = merged.some(isObject) ? mergeKey : undefined;
    const [patchItems, serverOnly] = partitionByPresence(merged, order, isMaps);
    setKey(original, field, normalizeOrder(patchItems, serverOnly, order, originalList, isMaps));
    delete patch[field];
  }
}
