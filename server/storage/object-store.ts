/**
 * Objects by key, with the API's resourceVersion semantics (api-concepts "Resource versions";
 * ../shared/REFERENCES.md 1.1): reads come from the watch cache when the semantics allow it
 * (resourceVersion "0", "not older than", and consistent reads once the cache has caught up),
 * exact-revision reads and paginated lists from the datastore; writes go to the datastore, whose
 * change feed brings them back into the cache.
 */
import {
  type ConflictError,
  type Datastore,
  type FutureRevisionError,
  isDatastoreError,
  type KeyExistsError,
  type KeyNotFoundError,
} from "../../datastore/mod.ts";
import { badRequest, expired, tooLargeResourceVersion } from "../api/status.ts";
import { decodeContinue, encodeContinue, startToAfter } from "./continue-token.ts";
import { forStorage, type KubeObject, withResourceVersion } from "./object.ts";
import type { WatchCache } from "./watch-cache.ts";

export type ResourceVersionMatch = "" | "Exact" | "NotOlderThan";

export interface ReadOptions {
  resourceVersion?: string;
  signal?: AbortSignal;
}

export interface ListOptions extends ReadOptions {
  resourceVersionMatch?: ResourceVersionMatch;
  limit?: number;
  continue?: string;
  /** Only objects it accepts are returned (label and field selectors). */
  predicate?: (object: KubeObject) => boolean;
}

