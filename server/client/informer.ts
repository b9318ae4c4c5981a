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
import { InformerStore } from "../../plugins/kit/informer-store.ts";

export interface CacheInformerOptions {
  cache: WatchCache;
  prefix: string;
  predicate?: (o: KubeObject) => boolean;
  /** Sets apiVersion and kind on what handlers and readers get. */
  typed(o: KubeObject): ClientObject;
}

export class CacheInformer<T extends ClientObject> implements Informer<T> {
  readonly #o: CacheInformerOptions;
  readonly #store = new InformerStore<T>();
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
    const listed: T[] = [];
    for (const entry of cache.list(prefix)) if (this.#matches(entry.object)) listed.push(this.#o.typed(entry.object) as T);
    this.#store.replace(listed);
    this.#unsubscribe = cache.subscribe(prefix, {
      deliver: (e) => {
        const selected = selectEvent(e, (o) => this.#matches(o));
        if (!selected) return;
        this.#store.apply(selected.type, this.#o.typed(selected.object) as T);
      },
      end: (reason) => {
        this.#unsubscribe = undefined;
        // A reset cache reloads; follow it once it is back.
        if (reason === "reset") void cache.start().then(() => this.#load());
      },
    }, cache.revision);
    this.#synced = true;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#store.get(name, namespace);
  }

  list(namespace?: string): T[] {
    return this.#store.list(namespace);
  }

  on(handlers: InformerHandlers<T>): () => void {
    return this.#store.on(handlers);
  }
}
