/**
 * The Client contract over HTTPS (see transport.ts): what the agent's kubelet, and `k3ts token`,
 * use against a server in another process. Same semantics as the in-process client: `get` and
 * `delete` give undefined for a missing object, errors are ClientErrors with the Status's code and
 * reason, a watch from "now" (no resourceVersion, or "0") first gives every existing object as
 * ADDED, and informers list, then watch, and relist on 410.
 */
import type {
  Client,
  DeleteOptions,
  Informer,
  InformerOptions,
  KubeObject,
  ListOptions,
  ObjectList,
  PatchOptions,
  PatchType,
  ResourceClient,
  ResourceType,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import { errorFromAnswer } from "./errors.ts";
import { RemoteInformer } from "./informer.ts";
import { itemKind, query, resourcePath } from "./paths.ts";
import { RetryDelay } from "./retry-delay.ts";
import { isUnreachable, type Transport } from "./transport.ts";
import { watchEvents } from "./watch-stream.ts";

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml", // JSON is YAML
};

// Watches end on the server's side after a while and are reopened from the last resourceVersion,
// as client-go does (5-10 min), so that a dead connection is not followed for ever.
const watchTimeoutSeconds = () => 300 + Math.floor(Math.random() * 300);

export interface RemoteClientOptions {
  transport: Transport;
  /** The default field manager of writes (also the User-Agent). */
  fieldManager: string;
  log?: Logger;
}

export class RemoteClient implements Client {
  readonly transport: Transport;
  readonly #o: RemoteClientOptions;
  readonly #informers = new Map<string, RemoteInformer<KubeObject>>();

  constructor(options: RemoteClientOptions) {
    this.#o = options;
    this.transport = options.transport;
  }

