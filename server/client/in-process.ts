/**
 * The Client contract, in the server's process: the same path as an API request (strategy,
 * validation, admission, managedFields, storage) without HTTP, and watches and informers fed
 * straight from the watch cache. Controllers, the scheduler and the in-process agent use it.
 */
import type {
  Client,
  DeleteOptions,
  Informer,
  InformerOptions,
  KubeObject as ClientObject,
  ListOptions,
  ObjectList,
  PatchOptions,
  ResourceClient,
  ResourceType,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from "../../plugins/client.ts";
import type { ApiHandlers } from "../api/app.ts";
import type { PredicateBuilder } from "../api/handlers/context.ts";
import { clone } from "../api/patch/json-value.ts";
import { ApiError } from "../api/status.ts";
import type { Catalog } from "../registry/catalog.ts";
import { patchObject } from "../registry/rest/patch-object.ts";
import type { ResourceStore } from "../registry/rest/resource-store.ts";
import { groupVersion, type ResourceDefinition } from "../registry/types.ts";
import type { KubeObject } from "../storage/object.ts";
import { selectEvent } from "../storage/selection-events.ts";
import type { WatchCache } from "../storage/watch-cache.ts";
import { TooOldResourceVersionError } from "../storage/watch-cache.ts";
import { EventQueue } from "./event-queue.ts";
import { CacheInformer } from "./informer.ts";

export interface InProcessClientOptions {
  catalog: Catalog;
  storeFor(def: ResourceDefinition): ResourceStore;
  cache: WatchCache;
  predicate: PredicateBuilder;
  /** For subresources served by HTTP handlers (pods/binding, ...): called with an in-memory Request. */
  handlers: () => ApiHandlers;
  /** A bearer token with which in-memory requests authenticate (the server's own). */
  token: string;
  /** The default field manager of this client's writes. */
  fieldManager: string;
  /** Shared informers (views of one client made with `as` share them). */
  informers?: Map<string, CacheInformer<ClientObject>>;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function notServed(type: ResourceType): ApiError {
  return new ApiError(404, "NotFound", `the server could not find the requested resource (${type.resource} in ${type.apiVersion})`, {});
}

/** Objects handed to callers are theirs to change: the stored ones are shared. */
function own<T>(o: T): T {
  return clone(o);
}

export class InProcessClient implements Client {
  readonly #o: InProcessClientOptions;
  readonly #informers: Map<string, CacheInformer<ClientObject>>;

  constructor(options: InProcessClientOptions) {
    this.#o = options;
    this.#informers = options.informers ?? new Map();
  }

  /** The same client, writing under another field manager (one per controller); informers are shared. */
  as(fieldManager: string): InProcessClient {
    return new InProcessClient({ ...this.#o, fieldManager, informers: this.#informers });
  }

  #definition(type: ResourceType): ResourceDefinition {
    const { group, version } = splitApiVersion(type.apiVersion);
    const def = this.#o.catalog.get(group, version, type.resource);
    if (!def) throw notServed(type);
    return def;
  }

  resource<T extends ClientObject = ClientObject>(type: ResourceType): ResourceClient<T> {
    return new InProcessResource<T>(this.#o, type, () => this.#definition(type));
  }

  informer<T extends ClientObject = ClientObject>(type: ResourceType, options: InformerOptions = {}): Informer<T> {
    const map = this.#informers;
    const key = `${type.apiVersion}/${type.resource}|${options.namespace ?? ""}|${options.labelSelector ?? ""}|${options.fieldSelector ?? ""}`;
    let informer = map.get(key);
    if (!informer) {
      const def = this.#definition(type);
      const store = this.#o.storeFor(def);
      informer = new CacheInformer<ClientObject>({
        cache: this.#o.cache,
        prefix: store.prefix(options.namespace),
        predicate: this.#o.predicate(def, options.labelSelector ?? null, options.fieldSelector ?? null),
        typed: (o) => typedObject(def, o) as ClientObject,
      });
      map.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }
}

function typedObject(def: ResourceDefinition, o: KubeObject): KubeObject {
  const apiVersion = groupVersion(def);
  return o.apiVersion === apiVersion && o.kind === def.kind ? o : { ...o, apiVersion, kind: def.kind };
}

class InProcessResource<T extends ClientObject> implements ResourceClient<T> {
  readonly type: ResourceType;
  readonly #o: InProcessClientOptions;
  readonly #def: () => ResourceDefinition;

  constructor(o: InProcessClientOptions, type: ResourceType, def: () => ResourceDefinition) {
    this.#o = o;
    this.type = type;
    this.#def = def;
  }

  #store(): ResourceStore {
    return this.#o.storeFor(this.#def());
  }

  #scope(options: WriteOptions = {}) {
    return { dryRun: options.dryRun, fieldManager: options.fieldManager ?? this.#o.fieldManager };
  }

  #typed(o: KubeObject): T {
    return own(typedObject(this.#def(), o)) as unknown as T;
  }

  async get(name: string, namespace?: string): Promise<T | undefined> {
    try {
      return this.#typed(await this.#store().get(namespace, name));
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  async list(options: ListOptions = {}): Promise<ObjectList<T>> {
    const def = this.#def();
    const outcome = await this.#store().list(options.namespace, {
      resourceVersion: options.resourceVersion,
      limit: options.limit,
      continue: options.continue,
      predicate: this.#o.predicate(def, options.labelSelector ?? null, options.fieldSelector ?? null),
    });
    return { items: outcome.items.map((o) => this.#typed(o)), resourceVersion: outcome.resourceVersion, continue: outcome.continue };
  }

  watch(options: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    const def = this.#def();
    const store = this.#store();
    const predicate = this.#o.predicate(def, options.labelSelector ?? null, options.fieldSelector ?? null);
    const matches = (o: KubeObject) => !predicate || predicate(o);
    const cache = this.#o.cache;
    // The queue holds the cache's own (immutable) objects; the consumer's copy is made when it
    // takes the event, so a watcher that falls behind does not hold one deep copy per event.
    type Raw = { type: WatchEvent<T>["type"]; object: KubeObject };
    const queue = new EventQueue<WatchEvent<T>, Raw>(undefined, (e) => ({ type: e.type, object: this.#typed(e.object) }) as WatchEvent<T>);
    const rv = options.resourceVersion;
    void (async () => {
      try {
        if (rv === undefined || rv === "") await cache.sync(options.signal);
        else await cache.start();
        const prefix = store.prefix(options.namespace);
        let from = rv && rv !== "0" ? Number(rv) : cache.revision;
        if (!rv || rv === "0") {
          from = cache.revision;
          for (const e of cache.list(prefix)) if (matches(e.object)) queue.push({ type: "ADDED", object: e.object });
        }
        const unsubscribe = cache.subscribe(prefix, {
          deliver: (e) => {
            const selected = selectEvent(e, matches);
            if (selected) queue.push({ type: selected.type, object: selected.object });
          },
          end: (reason) => queue.end(reason === "reset" ? new ApiError(410, "Expired", "the watch cache was reset; relist") : undefined),
        }, from);
        queue.onStop = unsubscribe;
        options.signal?.addEventListener("abort", () => queue.end(), { once: true });
      } catch (err) {
        queue.end(err instanceof TooOldResourceVersionError ? new ApiError(410, "Expired", err.message) : err);
      }
    })();
    return queue;
  }

  async create(object: T, options?: WriteOptions): Promise<T> {
    const copy = own(object) as unknown as KubeObject;
    return this.#typed(await this.#store().create(copy.metadata?.namespace, copy, this.#scope(options)));
  }

  async update(object: T, options?: WriteOptions): Promise<T> {
    const copy = own(object) as unknown as KubeObject;
    return this.#typed(await this.#store().update(copy.metadata.namespace, copy.metadata.name!, copy, this.#scope(options), ""));
  }

  async updateStatus(object: T, options?: WriteOptions): Promise<T> {
    const copy = own(object) as unknown as KubeObject;
    return this.#typed(await this.#store().update(copy.metadata.namespace, copy.metadata.name!, copy, this.#scope(options), "status"));
  }

  async patch(name: string, patch: unknown, options: PatchOptions & { namespace?: string }): Promise<T> {
    const outcome = await patchObject(this.#store(), {
      namespace: options.namespace,
      name,
      type: options.type,
      body: own(patch),
      subresource: options.subresource === "status" ? "status" : "",
      force: options.force ?? false,
      scope: this.#scope(options),
    });
    return this.#typed(outcome.object);
  }

  async delete(name: string, namespace?: string, options: DeleteOptions = {}): Promise<T | undefined> {
    try {
      const outcome = await this.#store().delete(namespace, name, options, { dryRun: options.dryRun, fieldManager: this.#o.fieldManager });
      return this.#typed(outcome.object);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  async createSubresource(name: string, subresource: string, body: ClientObject, namespace?: string): Promise<ClientObject> {
    const def = this.#def();
    const base = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
    const path = `${base}${def.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? "")}` : ""}/${def.resource}/${encodeURIComponent(name)}/${subresource}`;
    const request = new Request(`https://in-process${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.#o.token}`, "content-type": "application/json", "user-agent": this.#o.fieldManager },
      body: JSON.stringify(body),
    });
    const response = await this.#o.handlers().fetch(request);
    const answer = await response.json() as ClientObject & { kind?: string; code?: number; reason?: string; message?: string };
    if (response.status >= 300) throw new ApiError(response.status, answer.reason ?? "Unknown", answer.message ?? `${subresource} failed with ${response.status}`, {});
    return answer;
  }
}
