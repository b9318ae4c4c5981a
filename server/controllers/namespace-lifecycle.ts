/**
 * The namespace lifecycle controller (kube-controller-manager's namespace controller,
 * pkg/controller/namespace/deletion): a namespace being deleted is emptied — every namespaced
 * kind the catalog serves, custom resources included, deleted in the background and waited for
 * while their finalizers hold them — its status conditions say what remains, and once nothing
 * does, "kubernetes" leaves spec.finalizers through the finalize subresource's store, which
 * ends the delete.
 *
 * It runs in the server process on the watch cache and writes through ResourceStores (the same
 * validation as any client); one queue, one namespace at a time, retried while content remains.
 */
import type { Logger } from "../../plugins/mod.ts";
import type { Catalog } from "../registry/catalog.ts";
import { type Condition, setCondition } from "../registry/crd/conditions.ts";
import type { ResourceStore } from "../registry/rest/resource-store.ts";
import type { ResourceDefinition } from "../registry/types.ts";
import { objectKey, resourcePrefix } from "../storage/keys.ts";
import { SerialKeyQueue } from "./serial-key-queue.ts";
import type { CacheSubscriber, WatchCache } from "../storage/watch-cache.ts";

export const KUBERNETES_FINALIZER = "kubernetes";

export interface NamespaceLifecycleOptions {
  cache: WatchCache;
  catalog: Catalog;
  storeFor(def: ResourceDefinition): ResourceStore;
  /** The Namespace kind (status writes). */
  namespaces: ResourceDefinition;
  /** The store of the finalize subresource (spec.finalizers writes). */
  finalize: ResourceStore;
  log: Logger;
  /** Delay before looking again at a namespace whose content is still going. */
  retryMs?: number;
}

interface ContentTotals {
  /** "configmaps." / "widgets.example.com" → instances left. */
  resources: Map<string, number>;
  /** finalizer → instances it holds. */
  finalizers: Map<string, number>;
  errors: string[];
}

type NamespaceSpec = { finalizers?: string[] };
type NamespaceStatus = { phase?: string; conditions?: Condition[] };

export class NamespaceLifecycleController {
  readonly #o: NamespaceLifecycleOptions;
  readonly #queue: SerialKeyQueue;
  #unsubscribe: (() => void) | undefined;
  #signal: AbortSignal | undefined;

  constructor(options: NamespaceLifecycleOptions) {
    this.#o = options;
    this.#queue = new SerialKeyQueue({ reconcile: (name) => this.#reconcile(name), retryMs: options.retryMs ?? 1000, log: options.log, what: "namespace" });
  }