  resource<T extends KubeObject = KubeObject>(type: ResourceType): ResourceClient<T> {
    return new RemoteResource<T>(this.transport, type, this.#o.fieldManager);
  }

  informer<T extends KubeObject = KubeObject>(type: ResourceType, options: InformerOptions = {}): Informer<T> {
    const key = `${type.apiVersion}/${type.resource}|${options.namespace ?? ""}|${options.labelSelector ?? ""}|${options.fieldSelector ?? ""}`;
    let informer = this.#informers.get(key);
    if (!informer) {
      informer = new RemoteInformer<KubeObject>(new RemoteResource(this.transport, type, this.#o.fieldManager), options, this.#o.log?.child(`informer ${type.resource}`));
      this.#informers.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }
}

async function readAll(body: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString("utf8");
}

export class RemoteResource<T extends KubeObject> implements ResourceClient<T> {
  readonly type: ResourceType;
  readonly #transport: Transport;
  readonly #fieldManager: string;

  constructor(transport: Transport, type: ResourceType, fieldManager: string) {
    this.#transport = transport;
    this.type = type;
    this.#fieldManager = fieldManager;
  }

  /** Sends a request and parses the answer; a status >= 300 throws its ClientError. */
  async #call<R>(method: string, path: string, body?: unknown, contentType?: string): Promise<R> {
    const answer = await this.#transport.text({ method, path, body: body === undefined ? undefined : JSON.stringify(body), contentType });
    if (answer.status >= 300) throw errorFromAnswer(answer.status, answer.text);
    return JSON.parse(answer.text) as R;
  }

  #writeQuery(options: WriteOptions = {}): string {
    return query({ dryRun: options.dryRun ? "All" : undefined, fieldManager: options.fieldManager ?? this.#fieldManager });
  }

  /** List items come without apiVersion and kind; the contract's objects carry them. */
  #typed(o: KubeObject, kind?: string): T {
    if (o.apiVersion && o.kind) return o as T;
    return { ...o, apiVersion: o.apiVersion ?? this.type.apiVersion, ...(o.kind ?? kind ? { kind: o.kind ?? kind } : {}) } as T;
  }

  async get(name: string, namespace?: string): Promise<T | undefined> {
    try {
      return this.#typed(await this.#call<KubeObject>("GET", resourcePath(this.type, namespace, name)));
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  async list(options: ListOptions = {}): Promise<ObjectList<T>> {
    const path = resourcePath(this.type, options.namespace) + query({
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: options.resourceVersion,
      limit: options.limit,
      continue: options.continue,
    });
    const list = await this.#call<{ kind?: string; metadata?: { resourceVersion?: string; continue?: string }; items?: KubeObject[] }>("GET", path);
    const kind = itemKind(list.kind);
    return {
      items: (list.items ?? []).map((o) => this.#typed(o, kind)),
      resourceVersion: list.metadata?.resourceVersion ?? "",
      continue: list.metadata?.continue || undefined,
    };
  }

  /** Every page of a list: items and the first page's resourceVersion (the snapshot's). */
  async listAll(options: Omit<ListOptions, "limit" | "continue"> = {}): Promise<ObjectList<T>> {
    const items: T[] = [];
    let page = await this.list({ ...options, limit: 500 });
    const resourceVersion = page.resourceVersion;
    items.push(...page.items);
    while (page.continue) {
      page = await this.list({ ...options, limit: 500, continue: page.continue });
      items.push(...page.items);
    }
    return { items, resourceVersion };
  }

  watch(options: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    return this.#watch(options);
  }

  /**
   * Follows the watch across connections: a stream the server ends, or a broken connection, is
   * reopened from the last resourceVersion seen (bookmarks keep it fresh). A 410 (that version is
   * gone) and refusals end the iteration with their ClientError: the caller relists.
   */
  async *#watch(options: WatchOptions): AsyncGenerator<WatchEvent<T>> {
    const signal = options.signal ?? new AbortController().signal;
    let rv = options.resourceVersion;
    if (!rv || rv === "0") {
      // "From now", as the in-process client: the current objects first, then what follows them.
      const listed = await this.listAll({ namespace: options.namespace, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector });
      for (const object of listed.items) yield { type: "ADDED", object };
      rv = listed.resourceVersion;
    }
    const delay = new RetryDelay();
    while (!signal.aborted) {
      const path = resourcePath(this.type, options.namespace) + query({
        watch: true,
        resourceVersion: rv,
        allowWatchBookmarks: true,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        timeoutSeconds: watchTimeoutSeconds(),
      });
      let response;
      try {
        response = await this.#transport.request({ method: "GET", path, signal });
      } catch (err) {
        if (signal.aborted) return;
        if (!isUnreachable(err)) throw err;
        if (!(await delay.wait(signal))) return;
        continue;
      }
      try {
        if (response.status !== 200) {
          const error = errorFromAnswer(response.status, await readAll(response.body));
          // Overload and restarts pass; anything else (410, 403, ...) is the caller's.
          if (error.code === 429 || error.code >= 500) {
            if (!(await delay.wait(signal))) return;
            continue;
          }
          throw error;
        }
        for await (const event of watchEvents(response.body)) {
          delay.reset();
          rv = event.object.metadata?.resourceVersion || rv;
          if (event.type === "BOOKMARK") continue;
          yield { type: event.type, object: this.#typed(event.object) };
        }
      } catch (err) {
        if (signal.aborted) return;
        if ((err as { name?: string }).name === "ClientError") throw err;
        // The connection broke mid-stream: reopen from rv after a pause.
        if (!(await delay.wait(signal))) return;
      } finally {
        response.body.destroy();
      }
    }
  }

  async create(object: T, options?: WriteOptions): Promise<T> {
    return this.#typed(await this.#call<KubeObject>("POST", resourcePath(this.type, object.metadata.namespace) + this.#writeQuery(options), object));
  }

  async update(object: T, options?: WriteOptions): Promise<T> {
    const path = resourcePath(this.type, object.metadata.namespace, object.metadata.name!) + this.#writeQuery(options);
    return this.#typed(await this.#call<KubeObject>("PUT", path, object));
  }

  async updateStatus(object: T, options?: WriteOptions): Promise<T> {
    const path = resourcePath(this.type, object.metadata.namespace, object.metadata.name!, "status") + this.#writeQuery(options);
    return this.#typed(await this.#call<KubeObject>("PUT", path, object));
  }

  async patch(name: string, patch: unknown, options: PatchOptions & { namespace?: string }): Promise<T> {
    const path = resourcePath(this.type, options.namespace, name, options.subresource) + query({
      dryRun: options.dryRun ? "All" : undefined,
      fieldManager: options.fieldManager ?? this.#fieldManager,
      force: options.type === "apply" && options.force ? true : undefined,
    });
    return this.#typed(await this.#call<KubeObject>("PATCH", path, patch, PATCH_CONTENT_TYPES[options.type]));
  }

  async delete(name: string, namespace?: string, options: DeleteOptions = {}): Promise<T | undefined> {
    const { dryRun, ...rest } = options;
    const body = { kind: "DeleteOptions", apiVersion: "v1", ...rest, ...(dryRun ? { dryRun: ["All"] } : {}) };
    try {
      const answer = await this.#call<KubeObject & { kind?: string }>("DELETE", resourcePath(this.type, namespace, name), body);
      // Some kinds answer a Status once the object is gone: the contract's answer is the object.
      if (answer.kind === "Status") return this.#typed({ metadata: { name, namespace } });
      return this.#typed(answer);
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  async createSubresource(name: string, subresource: string, body: KubeObject, namespace?: string): Promise<KubeObject> {
    return this.#call<KubeObject>("POST", resourcePath(this.type, namespace, name, subresource), body);
  }
}
