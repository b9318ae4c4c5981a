/**
 * The CRD registrar: follows CustomResourceDefinitions through the watch cache and keeps the
 * catalog serving what they define — one ResourceDefinition per served version — while writing
 * their status as upstream's naming, establishing and finalizer controllers do: acceptedNames,
 * NamesAccepted (name conflicts), Established (True once served), Terminating, and the cleanup
 * finalizer removed once every custom resource is gone. Discovery and OpenAPI follow the catalog.
 *
 * It runs in the server process on the watch cache (no HTTP hop) and writes through the CRD's
 * ResourceStore, so its status writes are validated like any client's. Work is serial: one
 * queue of CRD names, each reconciled from the cache's current state.
 */
import type { Logger } from "../../../plugins/mod.ts";
import { objectKey, resourcePrefix } from "../../storage/keys.ts";
import type { KubeObject } from "../../storage/object.ts";
import type { CacheSubscriber, WatchCache } from "../../storage/watch-cache.ts";
import type { Catalog } from "../catalog.ts";
import type { ResourceStore } from "../rest/resource-store.ts";
import type { ResourceDefinition } from "../types.ts";
import { type Condition, conditionTrue, setCondition } from "./conditions.ts";
import { customResourceDefinitions } from "./custom-resource.ts";
import { deleteInstances } from "./instance-cleanup.ts";
import { acceptNames } from "./names-accepted.ts";
import { CLEANUP_FINALIZER, type CrdNames, type CrdStatus, type CustomResourceDefinition } from "./types.ts";
import { sortVersions } from "./version-priority.ts";
import { SerialKeyQueue } from "../../controllers/serial-key-queue.ts";

export interface CrdRegistrarOptions {
  cache: WatchCache;
  catalog: Catalog;
  storeFor(def: ResourceDefinition): ResourceStore;
  /** The CustomResourceDefinition kind itself. */
  crds: ResourceDefinition;
  log: Logger;
  /** Delay before looking again at a CRD whose custom resources still hold finalizers. */
  retryMs?: number;
}

interface Served {
  /** What the definitions were built from: rebuilt only when it changes. */
  signature: string;
  defs: ResourceDefinition[];
}

export class CrdRegistrar {
  readonly #o: CrdRegistrarOptions;
  readonly #served = new Map<string, Served>();
  readonly #terminating = new Set<string>();
  readonly #queue: SerialKeyQueue;
  #unsubscribe: (() => void) | undefined;
  #signal: AbortSignal | undefined;

  constructor(options: CrdRegistrarOptions) {
    this.#o = options;
    this.#queue = new SerialKeyQueue({ reconcile: (name) => this.#reconcile(name), retryMs: options.retryMs ?? 500, log: options.log, what: "crd" });
  }

  get #prefix(): string {
    return resourcePrefix(this.#o.crds);
  }

  /** Serves every CRD in the cache, then follows changes. Resolves once the first pass is done. */
  async start(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    signal.addEventListener("abort", () => this.stop(), { once: true });
    const subscriber: CacheSubscriber = {
      deliver: (event) => this.#queue.enqueue(event.object.metadata.name!),
      end: (reason) => {
        if (reason === "reset" && !this.#queue.stopped) this.#resubscribe(subscriber);
      },
    };
    this.#resubscribe(subscriber);
    await this.#queue.idle();
  }

  stop(): void {
    this.#queue.stop();
    this.#unsubscribe?.();
  }

  /** Waits until the queue is empty (tests). */
  async idle(): Promise<void> {
    await this.#queue.idle();
  }

  #resubscribe(subscriber: CacheSubscriber): void {
    // List and subscribe in the same tick: nothing can happen between them.
    const names = this.#o.cache.list(this.#prefix).map((e) => e.object.metadata.name!);
    this.#unsubscribe = this.#o.cache.subscribe(this.#prefix, subscriber);
    for (const name of names) this.#queue.enqueue(name);
    // CRDs that vanished while the cache reloaded.
    for (const name of this.#served.keys()) this.#queue.enqueue(name);
  }



  #get(name: string): CustomResourceDefinition | undefined {
    return this.#o.cache.get(objectKey({ ...this.#o.crds, namespaced: false }, undefined, name))?.object as CustomResourceDefinition | undefined;
  }

  async #reconcile(name: string): Promise<void> {
    const crd = this.#get(name);
    if (!crd) {
      this.#terminating.delete(name);
      this.#unserve(name);
      return;
    }
    if (crd.metadata.deletionTimestamp) this.#terminating.add(name);
    else this.#terminating.delete(name);

