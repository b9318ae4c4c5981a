/**
 * An informer over HTTPS, as client-go's reflector: list (paged), then watch from the list's
 * resourceVersion; a 410 (the version was compacted away) relists at once and tells the handlers
 * what changed in between; other failures relist after a growing pause. Same contract as the
 * in-process informer: handlers get an `add` per cached object, then every change.
 */
import type { Informer, InformerHandlers, InformerOptions, KubeObject, WatchEvent } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import type { RemoteResource } from "./remote.ts";
import { RetryDelay } from "./retry-delay.ts";

function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!;
}

export class RemoteInformer<T extends KubeObject> implements Informer<T> {
  readonly #resource: RemoteResource<T>;
  readonly #options: InformerOptions;
  readonly #log: Logger | undefined;
  readonly #objects = new Map<string, T>();
  readonly #handlers = new Set<InformerHandlers<T>>();
  #started: Promise<void> | undefined;
  #synced = false;

  constructor(resource: RemoteResource<T>, options: InformerOptions, log?: Logger) {
    this.#resource = resource;
    this.#options = options;
    this.#log = log;
  }

  get synced(): boolean {
    return this.#synced;
  }

  start(signal: AbortSignal): Promise<void> {
    this.#started ??= new Promise<void>((resolve) => {
      signal.addEventListener("abort", () => {
        // A later start follows the server again (a leader that regains leadership).
        this.#started = undefined;
        this.#synced = false;
        resolve();
      }, { once: true });
      void this.#run(signal, resolve);
    });
    return this.#started;
  }

  async #run(signal: AbortSignal, listed: () => void): Promise<void> {
    const delay = new RetryDelay();
    const scope = { namespace: this.#options.namespace, labelSelector: this.#options.labelSelector, fieldSelector: this.#options.fieldSelector };
    while (!signal.aborted) {
      let resourceVersion: string;
      try {
        const list = await this.#resource.listAll(scope);
        if (signal.aborted) return;
        this.#replace(list.items);
        resourceVersion = list.resourceVersion;
        this.#synced = true;
        listed();
      } catch (err) {
        if (signal.aborted) return;
        this.#log?.warn("list failed; retrying", { resource: this.#resource.type.resource, error: (err as Error).message });
        await delay.wait(signal);
        continue;
      }
      try {
        for await (const event of this.#resource.watch({ ...scope, resourceVersion, signal })) {
          delay.reset();
          this.#apply(event);
        }
      } catch (err) {
        if (signal.aborted) return;
        if ((err as { code?: number }).code === 410) {
          this.#log?.debug("watch expired (410); relisting", { resource: this.#resource.type.resource });
          continue;
        }
        this.#log?.warn("watch failed; relisting", { resource: this.#resource.type.resource, error: (err as Error).message });
        await delay.wait(signal);
      }
    }
  }

  /** Makes the cache the listed set: adds, updates and deletes for what differs. */
  #replace(items: T[]): void {
    const seen = new Set<string>();
    for (const object of items) {
      const key = keyOf(object);
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
  }

  #apply(event: WatchEvent<T>): void {
    const key = keyOf(event.object);
    const old = this.#objects.get(key);
    if (event.type === "DELETED") {
      this.#objects.delete(key);
      this.#emit("delete", old ?? event.object);
    } else {
      this.#objects.set(key, event.object);
      if (old) this.#emit("update", event.object, old);
      else this.#emit("add", event.object);
    }
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
    return this.#objects.get(namespace ? `${namespace}/${name}` : name);
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
