/**
 * The REST operations of one resource on top of the object store: what
 * apiserver's generic registry Store does — system fields, defaults, validation, the spec/status
 * split, generation, optimistic concurrency, finalizers and graceful deletion — so that every
 * kind (built-in or CRD) behaves as kube-apiserver's do. HTTP concerns (decoding, negotiation,
 * selectors from query strings) stay in server/api.
 */
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  forbidden,
  internalError,
  invalid,
  notFound,
  type QualifiedResource,
  type StatusCause,
} from "../../api/status.ts";
import { namespacePrefix, objectKey, resourcePrefix } from "../../storage/keys.ts";
import type { KubeObject } from "../../storage/object.ts";
import {
  type ListOptions,
  type ListOutcome,
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectStore,
  parseResourceVersion,
  StaleRevisionError,
} from "../../storage/object-store.ts";
import type { WatchCache } from "../../storage/watch-cache.ts";
import type { ResourceDefinition } from "../types.ts";
import { dns1123Subdomain, type NameCheck } from "../validation/names.ts";
import { clone } from "../../api/patch/json-value.ts";
import { deepEqual } from "./deep-equal.ts";
import {
  carryOverSystemFields,
  fillSystemFieldsOnCreate,
  generateName,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./object-meta.ts";

export interface WriteScope {
  dryRun?: boolean;
  /** A server-side apply: managedFields were computed by the apply itself. */
  apply?: boolean;
  fieldManager?: string;
  signal?: AbortSignal;
}

export type Subresource = "" | "status";

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  /** Legacy field: true means Orphan, false Background. */
  orphanDependents?: boolean;
}

export interface DeleteOutcome {
  /** The object as it is now (deletionTimestamp set) or as it was when removed. */
  object: KubeObject;
  /** True when the object is gone; false when it waits for finalizers or a grace period. */
  deleted: boolean;
}

/** Hooks the server plugs in: namespace lifecycle, admission, managed fields. */
export interface ResourceStoreHooks {
  /** Refuses writes into a missing or terminating namespace. */
  checkNamespace?(namespace: string, signal?: AbortSignal): Promise<void>;
  /**
   * Mutating admission that needs to read other objects (a pod's ServiceAccount): on create,
   * after the strategy's own preparation and before validation; may change `object`.
   */
  mutate?(op: "CREATE", def: ResourceDefinition, object: KubeObject, scope: WriteScope): Promise<void>;
  /** Mutating then validating admission; may change `object`. */
  admit?(op: "CREATE" | "UPDATE" | "DELETE", def: ResourceDefinition, object: KubeObject, old: KubeObject | undefined, scope: WriteScope): Promise<void>;
  /** Records managedFields for a non-apply write. */
  trackManagedFields?(def: ResourceDefinition, object: KubeObject, old: KubeObject | undefined, scope: WriteScope, subresource: Subresource): KubeObject | Promise<KubeObject>;
  /** The clock (tests set it). */
  now?(): Date;
  /**
   * Upstream's Store.BeginCreate/BeginUpdate (Service REST allocates cluster IPs and node ports
   * here): called after admission, right before the write; may change `object`. The returned
   * finish is called once with whether the write happened, so that what was taken for a write
   * that failed (or was retried) is given back.
   */
  beginWrite?(op: "CREATE" | "UPDATE", def: ResourceDefinition, object: KubeObject, old: KubeObject | undefined, scope: WriteScope): Promise<WriteFinish | void>;
  /** Upstream's Store.AfterDelete: the object is gone from storage (not for a dry run). */
  afterDelete?(def: ResourceDefinition, object: KubeObject): Promise<void>;
}

/** Ends a beginWrite: `committed` is true when the object was stored. */
export type WriteFinish = (committed: boolean) => Promise<void>;

const GC_FINALIZERS = { Orphan: "orphan", Foreground: "foregroundDeletion" } as const;

export class ResourceStore {
  readonly def: ResourceDefinition;
  readonly #store: ObjectStore;
  readonly #hooks: ResourceStoreHooks;
  readonly #nameCheck: NameCheck;
  readonly qualified: QualifiedResource;
  readonly #storage: { group: string; resource: string; namespaced: boolean };

  constructor(def: ResourceDefinition, store: ObjectStore, hooks: ResourceStoreHooks = {}, nameCheck: NameCheck = dns1123Subdomain) {
    this.def = def;
    this.#store = store;
    this.#hooks = hooks;
    this.#nameCheck = nameCheck;
    this.qualified = { group: def.group, resource: def.resource };
    this.#storage = { ...(def.storage ?? { group: def.group, resource: def.resource }), namespaced: def.namespaced };
  }