  start(signal: AbortSignal): void {
    this.#signal = signal;
    signal.addEventListener("abort", () => this.stop(), { once: true });
    const prefix = resourcePrefix(this.#o.namespaces);
    const subscriber: CacheSubscriber = {
      deliver: (event) => {
        if (event.type !== "DELETED" && event.object.metadata.deletionTimestamp) this.#queue.enqueue(event.object.metadata.name!);
      },
      end: (reason) => {
        if (reason === "reset" && !this.#queue.stopped) subscribe();
      },
    };
    const subscribe = () => {
      const terminating = this.#o.cache.list(prefix).filter((e) => e.object.metadata.deletionTimestamp);
      this.#unsubscribe = this.#o.cache.subscribe(prefix, subscriber);
      for (const e of terminating) this.#queue.enqueue(e.object.metadata.name!);
    };
    subscribe();
  }

  stop(): void {
    this.#queue.stop();
    this.#unsubscribe?.();
  }



  async #reconcile(name: string): Promise<void> {
    const ns = this.#o.cache.get(objectKey({ ...this.#o.namespaces, namespaced: false }, undefined, name))?.object;
    if (!ns?.metadata.deletionTimestamp) return;
    if (!((ns.spec as NamespaceSpec | undefined)?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return;

    const totals = await this.#deleteContent(name);
    await this.#writeConditions(name, totals);
    if (totals.errors.length > 0 || totals.resources.size > 0) {
      this.#queue.later(name);
      return;
    }
    await this.#o.finalize.modify(undefined, name, (old) => {
      const spec = (old.spec ?? {}) as NamespaceSpec;
      return { ...old, spec: { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER) } };
    }, { fieldManager: "k3ts-namespace-controller", signal: this.#signal });
    this.#o.log.info("namespace finalized", { namespace: name });
  }

  /** Deletes what the namespace holds; reports what is left after the deletes took effect. */
  async #deleteContent(namespace: string): Promise<ContentTotals> {
    const totals: ContentTotals = { resources: new Map(), finalizers: new Map(), errors: [] };
    const stores = this.#namespacedStores();
    for (const store of stores) {
      for (const { object } of this.#o.cache.list(store.prefix(namespace))) {
        if (object.metadata.deletionTimestamp) continue;
        try {
          await store.delete(namespace, object.metadata.name!, { propagationPolicy: "Background" }, { signal: this.#signal });
        } catch (err) {
          if ((err as { code?: number }).code !== 404) totals.errors.push(`${store.def.resource}.${store.def.group}: ${(err as Error).message}`);
        }
      }
    }
    await this.#o.cache.sync(this.#signal);
    for (const store of stores) {
      const left = this.#o.cache.list(store.prefix(namespace));
      if (left.length === 0) continue;
      totals.resources.set(`${store.def.resource}.${store.def.group}`, left.length);
      for (const { object } of left) {
        for (const f of object.metadata.finalizers ?? []) totals.finalizers.set(f, (totals.finalizers.get(f) ?? 0) + 1);
      }
    }
    return totals;
  }

  /** One store per storage location: resources served in several versions (or groups) share one. */
  #namespacedStores(): ResourceStore[] {
    const seen = new Set<string>();
    const out: ResourceStore[] = [];
    for (const def of this.#o.catalog.all()) {
      if (!def.namespaced) continue;
      const store = this.#o.storeFor(def);
      const prefix = store.prefix();
      if (seen.has(prefix)) continue;
      seen.add(prefix);
      out.push(store);
    }
    return out;
  }

  async #writeConditions(name: string, totals: ContentTotals): Promise<void> {
    const list = (m: Map<string, number>, format: (k: string, n: number) => string) => [...m].map(([k, n]) => format(k, n)).sort().join(", ");
    const wanted: Condition[] = [
      { type: "NamespaceDeletionDiscoveryFailure", status: "False", reason: "ResourcesDiscovered", message: "All resources successfully discovered" },
      { type: "NamespaceDeletionGroupVersionParsingFailure", status: "False", reason: "ParsedGroupVersions", message: "All legacy kube types successfully parsed" },
      totals.errors.length > 0
        ? { type: "NamespaceDeletionContentFailure", status: "True", reason: "ContentDeletionFailed", message: `Failed to delete all resource types, ${totals.errors.length} remaining: ${[...totals.errors].sort().join(", ")}` }
        : { type: "NamespaceDeletionContentFailure", status: "False", reason: "ContentDeleted", message: "All content successfully deleted, may be waiting on finalization" },
      totals.resources.size > 0
        ? { type: "NamespaceContentRemaining", status: "True", reason: "SomeResourcesRemain", message: `Some resources are remaining: ${list(totals.resources, (r, n) => `${r} has ${n} resource instances`)}` }
        : { type: "NamespaceContentRemaining", status: "False", reason: "ContentRemoved", message: "All content successfully removed" },
      totals.finalizers.size > 0
        ? { type: "NamespaceFinalizersRemaining", status: "True", reason: "SomeFinalizersRemain", message: `Some content in the namespace has finalizers remaining: ${list(totals.finalizers, (f, n) => `${f} in ${n} resource instances`)}` }
        : { type: "NamespaceFinalizersRemaining", status: "False", reason: "ContentHasNoFinalizers", message: "All content-preserving finalizers finished" },
    ];
    try {
      await this.#o.storeFor(this.#o.namespaces).modify(undefined, name, (old) => {
        const status = (old.status ?? {}) as NamespaceStatus;
        let conditions = status.conditions;
        for (const c of wanted) conditions = setCondition(conditions, c);
        return { ...old, status: { ...status, phase: "Terminating", conditions } };
      }, { fieldManager: "k3ts-namespace-controller", signal: this.#signal }, "status");
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
}
