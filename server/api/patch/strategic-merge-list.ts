/**
 * Strategic merge of lists: primitive lists with the merge strategy are unions (finalizers),
 * lists of objects merge element by element on the merge key, `$patch: delete|replace` elements
 * act on the list, `$deleteFromPrimitiveList` removes values. The result's order follows the
 * patch for patched items and the live list for the rest, interleaved as upstream does
 * (design proposal "preserve order in strategic merge patch").
 */
import type { SchemaNode } from "../../registry/schema/schema-node.ts";
import {
  DIRECTIVE,
  errBadPatchType,
  errListOfLists,
  errMismatch,
  errNoMergeKey,
  kindOf,
} from "./strategic-directives.ts";
import { isObject, jsonEqual, type Json, type JsonObject } from "./json-value.ts";

export type MergeElement = (original: JsonObject, patch: JsonObject, node: SchemaNode) => JsonObject;

/** The one kind shared by all elements of the lists (maps or a scalar kind); errors on mixes. */
function elementKind(...lists: Json[][]): string | undefined {
  let kind: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (k === "slice") throw errListOfLists();
      if (kind === undefined) kind = k;
      else if (kind !== k) throw errMismatch(`list element types are not identical: ${JSON.stringify(lists)}`);
    }
  }
  return kind;
}

const sameElement = (a: Json, b: Json, mergeKey: string | undefined): boolean =>
  mergeKey && isObject(a) && isObject(b) ? Object.hasOwn(a, mergeKey) && Object.hasOwn(b, mergeKey) && jsonEqual(a[mergeKey], b[mergeKey]) : a === b;

const indexIn = (list: Json[], item: Json, mergeKey: string | undefined): number =>
  list.findIndex((x) => sameElement(x, item, mergeKey));

function dedupeScalars(list: Json[]): Json[] {
  const out: Json[] = [];
  for (const v of list) if (!out.includes(v)) out.push(v);
  return out;
}

/** Applies `$patch` elements: delete removes matching originals; replace drops the original list. */
function applySpecialElements(original: Json[], patch: Json[], mergeKey: string): [Json[], Json[]] {
  const plain: Json[] = [];
  let replace = false;
  for (const element of patch) {
    const e = element as JsonObject;
    if (!Object.hasOwn(e, DIRECTIVE)) {
      plain.push(element);
      continue;
    }
    switch (e[DIRECTIVE]) {
      case "delete":
        if (!Object.hasOwn(e, mergeKey)) throw errNoMergeKey(e, mergeKey);
        original = original.filter((o) => !(isObject(o) && Object.hasOwn(o, mergeKey) && jsonEqual(o[mergeKey], e[mergeKey])));
        break;
      case "replace":
        replace = true; // keep scanning: other `$patch` elements are dropped too
        break;
      case "merge":
        throw errMismatch("merging lists cannot yet be specified in the patch");
      default:
        throw errBadPatchType(e[DIRECTIVE], e);
    }
  }
  return replace ? [plain, []] : [original, plain];
}

export function partitionByPresence(merged: Json[], by: Json[], mergeKey: string | undefined): [Json[], Json[]] {
  const present: Json[] = [];
  const absent: Json[] = [];
  for (const v of merged) {
    if (mergeKey && !(isObject(v) && Object.hasOwn(v, mergeKey))) throw errNoMergeKey(v, mergeKey);
    (indexIn(by, v, mergeKey) >= 0 ? present : absent).push(v);
  }
  return [present, absent];
}

function sortByOrder(items: Json[], order: Json[], mergeKey: string | undefined): Json[] {
  const pos = (v: Json): number => {
    const i = indexIn(order, v, mergeKey);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return items.map((v, i) => ({ v, i, p: pos(v) })).sort((a, b) => a.p - b.p || a.i - b.i).map((x) => x.v);
}

/**
 * Sorts patch items by the patch (or $setElementOrder) order and server-only items by the live
 * order, then inserts each server-only item before the first patch item that comes after it in
 * the live list: patch order wins, live order fills in.
 */
export function normalizeOrder(patchItems: Json[], serverOnly: Json[], patchOrder: Json[], serverOrder: Json[], mergeKey: string | undefined): Json[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, mergeKey);
      const ri = indexIn(serverOrder, right[j]!, mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

/** Merges a list whose field has the merge strategy. */
export function mergeList(original: Json[], patch: Json[], node: SchemaNode, isDeleteList: boolean, mergeElement: MergeElement): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  const mergeKey = node.meta.mergeKey;
  let merged: Json[];
  if (kind !== "map") {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = dedupeScalars([...original, ...patch]);
  } else {
    if (!mergeKey) throw errMismatch(`cannot merge lists without merge key for ${node.name}`);
    [original, patch] = applySpecialElements(original, patch, mergeKey);
    merged = [...original];
    const element = node.items();
    for (const p of patch) {
      const pm = p as JsonObject;
      if (!Object.hasOwn(pm, mergeKey)) throw errNoMergeKey(pm, mergeKey);
      const at = merged.findIndex((o) => isObject(o) && Object.hasOwn(o, mergeKey) && jsonEqual(o[mergeKey], pm[mergeKey]));
      if (at >= 0) merged[at] = mergeElement(merged[at] as JsonObject, pm, element);
      else merged.push(mergeElement({}, pm, element));
    }
  }
  const key = kind === "map" ? mergeKey : undefined;
  const [patchItems, serverOnly] = partitionByPresence(merged, patch, key);
  return normalizeOrder(patchItems, serverOnly, patch, original, key);
}

/** Checks that the patch list's items appear in `$setElementOrder` and in the same relative order. */
export function validateSetElementOrder(patchList: Json[], order: Json[], mergeKey: string | undefined): void {
  let at = 0;
  for (const item of patchList) {
    if (isObject(item) && Object.hasOwn(item, DIRECTIVE)) continue;
    const i = indexIn(order, item, mergeKey);
    if (i < at) {
      throw errMismatch(`The order in patch list:\n${JSON.stringify(patchList)}\n doesn't match $setElementOrder list:\n${JSON.stringify(order)}`);
    }
    at = i + 1;
  }
}
