/**
 * Merging an applied configuration into the live object (structured-merge-diff's Merge): the
 * configuration's values win; objects merge key by key; list-maps merge item by item on their
 * keys and sets by value, the configuration's order first with live-only items kept in place;
 * atomic lists and atomic structs/maps are replaced. Nothing is removed here: removal is the
 * prune step (prune.ts), which knows ownership.
 */
import { childOf, effectiveListType, type SchemaNode } from "../../../registry/schema/schema-node.ts";
import { clone, isObject, setKey, type Json, type JsonObject } from "../json-value.ts";
import { itemElement } from "./walk.ts";

export function mergeApplied(live: Json | undefined, config: Json, node: SchemaNode): Json {
  if (live === undefined) return stripNulls(clone(config));
  if (isObject(config) && isObject(live) && !node.atomic && node.shape !== "list" && node.shape !== "scalar") {
    const out = clone(live);
    for (const [k, v] of Object.entries(config)) {
      if (v === null) {
        delete out[k];
        continue;
      }
      setKey(out, k, mergeApplied(Object.hasOwn(out, k) ? out[k] : undefined, v, childOf(node, k)));
    }
    return out;
  }
  if (Array.isArray(config) && Array.isArray(live) && node.shape === "list" && effectiveListType(node.meta).type !== "atomic") {
    return mergeLists(live, config, node);
  }
  return stripNulls(clone(config));
}

function mergeLists(live: Json[], config: Json[], node: SchemaNode): Json[] {
  const liveKeys = live.map((item, i) => itemElement(item, i, node));
  const configKeys = config.map((item, i) => itemElement(item, i, node));
  const inConfig = new Map(configKeys.map((k, i) => [k, i]));
  const inLive = new Map(liveKeys.map((k, i) => [k, i]));
  const element = node.items();
  const out: Json[] = [];
  const emitted = new Set<string>();
  let next = 0; // next configuration item to emit
  const emitConfig = (upTo: number): void => {
    for (; next <= upTo; next++) {
      const k = configKeys[next]!;
      if (emitted.has(k)) continue;
      emitted.add(k);
      const at = inLive.get(k);
      out.push(mergeApplied(at === undefined ? undefined : live[at], config[next]!, element));
    }
  };
  liveKeys.forEach((k, i) => {
    const c = inConfig.get(k);
    if (c === undefined) {
      if (!emitted.has(k)) out.push(clone(live[i]!));
      emitted.add(k);
    } else emitConfig(c);
  });
  emitConfig(config.length - 1);
  return out;
}

function stripNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) setKey(out, k, stripNulls(x));
  return out;
}
