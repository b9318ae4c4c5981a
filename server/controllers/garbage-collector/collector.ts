/**
 * The garbage collector's workers (upstream: attemptToDeleteItem and attemptToOrphanWorker).
 *
 * attemptToDelete(node), keyed by uid:
 * - a virtual node (an owner only named by references) is looked up; if it does not exist (or
 *   has another uid) it leaves the graph and its dependents get a look;
 * - a node deleting its dependents (foregroundDeletion) loses that finalizer once no dependent
 *   with blockOwnerDeletion remains, and meanwhile pushes those dependents to be deleted;
 * - otherwise its ownerReferences are classified: solid (owner exists), dangling (no object
 *   with that uid where the reference points) or waiting (owner deleting its dependents). With a
 *   solid owner, dangling and waiting references are removed and the object stays; with a waiting
 *   owner and dependents of its own, it is deleted in the foreground; with no solid owner, it is
 *   deleted (propagation from its own finalizers, Background by default).
 * attemptToOrphan(node): strips the references to the node from its dependents, then removes its
 * `orphan` finalizer.
 *
 * Graph reads replace API reads where the graph knows enough (an observed owner with matching
 * coordinates): an object whose owners are all live and settled costs no request at all.
 */
import { Controller } from "../../../plugins/kit/controller.ts";
import type { Client, KubeObject, ResourceClient } from "../../../plugins/client.ts";
import { isClientError } from "../../../plugins/client.ts";
import type { Logger } from "../../../plugins/mod.ts";
import type { EventRecorder } from "../events.ts";
import { FOREGROUND_FINALIZER, type GraphNode, type Identity, ORPHAN_FINALIZER, type OwnerReference, type OwnershipGraph, referenceMatches } from "./graph.ts";
import type { ResourceResolver } from "./resources.ts";

/** A cluster-scoped object names a namespaced owner: never valid, never retried. */
class InvalidOwnerNamespace extends Error {}

interface OwnerState {
  dangling: boolean;
  waiting: boolean;
}

/** How many verified-absent owners are remembered (upstream: absentOwnerCache, 500). */
const ABSENT_CACHE_SIZE = 1000;

export interface CollectorOptions {
  client: Client;
  graph: () => OwnershipGraph;
  resources: ResourceResolver;
  events: EventRecorder;
  log: Logger;
  workers?: number;
}

export class Collector {
  readonly #o: CollectorOptions;
  readonly deleteQueue: Controller;
  readonly orphanQueue: Controller;
  /** "uid|namespace" of owners verified absent: dependents of a deleted owner need one lookup, not one each. */
  readonly #absent = new Set<string>();

