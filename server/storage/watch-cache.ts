/**
 * The watch cache: one change feed from the datastore, fanned out to every watcher, and the
 * current state of every resource held in memory so that GET and LIST at resourceVersion "0"
 * (and consistent reads, once the cache has caught up) never touch the datastore.
 *
 * It follows the whole keyspace (not only /registry/) so that its revision tracks the
 * datastore's: a consistent read waits until the cache has seen the datastore's current
 * revision, which would never happen if writes outside /registry/ were skipped.
 *
 * Each resource keeps a window of recent events; a watch from a revision older than the window
 * gets TooOldResourceVersionError, which the API turns into 410 Expired and clients answer by
 * relisting — what kube-apiserver's watch cache does.
 */
import type { Datastore, WatchEvent } from "../../datastore/mod.ts";
import type { Logger } from "../../plugins/mod.ts";
import { resourcePrefixOfKey } from "./keys.ts";
import { withResourceVersion, type KubeObject } from "./object.ts";

export type CacheEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface CacheEvent {
  type: CacheEventType;
  key: string;
  revision: number;
  /** The object after the change; for DELETED its last state, with the delete's revision. */
  object: KubeObject;
  /** The object before the change (absent for ADDED). */
  prevObject?: KubeObject;
  /** When the cache saw it (ms since epoch), for trimming the window by age. */
  seenAt: number;
}

export interface CachedObject {
  key: string;
  revision: number;
  object: KubeObject;
}

export interface WatchCacheOptions {
  /** Events kept per resource for watches that start in the past. */
  maxEventsPerResource?: number;
  /** Events older than this (ms) are dropped from the window, as long as `minEvents` remain. */
  maxEventAgeMs?: number;
  /** Page size of the initial load. */
  loadPageSize?: number;
}

export class TooOldResourceVersionError extends Error {
  readonly requested: number;
  readonly oldest: number;
  constructor(requested: number, oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
    this.requested = requested;
    this.oldest = oldest;
  }
}

/** A subscriber: `deliver` gets every event in revision order; `end` once, when the cache stops or restarts. */
export interface CacheSubscriber {
  deliver(event: CacheEvent): void;
  end(reason: "stopped" | "reset"): void;
}

class ResourceCache {
  readonly objects = new Map<string, CachedObject>();
  /** Recent events, oldest first. */
  readonly events: CacheEvent[] = [];
  /** Every event after this revision is in `events`. */
  windowStart: number;
  readonly subscribers = new Map<CacheSubscriber, string>();

  constructor(windowStart: number) {
    this.windowStart = windowStart;
  }
}

interface Waiter {
  revision: number;
  resolve(): void;
}

export class WatchCache {
  readonly #datastore: Datastore;
  readonly #log: Logger;
  readonly #maxEvents: number;
  readonly #maxAgeMs: number;
  readonly #pageSize: number;
  readonly #resources = new Map<string, ResourceCache>();
  #revision = 0;
  #startRevision = 0;
  #waiters: Waiter[] = [];
  #abort = new AbortController();
  #ready: Promise<void> | undefined;
  #stopped = false;

  constructor(datastore: Datastore, log: Logger, options: WatchCacheOptions = {}) {
    this.#datastore = datastore;
    this.#log = log;
    this.#maxEvents = options.maxEventsPerResource ?? 10_000;
    this.#maxAgeMs = options.maxEventAgeMs ?? 5 * 60_000;
    this.#pageSize = options.loadPageSize ?? 1_000;
  }

  /** The last revision the cache has applied. */
  get revision(): number {
    return this.#revision;
  }

  /** Loads current state and starts following the feed; resolves once loaded. */
  start(): Promise<void> {
    this.#ready ??= this.#load();
    return this.#ready;
  }

  async #load(): Promise<void> {
    const revision = await this.#datastore.currentRevision();
    let after: string | undefined;
    let loaded = 0;
    for (;;) {
      const page = await this.#datastore.list("", { revision, limit: this.#pageSize, after });
      for (const entry of page.items) {
        const prefix = resourcePrefixOfKey(entry.key);
        if (!prefix) continue;
        const object = withResourceVersion(entry.value as KubeObject, entry.modRevision);
        this.#resource(prefix, revision).objects.set(entry.key, { key: entry.key, revision: entry.modRevision, object });
        loaded++;
      }
      if (!page.more || page.items.length === 0) break;
      after = page.items[page.items.length - 1].key;
    }
    this.#revision = revision;
    this.#startRevision = revision;
    for (const r of this.#resources.values()) r.windowStart = revision;
    this.#log.info("watch cache loaded", { objects: loaded, revision });
    void this.#follow(revision, this.#abort.signal);
  }

