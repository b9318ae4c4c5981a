/**
 * What every informer keeps whatever it follows (the API over HTTPS: agent/client/informer.ts;
 * the watch cache in-process: server/client/informer.ts): the current objects by
 * namespace/name, and the handlers told of each change. A relist replaces the whole set and tells
 * the handlers only what differs, as client-go's DeltaFIFO Replace does after a 410.
 */
import type { InformerHandlers, KubeObject, WatchEventType } from "../client.ts";

function keyOf(name: string | undefined, namespace: string | undefined): string {
  return namespace ? `${namespace}/${name}` : name!;
}

export class InformerStore<T extends KubeObject> {
  readonly #objects = new Map<string, T>();
  readonly #handlers = new Set<InformerHandlers<T>>();

  /** Makes the store the listed set: an add, update or delete for each object that differs. */
  replace(items: Iterable<T>): void {
    const seen = new Set<string>();
    for (const object of items) {
      const key = keyOf(object.metadata.name, object.metadata.namespace);
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

  /** One watch event. */
  apply(type: WatchEventType, object: T): void {
    const key = keyOf(object.metadata.name, object.metadata.namespace);
    const old = this.#objects.get(key);
    if (type === "DELETED") {
      this.#objects.delete(key);
      this.#emit("delete", old ?? object);
    } else {
      this.#objects.set(key, object);
      if (old) this.#emit("update", object, old);
      else this.#emit("add", object);
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
    return this.#objects.get(keyOf(name, namespace));
  }

  list(namespace?: string): T[] {
    const all = [...this.#objects.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Adds handlers; they get an `add` for every object held now, then every change. */
  on(handlers: InformerHandlers<T>): () => void {
    this.#handlers.add(handlers);
    for (const o of this.#objects.values()) handlers.add?.(o);
    return () => this.#handlers.delete(handlers);
  }
}