  constructor(options: CollectorOptions) {
    this.#o = options;
    this.deleteQueue = new Controller({ name: "garbage-collector-delete", workers: options.workers ?? 8, log: options.log, reconcile: (uid) => this.#attemptToDelete(uid) });
    this.orphanQueue = new Controller({ name: "garbage-collector-orphan", workers: 2, log: options.log, reconcile: (uid) => this.#attemptToOrphan(uid) });
  }

  start(signal: AbortSignal): void {
    void this.deleteQueue.start(signal);
    void this.orphanQueue.start(signal);
  }

  /** For the graph: an object whose namespace cannot hold the owner it names. */
  reportInvalidNamespace(dependent: GraphNode, owner: Identity): void {
    const d = dependent.identity;
    this.#o.events.event(
      { apiVersion: d.apiVersion, kind: d.kind, metadata: { name: d.name, namespace: d.namespace || undefined, uid: d.uid } },
      "Warning",
      "OwnerRefInvalidNamespace",
      `ownerRef [${owner.apiVersion}/${owner.kind}, namespace: ${owner.namespace}, name: ${owner.name}, uid: ${owner.uid}] does not exist in namespace "${d.namespace}"`,
    );
  }

  #resource(apiVersion: string, kind: string): { client: ResourceClient; namespaced: boolean } {
    const r = this.#o.resources.resolve(apiVersion, kind);
    if (!r) throw new Error(`no resource serves ${kind} in ${apiVersion}`);
    return { client: this.#o.client.resource({ apiVersion: r.apiVersion, resource: r.resource }), namespaced: r.namespaced };
  }

  /** The live object of an identity, or undefined (absent, or another object under that name). */
  async #live(identity: Identity): Promise<KubeObject | undefined> {
    const { client, namespaced } = this.#resource(identity.apiVersion, identity.kind);
    if (namespaced && !identity.namespace) return undefined;
    const o = await client.get(identity.name, namespaced ? identity.namespace : undefined);
    return o && o.metadata.uid === identity.uid ? o : undefined;
  }

  #remember(key: string): void {
    this.#absent.add(key);
    if (this.#absent.size > ABSENT_CACHE_SIZE) this.#absent.delete(this.#absent.values().next().value!);
  }

  /** Whether a reference of `item` points to a live owner, and whether that owner waits for its dependents. */
  async #owner(ref: OwnerReference, item: Identity): Promise<OwnerState> {
    const r = this.#o.resources.resolve(ref.apiVersion, ref.kind);
    if (!r) throw new Error(`no resource serves ${ref.kind} in ${ref.apiVersion}`);
    if (r.namespaced && !item.namespace) throw new InvalidOwnerNamespace();
    const namespace = r.namespaced ? item.namespace : "";
    const absentKey = `${ref.uid}|${namespace}`;
    if (this.#absent.has(absentKey)) return { dangling: true, waiting: false };
    const node = this.#o.graph().get(ref.uid);
    if (node?.observed && referenceMatches(ref, node.identity) && node.identity.namespace === namespace) {
      return { dangling: false, waiting: node.deletingDependents };
    }
    const owner = await this.#live({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace, uid: ref.uid });
    if (!owner) {
      this.#remember(absentKey);
      return { dangling: true, waiting: false };
    }
    return { dangling: false, waiting: !!owner.metadata.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER) };
  }

  /** True when every owner is observed in the graph, settled and where the reference says: nothing to do. */
  #settled(node: GraphNode): boolean {
    for (const ref of node.owners) {
      const owner = this.#o.graph().get(ref.uid);
      if (!owner?.observed || owner.deletingDependents || !referenceMatches(ref, owner.identity)) return false;
      if (owner.identity.namespace !== "" && owner.identity.namespace !== node.identity.namespace) return false;
    }
    return true;
  }

