/**
 * The Client contract: how plugins, controllers, the scheduler and the kubelet read and write
 * Kubernetes objects. The server implements it in-process (no HTTP hop: the same admission,
 * validation and storage path as any API request, and informers fed straight from the watch
 * cache); the agent implements it over HTTPS against a server. Code written against this
 * interface runs in either place, and against any cluster with the remote implementation.
 *
 * Layer 1 of DESIGN.md: it imports nothing else of k3ts.
 */

/** Any Kubernetes object, as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A resource by API version and plural name: `{apiVersion: "apps/v1", resource: "deployments"}`. */
export interface ResourceType {
  apiVersion: string;
  resource: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** "" or absent: the latest; "0": any cached state. */
  resourceVersion?: string;
  limit?: number;
  continue?: string;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface WatchOptions extends Omit<ListOptions, "limit" | "continue"> {
  /** Ends the watch. */
  signal?: AbortSignal;
  /** With resourceVersion unset or "0": first an ADDED event per existing object. */
  sendInitialEvents?: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Who makes the change (managedFields); defaults to the client's own name. */
  fieldManager?: string;
}

export type PatchType = "merge" | "json" | "strategic" | "apply";

export interface PatchOptions extends WriteOptions {
  type: PatchType;
  /** Server-side apply: take fields owned by other managers. */
  force?: boolean;
  /** "status" to patch the status subresource. */
  subresource?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/**
 * A failed call, shaped like a Kubernetes Status: `code` is the HTTP status (404, 409, 422, ...)
 * and `reason` the StatusReason (NotFound, AlreadyExists, Conflict, Invalid, ...).
 */
export interface ClientError extends Error {
  code: number;
  reason: string;
}

export function isClientError(err: unknown, code?: number): err is ClientError {
  if (!(err instanceof Error)) return false;
  const c = (err as { code?: unknown }).code;
  return typeof c === "number" && (code === undefined || c === code);
}

/** The operations on one resource type. Namespaced resources take a namespace argument. */
export interface ResourceClient<T extends KubeObject = KubeObject> {
  readonly type: ResourceType;
  /** The object, or undefined when it does not exist. */
  get(name: string, namespace?: string): Promise<T | undefined>;
  list(options?: ListOptions): Promise<ObjectList<T>>;
  watch(options?: WatchOptions): AsyncIterable<WatchEvent<T>>;
  create(object: T, options?: WriteOptions): Promise<T>;
  /** PUT: conditional on object.metadata.resourceVersion when set (409 Conflict if stale). */
  update(object: T, options?: WriteOptions): Promise<T>;
  /** PUT of the status subresource. */
  updateStatus(object: T, options?: WriteOptions): Promise<T>;
  patch(name: string, patch: unknown, options: PatchOptions & { namespace?: string }): Promise<T>;
  /** Returns the object as it is after the call (deleted, or terminating), or undefined if it was not there. */
  delete(name: string, namespace?: string, options?: DeleteOptions): Promise<T | undefined>;
  /** POST to a subresource (pods/binding, pods/eviction, serviceaccounts/token). */
  createSubresource(name: string, subresource: string, body: KubeObject, namespace?: string): Promise<KubeObject>;
}

export interface Client {
  resource<T extends KubeObject = KubeObject>(type: ResourceType): ResourceClient<T>;
  /** A shared informer: one cache per (type, namespace, selectors), however many users. */
  informer<T extends KubeObject = KubeObject>(type: ResourceType, options?: InformerOptions): Informer<T>;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface InformerHandlers<T extends KubeObject> {
  add?(object: T): void;
  update?(oldObject: T, newObject: T): void;
  delete?(object: T): void;
}

/**
 * A local, always-fresh copy of a set of objects, following the API's watch (relisting on 410),
 * with handlers called on every change. Objects handed out are shared: do not mutate them.
 */
export interface Informer<T extends KubeObject = KubeObject> {
  /** Starts (once) and resolves when the first list is in the cache. */
  start(signal: AbortSignal): Promise<void>;
  readonly synced: boolean;
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): T[];
  /** Handlers get an `add` for every object already in the cache, then every change. */
  on(handlers: InformerHandlers<T>): () => void;
}