  key(namespace: string | undefined, name: string): string {
    return objectKey(this.#storage, namespace, name);
  }

  /** All objects, or one namespace's. */
  prefix(namespace?: string): string {
    return this.def.namespaced && namespace ? namespacePrefix(this.#storage, namespace) : resourcePrefix(this.#storage);
  }

  #now(): Date {
    return this.#hooks.now?.() ?? new Date();
  }

  async get(namespace: string | undefined, name: string, options: { resourceVersion?: string; signal?: AbortSignal } = {}): Promise<KubeObject> {
    const object = await this.#store.get(this.key(namespace, name), options);
    if (!object) throw notFound(this.qualified, name);
    return object;
  }

  list(namespace: string | undefined, options: ListOptions): Promise<ListOutcome> {
    return this.#store.list(this.prefix(namespace), options);
  }

  /** The watch cache behind this resource (watches read and follow it). */
  get cache(): WatchCache {
    return this.#store.cache;
  }

  #invalid(name: string, causes: StatusCause[]): ApiError {
    return invalid(this.def.kind, this.def.group, name, causes);
  }

  #validateCreate(object: KubeObject): void {
    const causes = [
      ...validateObjectMeta(object, { namespaced: this.def.namespaced, nameCheck: this.#nameCheck }),
      ...(this.def.strategy.validate?.(object) ?? []),
    ];
    if (causes.length) throw this.#invalid(object.metadata.name ?? "", causes);
  }

  #validateUpdate(object: KubeObject, old: KubeObject): void {
    const causes = [
      ...validateObjectMeta(object, { namespaced: this.def.namespaced, nameCheck: () => [] }),
      ...validateObjectMetaUpdate(object, old),
      ...(this.def.strategy.validateUpdate?.(object, old) ?? this.def.strategy.validate?.(object) ?? []),
    ];
    if (causes.length) throw this.#invalid(object.metadata.name ?? "", causes);
  }

