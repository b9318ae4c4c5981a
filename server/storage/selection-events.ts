/**
 * What a watcher with a selection (namespace, name, label and field selectors) sees of a change,
 * as kube-apiserver's cacher converts events (cache_watcher.go convertToWatchEvent): an object
 * that starts matching is ADDED, one that stops matching is DELETED (its previous state, with the
 * change's resourceVersion), and changes outside the selection are not seen at all.
 */
import type { KubeObject } from "./object.ts";
import type { CacheEvent } from "./watch-cache.ts";

export interface SelectedEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
}

export function selectEvent(e: CacheEvent, matches: (o: KubeObject) => boolean): SelectedEvent | undefined {
  if (e.type === "DELETED") return matches(e.object) ? { type: "DELETED", object: e.object } : undefined;
  const curOk = matches(e.object);
  const prevOk = e.type === "MODIFIED" && e.prevObject !== undefined && matches(e.prevObject);
  if (curOk) return { type: e.type === "ADDED" || prevOk ? e.type : "ADDED", object: e.object };
  if (prevOk) {
    return { type: "DELETED", object: { ...e.prevObject!, metadata: { ...e.prevObject!.metadata, resourceVersion: String(e.revision) } } };
  }
  return undefined;
}
