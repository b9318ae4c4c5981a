/**
 * What the cleanup finalizer waits for (apiextensions pkg/controller/finalizer): every custom
 * resource of a CRD being deleted is deleted — their own finalizers honoured, so some may
 * linger — and the outcome says how many remain, for the Terminating condition and a retry.
 */
import type { ResourceStore } from "../rest/resource-store.ts";
import type { WatchCache } from "../../storage/watch-cache.ts";

export interface CleanupOutcome {
  remaining: number;
  errors: string[];
}

export async function deleteInstances(store: ResourceStore, cache: WatchCache, signal?: AbortSignal): Promise<CleanupOutcome> {
  const errors: string[] = [];
  for (const { object } of cache.list(store.prefix())) {
    if (object.metadata.deletionTimestamp) continue;
    try {
      await store.delete(object.metadata.namespace, object.metadata.name!, {}, { signal });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) errors.push((err as Error).message);
    }
  }
  await cache.sync(signal);
  return { remaining: cache.list(store.prefix()).length, errors };
}
