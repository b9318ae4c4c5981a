/**
 * An informer over the watch cache: the matching objects of one prefix, kept current by a cache
 * subscription, with add/update/delete handlers. No copies: it holds the cache's own (immutable)
 * objects. When the cache resets (it lost its feed and reloaded), the informer relists from it
 * and tells its handlers what changed, as a client-go reflector does after a 410.
 */
import type { Informer, InformerHandlers, KubeObject as ClientObject } from "../../plugins/client.ts";
import type { KubeObject } from "../storage/object.ts";
import type { WatchCache } from "../storage/watch-cache.ts";
import { selectEvent } from "../storage/selection-events.ts";

export interface CacheInformerOptions {
  cache: WatchCache;
  prefix: string;
  predicate?: (o: KubeObject) => boolean;
  /** Sets apiVersion and kind on what handlers and readers get. */
  typed(o: KubeObject): ClientObject;
}

function keyOf(name: string, namespace?: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class CacheInformer<T extends ClientObject> implements Informer<T> {
  readonly #o: CacheInformerOptions;
  readonly #objects = new Map<string, T>();
  readonly #handlers = new Set<InformerHandlers<T>>();
  #started: Promise<void> | undefined;
  #synced = false;
  #unsubscribe: (() => void) | undefined;

  constructor(options: CacheInformerOptions) {
    this.#o = options;
  }

  get synced(): boolean {
    return this.#synced;
  }

  start(signal: AbortSignal): Promise<void> {
    this.#started ??= (async () => {
      await this.#o.cache.start();
      this.#load();
      signal.addEventListener("abort", () => {
        this.#unsubscribe?.();
        this.#unsubscribe = undefined;
        // A later start (a controller that regains leadership, or restarts) follows the cache again.
        this.#started = undefined;
        this.#synced = false;
      }, { once: true });
    })();
    return this.#started;
  }

  #matches(o: KubeObject): boolean {
    return !this.#o.predicate || this.#o.predicate(o);
  }

  /** (Re)reads the cache and subscribes from its revision, in one synchronous step. */
  #load(): void {
    const { cache, prefix } = this.#o;
    const seen = new Set<string>();
    for (const entry of cache.list(prefix)) {
      if (!this.#matches(entry.object)) continue;
      const object = this.#o.typed(entry.object) as T;
      const key = keyOf(object.metadata.name!, object.metadata.namespace);
      seen.add(key);
      const old = this.#objects.get(key);
      this.#objects.set(key, object);
      if (!old) this.#emit("add", object);
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) this.#emit("update", object, old);
    }
    for (const [key, old] of [...this.#objects]) {
      if (!seen.has(key)) {
        this.#objects.delete(key);
        this.#emit("delete", old);
      }
    }
    this.#unsubscribe = cache.subscribe(prefix, {
      deliver: (e) => {
        const selected = selectEvent(e, (o) => this.#matches(o));
        if (!selected) return;
        const object = this.#o.typed(selected.object) as T;
        const key = keyOf(object.metadata.name!, object.metadata.namespace);
        const old = this.#objects.get(key);
        if (selected.type === "DELETED") {
          this.#objects.delete(key);
          this.#emit("delete", old ?? object);
        } else {
          this.#objects.set(key, object);
          if (old) this.#emit("update", object, old);
          else this.#emit("add", object);
        }
      },
      end: (reason) => {
        this.#unsubscribe = undefined;
        // A reset cache reloads; follow it once it is back.
        if (reason === "reset") void cache.start().then(() => this.#load());
      },
    }, cache.revision);
    this.#synced = true;
  }

  #emit(kind: "add" | "update" | "delete", object: T, old?: T): void {
    for (const h of this.#handlers) {
      try {
        if (kind === "add") h.add?.(object);
        else if (kind === "update") h.update?.(old!, object);
        else h.delete?.(object);
      } catch {
        // A handler's failure is its own; the informer and the other handlers go on.
      }
    }
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#objects.get(keyOf(name, namespace));
  }

  list(namespace?: string): T[] {
    const all = [...this.#objects.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  on(handlers: InformerHandlers<T>): () => void {
    this.#handlers.add(handlers);
    for (const o of this.#objects.values()) handlers.add?.(o);
    return () => this.#handlers.delete(handlers);
  }
}