  /** `object` is the caller's own (decoded from the request): it is changed in place. */
  async create(namespace: string | undefined, object: KubeObject, scope: WriteScope = {}): Promise<KubeObject> {
    object.metadata ??= {};
    const m = object.metadata;
    if (this.def.namespaced) {
      if (m.namespace && namespace && m.namespace !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      m.namespace = namespace ?? m.namespace;
    } else {
      delete m.namespace;
    }
    if (m.resourceVersion !== undefined && m.resourceVersion !== "") {
      // upstream's etcd3 store refuses this with a plain error, which surfaces as a 500.
      throw internalError("resourceVersion should not be set on objects to be created");
    }
    delete m.resourceVersion;
    if (!m.name && m.generateName) m.name = generateName(m.generateName);
    fillSystemFieldsOnCreate(object, this.#now());
    if (this.def.statusSubresource && !this.def.strategy.keepStatusOnCreate) delete object.status;
    if (this.def.strategy.generation !== "none") m.generation = 1;
    this.def.strategy.defaults?.(object);
    this.def.strategy.prepareForCreate?.(object);
    await this.#hooks.mutate?.("CREATE", this.def, object, scope);
    this.#validateCreate(object);
    if (this.def.namespaced) await this.#hooks.checkNamespace?.(m.namespace!, scope.signal);
    await this.#hooks.admit?.("CREATE", this.def, object, undefined, scope);
    const finish = (await this.#hooks.beginWrite?.("CREATE", this.def, object, undefined, scope)) ?? undefined;
    let committed = false;
    try {
      if (this.#hooks.trackManagedFields && !scope.apply) object = await this.#hooks.trackManagedFields(this.def, object, undefined, scope, "");
      const key = this.key(m.namespace, m.name!);
      if (scope.dryRun) {
        if (await this.#store.get(key, { resourceVersion: "0" })) throw alreadyExists(this.qualified, m.name!);
        return object;
      }
      try {
        const created = await this.#store.create(key, object);
        committed = true;
        return created;
      } catch (err) {
        if (err instanceof ObjectExistsError) throw alreadyExists(this.qualified, m.name!);
        throw err;
      }
    } finally {
      await finish?.(committed);
    }
  }

  /**
   * Builds the object to store from the client's `object` and the stored `old`: the update
   * rules (carried system fields, status split, generation, defaults, validation).
   */
  prepareUpdate(object: KubeObject, old: KubeObject, subresource: Subresource): KubeObject {
    let next: KubeObject;
    if (subresource === "status") {
      // The status subresource writes only .status; everything else stays as stored.
      next = { ...old, metadata: { ...old.metadata }, status: object.status };
      if (object.status === undefined) delete next.status;
    } else {
      next = object;
      next.metadata ??= {};
      if (this.def.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = old.status;
      }
    }
    carryOverSystemFields(next, old);
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (subresource === "") {
      this.def.strategy.defaults?.(next);
      this.def.strategy.prepareForUpdate?.(next, old);
      this.#bumpGeneration(next, old);
    }
    this.#validateUpdate(next, old);
    return next;
  }

  #bumpGeneration(next: KubeObject, old: KubeObject): void {
    const policy = this.def.strategy.generation;
    if (policy === "none") return;
    const gen = old.metadata.generation ?? 1;
    let changed: boolean;
    if (policy === "spec") changed = !deepEqual(next.spec, old.spec);
    else {
      changed = false;
      const keys = new Set([...Object.keys(next), ...Object.keys(old)]);
      for (const k of keys) {
        if (k === "metadata" || k === "status" || k === "apiVersion" || k === "kind") continue;
        if (!deepEqual(next[k], old[k])) changed = true;
      }
    }
    next.metadata.generation = changed ? gen + 1 : gen;
  }

  /**
   * PUT: replaces the object. With metadata.resourceVersion the write is conditional (409 on a
   * stale one); without it, allowed when the kind allows unconditional updates.
   */
  async update(namespace: string | undefined, name: string, object: KubeObject, scope: WriteScope = {}, subresource: Subresource = ""): Promise<KubeObject> {
    object.metadata ??= {};
    const m = object.metadata;
    if (m.name !== undefined && m.name !== name) {
      throw badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
    }
    m.name = name;
    if (this.def.namespaced) {
      if (m.namespace && namespace && m.namespace !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      m.namespace = namespace;
    }
    const expected = parseResourceVersion(m.resourceVersion, "metadata.resourceVersion");
    if (expected === undefined && this.def.strategy.allowUnconditionalUpdate === false) {
      throw this.#invalid(name, [{ reason: "FieldValueRequired", field: "metadata.resourceVersion", message: "Invalid value: 0x0: must be specified for an update" }]);
    }
    return this.#writeUpdate(namespace, name, (old) => {
      if (expected !== undefined && String(expected) !== old.metadata.resourceVersion) {
        throw conflict(this.qualified, name);
      }
      return clone(object);
    }, scope, subresource);
  }

  /**
   * Read-modify-write of an existing object: `change` gets the stored object and returns what
   * the client would have sent (a patch result, a scale). Retried on conflicts with writers
   * that did not give a resourceVersion.
   */
  async #writeUpdate(
    namespace: string | undefined,
    name: string,
    change: (old: KubeObject) => KubeObject | Promise<KubeObject>,
    scope: WriteScope,
    subresource: Subresource,
  ): Promise<KubeObject> {
    const key = this.key(namespace, name);
    let result: KubeObject | undefined;
    // beginWrite's finish of the attempt in progress: an attempt that loses a race is undone.
    let finish: WriteFinish | undefined;
    let removed: KubeObject | undefined;
    const settle = async (committed: boolean) => {
      const f = finish;
      finish = undefined;
      await f?.(committed);
    };
    try {
      const { object, changed } = await this.#store.guaranteedUpdate(key, async (old) => {
        await settle(false);
        const wanted = await change(old);
        let next = this.prepareUpdate(wanted, old, subresource);
        await this.#hooks.admit?.("UPDATE", this.def, next, old, scope);
        // Removing the last finalizer of an object being deleted completes the delete.
        if (next.metadata.deletionTimestamp && !(next.metadata.finalizers?.length) && !this.def.strategy.deletionHeld?.(next)) {
          if (scope.dryRun) {
            result = next;
            return undefined;
          }
          result = removed = await this.#store.delete(key, Number(old.metadata.resourceVersion));
          return undefined;
        }
        if (subresource === "") finish = (await this.#hooks.beginWrite?.("UPDATE", this.def, next, old, scope)) ?? undefined;
        if (this.#hooks.trackManagedFields && !scope.apply) next = await this.#hooks.trackManagedFields(this.def, next, old, scope, subresource);
        if (deepEqual(withoutVolatile(next), withoutVolatile(old))) {
          result = old;
          return undefined;
        }
        if (scope.dryRun) {
          result = next;
          return undefined;
        }
        return next;
      }, { signal: scope.signal });
      await settle(changed);
      if (removed) await this.#hooks.afterDelete?.(this.def, removed);
      return result ?? object;
    } catch (err) {
      await settle(false);
      if (err instanceof ObjectNotFoundError) throw notFound(this.qualified, name);
      if (err instanceof StaleRevisionError) throw conflict(this.qualified, name);
      throw err;
    }
  }

  /** PATCH and other read-modify-writes (scale): `change` maps the stored object to the wanted one. */
  modify(
    namespace: string | undefined,
    name: string,
    change: (old: KubeObject) => KubeObject | Promise<KubeObject>,
    scope: WriteScope = {},
    subresource: Subresource = "",
  ): Promise<KubeObject> {
    return this.#writeUpdate(namespace, name, change, scope, subresource);
  }

  async delete(namespace: string | undefined, name: string, options: DeleteOptions = {}, scope: WriteScope = {}): Promise<DeleteOutcome> {
    const key = this.key(namespace, name);
    const policy = options.propagationPolicy ?? (options.orphanDependents === true ? "Orphan" : options.orphanDependents === false ? "Background" : undefined);
    for (let attempt = 0; attempt < 16; attempt++) {
      const current = await this.#store.get(key, { signal: scope.signal });
      if (!current) throw notFound(this.qualified, name);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw conflict(this.qualified, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ""}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(this.qualified, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      await this.#hooks.admit?.("DELETE", this.def, current, current, scope);
      const starting = this.#startDelete(current);
      const finalizers = [...(starting.metadata.finalizers ?? [])];
      const gcFinalizer = policy === "Orphan" || policy === "Foreground" ? GC_FINALIZERS[policy] : undefined;
      if (gcFinalizer && !finalizers.includes(gcFinalizer)) finalizers.push(gcFinalizer);
      if (policy === "Background") {
        for (const f of Object.values(GC_FINALIZERS)) {
          const i = finalizers.indexOf(f);
          if (i >= 0) finalizers.splice(i, 1);
        }
      }
      const grace = this.#gracePeriod(current, options);
      const held = this.def.strategy.deletionHeld?.(starting) ?? false;
      const graceful = finalizers.length > 0 || held || (grace !== undefined && grace > 0);
      try {
        if (!graceful) {
          if (scope.dryRun) return { object: current, deleted: true };
          const gone = await this.#store.delete(key, Number(current.metadata.resourceVersion));
          await this.#hooks.afterDelete?.(this.def, gone);
          return { object: gone, deleted: true };
        }
        if (current.metadata.deletionTimestamp && deepEqual(finalizers, current.metadata.finalizers ?? [])) {
          // Already terminating: a second delete may only shorten the grace period.
          const shorter = grace !== undefined && (current.metadata.deletionGracePeriodSeconds ?? Infinity) > grace;
          if (!shorter) return { object: current, deleted: false };
        }
        const next: KubeObject = { ...starting, metadata: { ...starting.metadata, finalizers } };
        if (finalizers.length === 0) delete next.metadata.finalizers;
        const now = this.#now();
        if (!current.metadata.deletionTimestamp || (grace !== undefined && (current.metadata.deletionGracePeriodSeconds ?? Infinity) > grace)) {
          next.metadata.deletionTimestamp = new Date(now.getTime() + (grace ?? 0) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
          next.metadata.deletionGracePeriodSeconds = grace ?? 0;
          if (!current.metadata.deletionTimestamp && this.def.strategy.generation !== "none") {
            next.metadata.generation = (current.metadata.generation ?? 0) + 1;
          }
        }
        if (scope.dryRun) return { object: next, deleted: false };
        const stored = await this.#store.update(key, next, Number(current.metadata.resourceVersion));
        return { object: stored, deleted: false };
      } catch (err) {
        if (err instanceof StaleRevisionError) continue;
        if (err instanceof ObjectNotFoundError) throw notFound(this.qualified, name);
        throw err;
      }
    }
    throw conflict(this.qualified, name, "too many concurrent changes; try again");
  }

  /** The object as its deletion starts: the kind's prepareForDelete on a copy (once: not when already deleting). */
  #startDelete(current: KubeObject): KubeObject {
    if (current.metadata.deletionTimestamp || !this.def.strategy.prepareForDelete) return current;
    const copy = clone(current);
    this.def.strategy.prepareForDelete(copy);
    return copy;
  }

  /**
   * The grace period of a delete: only pods (and kinds that opt in through their strategy)
   * delete gracefully; the rest go at once unless finalizers hold them.
   */
  #gracePeriod(current: KubeObject, options: DeleteOptions): number | undefined {
    return this.def.strategy.gracePeriod?.(current, options.gracePeriodSeconds);
  }
}

/** What a no-op check ignores: managedFields timestamps and the resourceVersion. */
function withoutVolatile(object: KubeObject): KubeObject {
  const { managedFields: _m, resourceVersion: _r, ...metadata } = object.metadata;
  return { ...object, metadata };
}

export function forbiddenInTerminatingNamespace(namespace: string): ApiError {
  return forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`, {
    name: namespace,
    kind: "namespaces",
    causes: [{ reason: "NamespaceTerminating", message: `namespace ${namespace} is terminating`, field: "metadata.namespace" }],
  });
}