export interface ListOutcome {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** The object moved on: the caller's expected revision is stale. */
export class StaleRevisionError extends Error {
  readonly current: KubeObject;
  constructor(current: KubeObject) {
    super("stale resource version");
    this.current = current;
  }
}
export class ObjectExistsError extends Error {}
export class ObjectNotFoundError extends Error {}

/** How long a read "not older than N" waits for the cache to reach N before answering 504. */
const TOO_LARGE_RV_WAIT_MS = 3_000;

export function parseResourceVersion(rv: string | undefined, what = "resourceVersion"): number | undefined {
  if (rv === undefined || rv === "") return undefined;
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid ${what}: ${JSON.stringify(rv)}: must be a non-negative integer`);
  return Number(rv);
}

export class ObjectStore {
  readonly #ds: Datastore;
  readonly #cache: WatchCache;

  constructor(datastore: Datastore, cache: WatchCache) {
    this.#ds = datastore;
    this.#cache = cache;
  }

  get cache(): WatchCache {
    return this.#cache;
  }

  /** Waits for the cache to reach `revision`, up to 3 s, then 504 as upstream does. */
  async #cacheAtLeast(revision: number, signal?: AbortSignal): Promise<void> {
    if (revision <= this.#cache.revision) return;
    const timeout = AbortSignal.timeout(TOO_LARGE_RV_WAIT_MS);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      await this.#cache.waitForRevision(revision, combined);
    } catch {
      throw tooLargeResourceVersion(revision, this.#cache.revision);
    }
  }

  async get(key: string, options: ReadOptions = {}): Promise<KubeObject | undefined> {
    const rv = parseResourceVersion(options.resourceVersion);
    if (rv === undefined) await this.#cache.sync(options.signal);
    else if (rv > 0) await this.#cacheAtLeast(rv, options.signal);
    else await this.#cache.start();
    return this.#cache.get(key)?.object;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListOutcome> {
    const match = options.resourceVersionMatch ?? "";
    const rv = parseResourceVersion(options.resourceVersion);
    const limit = options.limit && options.limit > 0 ? options.limit : undefined;
    if (options.continue) {
      if (rv !== undefined && rv !== 0) throw badRequest("specifying resource version is not allowed when using continue");
      const position = decodeContinue(options.continue);
      return this.#listFromDatastore(prefix, position.revision > 0 ? position.revision : undefined, startToAfter(prefix, position.start), limit, options.predicate);
    }
    const exact = match === "Exact" || (match === "" && limit !== undefined && rv !== undefined && rv > 0);
    if (exact) return this.#listFromDatastore(prefix, rv, undefined, limit, options.predicate);
    if (limit !== undefined && rv === undefined) return this.#listFromDatastore(prefix, undefined, undefined, limit, options.predicate);
    // From the cache: "0" (any), not-older-than N, or a consistent read once caught up.
    if (rv === undefined) await this.#cache.sync(options.signal);
    else if (rv > 0) await this.#cacheAtLeast(rv, options.signal);
    else await this.#cache.start();
    const revision = this.#cache.revision;
    const items: KubeObject[] = [];
    for (const entry of this.#cache.list(prefix)) {
      if (!options.predicate || options.predicate(entry.object)) items.push(entry.object);
    }
    return { items, resourceVersion: String(revision) };
  }

  async #listFromDatastore(
    prefix: string,
    revision: number | undefined,
    after: string | undefined,
    limit: number | undefined,
    predicate: ((o: KubeObject) => boolean) | undefined,
  ): Promise<ListOutcome> {
    const items: KubeObject[] = [];
    let readAt = revision;
    let cursor = after;
    let more = false;
    try {
      // With a selector a page may filter down to less than `limit`: read on, as upstream does.
      for (;;) {
        const want = limit === undefined ? undefined : limit - items.length;
        const page = await this.#ds.list(prefix, { revision: readAt, limit: want, after: cursor });
        readAt = page.revision;
        for (const entry of page.items) {
          cursor = entry.key;
          const object = withResourceVersion(entry.value as KubeObject, entry.modRevision);
          if (!predicate || predicate(object)) items.push(object);
        }
        more = page.more;
        if (!page.more || limit === undefined || items.length >= limit) break;
      }
    } catch (err) {
      if (isDatastoreError(err, "Compacted")) {
        if (after !== undefined) {
          const fresh = encodeContinue(-1, after.slice(prefix.length));
          const e = expired(
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
          );
          (e as { continueToken?: string }).continueToken = fresh;
          throw e;
        }
        throw expired("The resourceVersion for the provided list is too old.");
      }
      if (isDatastoreError(err, "FutureRevision")) {
        throw tooLargeResourceVersion(revision ?? 0, (err as FutureRevisionError).currentRevision);
      }
      throw err;
    }
    const result: ListOutcome = { items, resourceVersion: String(readAt ?? 0) };
    if (more && cursor !== undefined) {
      result.continue = encodeContinue(readAt ?? 0, cursor.slice(prefix.length));
      if (!predicate) {
        const { count } = await this.#ds.count(prefix, { after: cursor });
        result.remainingItemCount = count;
      }
    }
    return result;
  }

  async create(key: string, object: KubeObject): Promise<KubeObject> {
    try {
      const entry = await this.#ds.create(key, forStorage(object));
      return withResourceVersion(entry.value as KubeObject, entry.modRevision);
    } catch (err) {
      if (isDatastoreError(err, "KeyExists")) throw new ObjectExistsError((err as KeyExistsError).key);
      throw err;
    }
  }

  /** Writes `object` if the stored one is still at `expectedRevision`. */
  async update(key: string, object: KubeObject, expectedRevision: number): Promise<KubeObject> {
    try {
      const entry = await this.#ds.update(key, forStorage(object), expectedRevision);
      return withResourceVersion(entry.value as KubeObject, entry.modRevision);
    } catch (err) {
      throw this.#writeError(err);
    }
  }

  /**
   * Read-modify-write until it sticks: `mutate` gets the current object (from the cache, then
   * from the datastore after a conflict) and returns the new one, or throws to give up.
   * Returns undefined from `mutate` to leave the object as it is.
   */
  async guaranteedUpdate(
    key: string,
    mutate: (current: KubeObject) => KubeObject | undefined | Promise<KubeObject | undefined>,
    options: { signal?: AbortSignal; attempts?: number } = {},
  ): Promise<{ object: KubeObject; changed: boolean }> {
    let current = await this.get(key, { resourceVersion: "0" });
    if (!current) current = await this.#fresh(key);
    const attempts = options.attempts ?? 16;
    for (let i = 0; ; i++) {
      if (!current) throw new ObjectNotFoundError(key);
      const next = await mutate(current);
      if (!next) return { object: current, changed: false };
      try {
        return { object: await this.update(key, next, Number(current.metadata.resourceVersion)), changed: true };
      } catch (err) {
        if (!(err instanceof StaleRevisionError) || i + 1 >= attempts) throw err;
        current = err.current;
      }
    }
  }

  async #fresh(key: string): Promise<KubeObject | undefined> {
    const entry = await this.#ds.get(key);
    return entry && withResourceVersion(entry.value as KubeObject, entry.modRevision);
  }

  async delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    try {
      const entry = await this.#ds.delete(key, expectedRevision);
      return withResourceVersion(entry.value as KubeObject, entry.modRevision);
    } catch (err) {
      throw this.#writeError(err);
    }
  }

  #writeError(err: unknown): unknown {
    if (isDatastoreError(err, "Conflict")) {
      const current = (err as ConflictError).current;
      return new StaleRevisionError(withResourceVersion(current.value as KubeObject, current.modRevision));
    }
    if (isDatastoreError(err, "KeyNotFound")) return new ObjectNotFoundError((err as KeyNotFoundError).key);
    return err;
  }
}

