/**
 * An informer over HTTPS, as client-go's reflector: list (paged), then watch from the list's
 * resourceVersion; a 410 (the version was compacted away) relists at once and tells the handlers
 * what changed in between; other failures relist after a growing pause. Same contract as the
 * in-process informer: handlers get an `add` per cached object, then every change.
 */
import type { Informer, InformerHandlers, InformerOptions, KubeObject } from "../../plugins/client.ts";
import { InformerStore } from "../../plugins/kit/informer-store.ts";
import type { Logger } from "../../plugins/mod.ts";
import type { RemoteResource } from "./remote.ts";
import { RetryDelay } from "./retry-delay.ts";

export class RemoteInformer<T extends KubeObject> implements Informer<T> {
  readonly #resource: RemoteResource<T>;
  readonly #options: InformerOptions;
  readonly #log: Logger | undefined;
  readonly #store = new InformerStore<T>();
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
        this.#store.replace(list.items);
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
          this.#store.apply(event.type, event.object);
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