  async #follow(fromRevision: number, signal: AbortSignal): Promise<void> {
    try {
      for await (const event of this.#datastore.watch("", { fromRevision, signal })) this.#apply(event);
      if (!this.#stopped) throw new Error("the datastore's change feed ended");
    } catch (err) {
      if (this.#stopped || signal.aborted) return;
      // The feed broke (the datastore restarted, or we fell behind its compaction): reload from
      // scratch and tell every watcher to start over, as a 410 makes clients relist.
      this.#log.warn("watch cache lost the change feed; reloading", { error: err });
      this.#reset();
      this.#ready = this.#load();
      await this.#ready.catch((e) => this.#log.error("watch cache reload failed", { error: e }));
    }
  }

  #reset(): void {
    for (const r of this.#resources.values()) {
      for (const s of r.subscribers.keys()) s.end("reset");
    }
    this.#resources.clear();
  }

  #resource(prefix: string, windowStart = this.#revision): ResourceCache {
    let r = this.#resources.get(prefix);
    if (!r) {
      r = new ResourceCache(Math.max(windowStart, this.#startRevision));
      this.#resources.set(prefix, r);
    }
    return r;
  }

  #apply(event: WatchEvent): void {
    this.#revision = event.revision;
    const prefix = resourcePrefixOfKey(event.key);
    if (prefix) {
      // A resource first written now has had no event since the cache started.
      const r = this.#resource(prefix, this.#startRevision);
      // The previous state is usually the object the cache already holds (same revision): share it
      // rather than keep a second decoded copy in the event window.
      // (prevValue is read last: a driver may decode it only when asked.)
      const held = r.objects.get(event.key);
      const prev = event.type === "create"
        ? undefined
        : held && event.prevRevision !== undefined && held.revision === event.prevRevision
          ? held.object
          : event.prevValue === undefined
            ? undefined
            : withResourceVersion(event.prevValue as KubeObject, event.prevRevision ?? 0);
      let cacheEvent: CacheEvent;
      if (event.type === "delete") {
        r.objects.delete(event.key);
        const last = withResourceVersion(event.prevValue as KubeObject, event.revision);
        cacheEvent = { type: "DELETED", key: event.key, revision: event.revision, object: last, prevObject: prev, seenAt: Date.now() };
      } else {
        const object = withResourceVersion(event.value as KubeObject, event.revision);
        r.objects.set(event.key, { key: event.key, revision: event.revision, object });
        cacheEvent = {
          type: event.type === "create" ? "ADDED" : "MODIFIED",
          key: event.key,
          revision: event.revision,
          object,
          prevObject: prev,
          seenAt: Date.now(),
        };
      }
      this.#remember(r, cacheEvent);
      for (const [subscriber, subPrefix] of r.subscribers) {
        if (event.key.startsWith(subPrefix)) subscriber.deliver(cacheEvent);
      }
    }
    this.#wakeWaiters();
  }

  #remember(r: ResourceCache, event: CacheEvent): void {
    r.events.push(event);
    // Trimming shifts the whole array, so it waits for some slack: the window may hold up to an
    // eighth more events than maxEvents and events up to a second older than maxAge (never fewer
    // than before), and a busy resource pays one shift per maxEvents/8 events, not one per event.
    const slack = Math.floor(this.#maxEvents / 8);
    const cutoff = event.seenAt - this.#maxAgeMs;
    const ageSlack = slack > 0 ? 1000 : 0;
    if (r.events.length <= this.#maxEvents + slack && !(r.events[0].seenAt < cutoff - ageSlack)) return;
    let drop = 0;
    while (
      drop < r.events.length &&
      (r.events.length - drop > this.#maxEvents || r.events[drop].seenAt < cutoff)
    ) drop++;
    if (drop > 0) {
      r.windowStart = r.events[drop - 1].revision;
      r.events.splice(0, drop);
    }
  }

  #wakeWaiters(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.revision <= this.#revision) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }

  /** Resolves once the cache has applied `revision` (or rejects when `signal` aborts). */
  waitForRevision(revision: number, signal?: AbortSignal): Promise<void> {
    if (revision <= this.#revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { revision, resolve };
      this.#waiters.push(waiter);
      signal?.addEventListener("abort", () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Waits until the cache reflects every write the datastore has committed so far. */
  async sync(signal?: AbortSignal): Promise<number> {
    await this.start();
    const current = await this.#datastore.currentRevision();
    await this.waitForRevision(current, signal);
    return this.#revision;
  }

  get(key: string): CachedObject | undefined {
    const prefix = resourcePrefixOfKey(key);
    return prefix ? this.#resources.get(prefix)?.objects.get(key) : undefined;
  }

  /**
   * Current objects under `prefix` (a resource prefix or a namespace prefix within one), in key
   * order, read at `this.revision`.
   */
  list(prefix: string): CachedObject[] {
    const resourcePrefix = resourcePrefixOfKey(prefix.endsWith("/") ? `${prefix}x` : prefix) ?? prefix;
    const r = this.#resources.get(resourcePrefix);
    if (!r) return [];
    const out: CachedObject[] = [];
    for (const entry of r.objects.values()) if (entry.key.startsWith(prefix)) out.push(entry);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  /**
   * Follows changes under `prefix` after `fromRevision` (default: the cache's revision). Events
   * between `fromRevision` and now are delivered before this returns. Throws
   * TooOldResourceVersionError when they are no longer in the window.
   */
  subscribe(prefix: string, subscriber: CacheSubscriber, fromRevision = this.#revision): () => void {
    if (this.#stopped) {
      subscriber.end("stopped");
      return () => {};
    }
    const resourcePrefix = resourcePrefixOfKey(prefix.endsWith("/") ? `${prefix}x` : prefix);
    if (!resourcePrefix) throw new Error(`not a resource prefix: ${prefix}`);
    const r = this.#resource(resourcePrefix);
    if (fromRevision < r.windowStart) throw new TooOldResourceVersionError(fromRevision, r.windowStart);
    if (fromRevision < this.#revision) {
      for (const event of r.events) {
        if (event.revision > fromRevision && event.key.startsWith(prefix)) subscriber.deliver(event);
      }
    }
    r.subscribers.set(subscriber, prefix);
    return () => {
      r.subscribers.delete(subscriber);
    };
  }

  /** Watchers currently subscribed, for metrics and tests. */
  subscriberCount(): number {
    let n = 0;
    for (const r of this.#resources.values()) n += r.subscribers.size;
    return n;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    for (const r of this.#resources.values()) {
      for (const s of r.subscribers.keys()) s.end("stopped");
      r.subscribers.clear();
    }
  }
}
