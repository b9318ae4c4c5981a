/**
 * The strategic merge patch vocabulary (apimachinery strategicpatch): directive keys a patch may
 * carry, their error messages, and the clean-up of values taken from a patch as they are.
 */
import { badRequest, patchNotApplicable } from "./errors.ts";
import { isObject, setKey, type Json, type JsonObject } from "./json-value.ts";

export const DIRECTIVE = "$patch";
export const RETAIN_KEYS = "$retainKeys";
export const SET_ELEMENT_ORDER = "$setElementOrder/";
export const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

export const isDirectiveKey = (k: string): boolean =>
  k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ELEMENT_ORDER) || k.startsWith(DELETE_FROM_PRIMITIVE_LIST);

// Upstream's format errors are 400 (interpretStrategicMergePatchError); content errors 422.
export const errSetElementOrderFormat = () => badRequest("invalid patch format of setElementOrder list");
export const errRetainKeysFormat = () => badRequest("invalid patch format of retainKeys");
export const errPrimitiveListFormat = () => badRequest("invalid patch format of primitive list");
export const errRetainKeysContent = () => patchNotApplicable("patch content doesn't match retainKeys list");
export const errListOfLists = () => patchNotApplicable("lists of lists are not supported");
export const errBadPatchType = (t: unknown, m: unknown) =>
  patchNotApplicable(`unknown patch type: ${String(t)} in map: ${JSON.stringify(m)}`);
export const errNoMergeKey = (m: unknown, key: string) =>
  patchNotApplicable(`map: ${JSON.stringify(m)} does not contain declared merge key: ${key}`);
// Upstream returns these as plain errors (a 500); they are the client's fault, so 422 here.
export const errMismatch = (message: string) => patchNotApplicable(message);

/**
 * A patch value stored where the original had nothing (or something of another type): upstream
 * drops its nulls (they have nothing to delete); we also drop directives, which would otherwise
 * be persisted as data (`$patch: delete` elements vanish, markers and parallel lists are removed).
 */
export function cleanPatchValue(v: Json): Json {
  if (Array.isArray(v)) {
    return v.filter((e) => !(isObject(e) && e[DIRECTIVE] === "delete")).map(cleanPatchValue);
  }
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || isDirectiveKey(k)) continue;
    setKey(out, k, cleanPatchValue(x));
  }
  return out;
}

/** Go's reflect kinds of decoded JSON, which upstream compares to decide merge vs replace. */
export function kindOf(v: unknown): "map" | "slice" | "string" | "number" | "bool" | "null" {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "slice";
  if (typeof v === "object") return "map";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  return "bool";
}