  async #attemptToDelete(uid: string): Promise<void> {
    const graph = this.#o.graph();
    const item = graph.get(uid);
    if (!item) return;
    // Deletion is a one-way trip: its dependents get their turn when it is gone.
    if (item.beingDeleted && !item.deletingDependents) return;
    if (item.observed && !item.deletingDependents && this.#settled(item)) return;
    let latest: KubeObject | undefined;
    try {
      latest = await this.#live(item.identity);
    } catch (err) {
      if (!item.observed && !this.#o.resources.resolve(item.identity.apiVersion, item.identity.kind)) {
        // A kind nobody serves: its objects cannot exist.
        graph.virtualDelete(item);
        return;
      }
      throw err;
    }
    if (!latest) {
      // Not there (or another object under the name): a virtual node leaves the graph; an
      // observed one will leave with its informer's delete event.
      graph.virtualDelete(item);
      return;
    }
    if (!item.observed) return; // It exists; its informer will show it.
    if (item.deletingDependents) return this.#finishForeground(item);
    const refs = latest.metadata.ownerReferences ?? [];
    if (!refs.length) return;
    const solid: OwnerReference[] = [];
    const gone: OwnerReference[] = [];
    let waiting = false;
    try {
      for (const ref of refs) {
        const state = await this.#owner(ref, item.identity);
        if (state.dangling) gone.push(ref);
        else if (state.waiting) {
          waiting = true;
          gone.push(ref);
        } else solid.push(ref);
      }
    } catch (err) {
      if (err instanceof InvalidOwnerNamespace) {
        // Upstream: an unresolvable reference; the object is not collected, and not retried.
        const ref = refs.find((r) => this.#o.resources.resolve(r.apiVersion, r.kind)?.namespaced);
        if (ref) this.reportInvalidNamespace(item, { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: "" });
        return;
      }
      throw err;
    }
    const { client } = this.#resource(item.identity.apiVersion, item.identity.kind);
    const namespace = item.identity.namespace || undefined;
    if (solid.length) {
      if (!gone.length) return;
      // Another owner lives: only the references to owners gone (or waiting, which would
      // otherwise wait on this object forever) are removed.
      const drop = new Set(gone.map((r) => r.uid));
      const remaining = refs.filter((r) => !drop.has(r.uid));
      await client.patch(item.identity.name, { metadata: { ownerReferences: remaining, resourceVersion: latest.metadata.resourceVersion } }, { type: "merge", namespace });
      return;
    }
    let policy: "Orphan" | "Foreground" | "Background";
    const finalizers = latest.metadata.finalizers ?? [];
    if (waiting && item.dependents.size) {
      // An owner waits for this object, which has dependents of its own: they go first.
      if ([...item.dependents].some((d) => d.deletingDependents)) await this.#unblock(client, latest);
      policy = "Foreground";
    } else if (finalizers.includes(ORPHAN_FINALIZER)) policy = "Orphan";
    else if (finalizers.includes(FOREGROUND_FINALIZER)) policy = "Foreground";
    else policy = "Background";
    this.#o.log.debug("deleting an object whose owners are gone", { kind: item.identity.kind, namespace, name: item.identity.name, policy });
    await client.delete(item.identity.name, namespace, {
      propagationPolicy: policy,
      preconditions: { uid: item.identity.uid, resourceVersion: latest.metadata.resourceVersion },
    });
  }

  /** Cycle breaking (upstream's heuristics): references of an object whose dependent also deletes its dependents stop blocking. */
  async #unblock(client: ResourceClient, latest: KubeObject): Promise<void> {
    const refs = (latest.metadata.ownerReferences ?? []).map((r) => (r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
    await client.patch(latest.metadata.name!, { metadata: { ownerReferences: refs, resourceVersion: latest.metadata.resourceVersion } }, { type: "merge", namespace: latest.metadata.namespace });
  }

  async #finishForeground(item: GraphNode): Promise<void> {
    const blocking = item.blockingDependents();
    if (!blocking.length) {
      await this.#removeFinalizer(item, FOREGROUND_FINALIZER);
      return;
    }
    for (const dep of blocking) if (!dep.deletingDependents) this.deleteQueue.enqueue(dep.identity.uid);
  }

  async #removeFinalizer(item: GraphNode, finalizer: string): Promise<void> {
    const { client } = this.#resource(item.identity.apiVersion, item.identity.kind);
    for (let attempt = 0; ; attempt++) {
      const latest = await this.#live(item.identity);
      if (!latest) return;
      const finalizers = latest.metadata.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return;
      const rest = finalizers.filter((f) => f !== finalizer);
      try {
        await client.patch(item.identity.name, { metadata: { finalizers: rest.length ? rest : null, resourceVersion: latest.metadata.resourceVersion } }, { type: "merge", namespace: item.identity.namespace || undefined });
        return;
      } catch (err) {
        if (isClientError(err, 404)) return;
        if (!isClientError(err, 409) || attempt >= 5) throw err;
      }
    }
  }

  async #attemptToOrphan(uid: string): Promise<void> {
    const owner = this.#o.graph().get(uid);
    if (!owner) return;
    const failures: unknown[] = [];
    await Promise.all([...owner.dependents].map(async (dep) => {
      try {
        await this.#dropReference(dep, uid);
      } catch (err) {
        failures.push(err);
      }
    }));
    if (failures.length) throw new Error(`orphaning ${failures.length} dependent(s) of ${owner.identity.kind} ${owner.identity.name} failed: ${String(failures[0])}`);
    await this.#removeFinalizer(owner, ORPHAN_FINALIZER);
  }

  /** Removes the reference to `ownerUid` from a dependent (retried on conflicts). */
  async #dropReference(dep: GraphNode, ownerUid: string): Promise<void> {
    const { client } = this.#resource(dep.identity.apiVersion, dep.identity.kind);
    for (let attempt = 0; ; attempt++) {
      const latest = await this.#live(dep.identity);
      if (!latest) return;
      const refs = latest.metadata.ownerReferences ?? [];
      if (!refs.some((r) => r.uid === ownerUid)) return;
      const remaining = refs.filter((r) => r.uid !== ownerUid);
      try {
        await client.patch(dep.identity.name, { metadata: { ownerReferences: remaining.length ? remaining : null, resourceVersion: latest.metadata.resourceVersion } }, { type: "merge", namespace: dep.identity.namespace || undefined });
        return;
      } catch (err) {
        if (isClientError(err, 404)) return;
        if (!isClientError(err, 409) || attempt >= 5) throw err;
      }
    }
  }
}