    const others = this.#o.cache.list(this.#prefix).map((e) => e.object as CustomResourceDefinition);
    const builtins = this.#o.catalog.all().filter((d) => d.modelName !== undefined);
    const { accepted, namesAccepted } = acceptNames(crd, others, builtins);
    const wasEstablished = conditionTrue(crd.status?.conditions, "Established");
    // Conflicting new names keep a CRD served under the names it had; a new CRD waits.
    const serveNames: CrdNames | undefined = namesAccepted.status === "True" ? accepted : wasEstablished ? crd.status?.acceptedNames : undefined;
    if (serveNames) this.#serve(crd, serveNames);
    else this.#unserve(name);

    let established: Condition;
    if (serveNames) established = { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" };
    else established = { type: "Established", status: "False", reason: "NotAccepted", message: "not all names are accepted" };
    await this.#writeStatus(name, (status) => ({
      ...status,
      acceptedNames: accepted,
      conditions: setCondition(setCondition(status.conditions, namesAccepted), established),
    }));

    if (crd.metadata.deletionTimestamp && crd.metadata.finalizers?.includes(CLEANUP_FINALIZER)) await this.#cleanup(crd, serveNames);
  }

  #serve(crd: CustomResourceDefinition, names: CrdNames): void {
    const name = crd.metadata.name!;
    const signature = JSON.stringify([crd.spec, names]);
    if (this.#served.get(name)?.signature === signature) return;
    const defs = customResourceDefinitions(crd, { names, terminating: () => this.#terminating.has(name) });
    const before = this.#served.get(name)?.defs ?? [];
    for (const old of before) {
      if (!defs.some((d) => d.group === old.group && d.version === old.version && d.resource === old.resource)) {
        this.#o.catalog.remove(old.group, old.version, old.resource);
      }
    }
    for (const def of defs) this.#o.catalog.add(def);
    const group = crd.spec.group;
    this.#o.catalog.setVersionOrder(group, sortVersions(this.#o.catalog.versionsOf(group)));
    this.#served.set(name, { signature, defs });
    this.#o.log.info("serving custom resource", { crd: name, versions: defs.map((d) => d.version) });
  }

  #unserve(name: string): void {
    const served = this.#served.get(name);
    if (!served) return;
    for (const d of served.defs) this.#o.catalog.remove(d.group, d.version, d.resource);
    this.#served.delete(name);
    this.#o.log.info("stopped serving custom resource", { crd: name });
  }

  /** A status write through the status subresource; unchanged status writes nothing. */
  async #writeStatus(name: string, change: (status: CrdStatus) => CrdStatus): Promise<void> {
    try {
      await this.#o.storeFor(this.#o.crds).modify(undefined, name, (old) => {
        const status = change(structuredClone((old.status ?? {}) as CrdStatus));
        return { ...old, status } as KubeObject;
      }, { fieldManager: "k3ts-crd-registrar", signal: this.#signal }, "status");
    } catch (err) {
      if ((err as { code?: number }).code === 404) return;
      throw err;
    }
  }

  /** Deletes the custom resources of a CRD being deleted; removes the finalizer once none remain. */
  async #cleanup(crd: CustomResourceDefinition, names: CrdNames | undefined): Promise<void> {
    const name = crd.metadata.name!;
    const served = this.#served.get(name)?.defs[0];
    // Instances live under the accepted plural; with nothing served, under the requested one.
    const def = served ?? customResourceDefinitions(crd, { names: names ?? crd.status?.acceptedNames ?? crd.spec.names, terminating: () => true })[0];
    if (def) {
      await this.#setTerminating(name, "InstanceDeletionInProgress", "CustomResource deletion is in progress", "True");
      const outcome = await deleteInstances(this.#o.storeFor(def), this.#o.cache, this.#signal);
      if (outcome.errors.length > 0) {
        await this.#setTerminating(name, "InstanceDeletionFailed", `could not list instances: ${outcome.errors.join("; ")}`, "True");
        this.#queue.later(name);
        return;
      }
      if (outcome.remaining > 0) {
        await this.#setTerminating(name, "InstanceDeletionCheck", `could not confirm zero CustomResources remaining: ${outcome.remaining} remaining`, "True");
        this.#queue.later(name);
        return;
      }
    }
    await this.#setTerminating(name, "InstanceDeletionCompleted", "removed all instances", "False");
    this.#unserve(name);
    try {
      await this.#o.storeFor(this.#o.crds).modify(undefined, name, (old) => ({
        ...old,
        metadata: { ...old.metadata, finalizers: (old.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) },
      }), { fieldManager: "k3ts-crd-registrar", signal: this.#signal });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }

  #setTerminating(name: string, reason: string, message: string, status: "True" | "False"): Promise<void> {
    return this.#writeStatus(name, (s) => ({ ...s, conditions: setCondition(s.conditions, { type: "Terminating", status, reason, message }) }));
  }
}
