/**
 * The replicaset controller (pkg/controller/replicaset): keeps as many active pods as a
 * ReplicaSet asks for. Level-based: each sync reads the ReplicaSet and its pods from the shared
 * informers (through the owner index, never a list), adopts matching orphans and releases pods
 * that no longer match, creates or deletes the difference, and writes the status. Expectations
 * hold a ReplicaSet back until the informer has seen its last creations and deletions.
 */
import { type Informer, isClientError } from "../../../plugins/client.ts";
import { Controller, objectKey, splitKey, type ReconcileResult } from "../../../plugins/kit/controller.ts";
import { type LabelSelector, labelSelectorFromObject } from "../../api/selectors/labels.ts";
import { claimObjects } from "../controller-ref.ts";
import { Expectations } from "../expectations.ts";
import { type OwnerIndex, ownerIndex } from "../owner-index.ts";
import { controllerRef, isPodActive, isPodReady, newControllerRef, type Pod } from "../pod-status.ts";
import type { ControllerContext } from "../types.ts";
import { podsToDelete } from "./deletion-order.ts";
import { BURST_REPLICAS, createReplicas, deleteReplicas, type PodWrites } from "./pod-control.ts";
import { calculateStatus, statusChanged } from "./status.ts";
import { PODS, REPLICASETS, type ReplicaSet } from "./types.ts";

/** Upstream's --concurrent-replicaset-syncs is 5; our syncs mostly wait on in-process writes. */
const WORKERS = 10;

export class ReplicaSetController {
  readonly #ctx: ControllerContext;
  readonly #sets: Informer<ReplicaSet>;
  readonly #pods: Informer<Pod>;
  readonly #podsByOwner: OwnerIndex<Pod>;
  readonly #setsByOwner: OwnerIndex<ReplicaSet>;
  readonly #expectations = new Expectations();
  readonly #writes: PodWrites;
  readonly controller: Controller;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#sets = ctx.client.informer<ReplicaSet>(REPLICASETS);
    this.#pods = ctx.client.informer<Pod>(PODS);
    this.#podsByOwner = ownerIndex(this.#pods);
    this.#setsByOwner = ownerIndex(this.#sets);
    this.#writes = { pods: ctx.client.resource<Pod>(PODS), events: ctx.events, expectations: this.#expectations };
    this.controller = new Controller({ name: "replicaset", workers: WORKERS, log: ctx.log, reconcile: (key, signal) => this.sync(key, signal) });
  }

  async start(): Promise<void> {
    const { signal } = this.#ctx;
    await Promise.all([this.#sets.start(signal), this.#pods.start(signal)]);
    const offSets = this.#sets.on({
      add: (rs) => this.controller.enqueue(objectKey(rs)),
      update: (_old, rs) => this.controller.enqueue(objectKey(rs)),
      delete: (rs) => {
        this.#expectations.forget(objectKey(rs));
        this.controller.enqueue(objectKey(rs));
      },
    });
    const offPods = this.#pods.on({
      add: (pod) => this.#podAdded(pod),
      update: (old, pod) => this.#podUpdated(old, pod),
      delete: (pod) => this.#podDeleted(pod),
    });
    signal.addEventListener("abort", () => {
      offSets();
      offPods();
    }, { once: true });
    void this.controller.start(signal);
  }

  /** The ReplicaSet a controller reference points at, if it is still that one (same uid). */
  #resolve(namespace: string | undefined, ref: ReturnType<typeof controllerRef>): ReplicaSet | undefined {
    if (!ref || ref.kind !== "ReplicaSet") return undefined;
    const rs = this.#sets.get(ref.name, namespace);
    return rs?.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets of the pod's namespace whose selector matches it (candidates to adopt it). */
  #matchingSets(pod: Pod): ReplicaSet[] {
    // Orphan pods are rare (created by hand, or released): a scan of the namespace is fine.
    const out: ReplicaSet[] = [];
    for (const rs of this.#sets.list(pod.metadata.namespace ?? "")) {
      const selector = safeSelector(rs);
      if (selector && !selector.nothing && selector.matches(pod.metadata.labels)) out.push(rs);
    }
    return out;
  }

  #podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // A pod that shows up already terminating (e.g. after a restart of the informer).
      this.#podDeleted(pod, true);
      return;
    }
    const ref = controllerRef(pod);
    if (ref) {
      const rs = this.#resolve(pod.metadata.namespace, ref);
      if (!rs) return;
      const key = objectKey(rs);
      this.#expectations.creationObserved(key);
      this.controller.enqueue(key);
      return;
    }
    for (const rs of this.#matchingSets(pod)) this.controller.enqueue(objectKey(rs));
  }

  #podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const labelsChanged = !sameLabels(old.metadata.labels, pod.metadata.labels);
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // A graceful deletion has begun: for the expectations, the pod is as good as gone.
      this.#podDeleted(pod, true);
      if (labelsChanged) this.#podDeleted(old, false);
      return;
    }
    const oldRef = controllerRef(old);
    const ref = controllerRef(pod);
    const refChanged = oldRef?.uid !== ref?.uid;
    if (refChanged && oldRef) {
      const previous = this.#resolve(old.metadata.namespace, oldRef);
      if (previous) this.controller.enqueue(objectKey(previous));
    }
    if (ref) {
      const rs = this.#resolve(pod.metadata.namespace, ref);
      if (!rs) return;
      this.controller.enqueue(objectKey(rs));
      // Available only minReadySeconds after Ready: look again then.
      const minReady = rs.spec.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.controller.enqueueAfter(objectKey(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.#matchingSets(pod)) this.controller.enqueue(objectKey(rs));
  }

  /** `observe`: count this as a deletion the expectations wait for (once per pod). */
  #podDeleted(pod: Pod, observe = !pod.metadata.deletionTimestamp): void {
    const rs = this.#resolve(pod.metadata.namespace, controllerRef(pod));
    if (!rs) return;
    const key = objectKey(rs);
    if (observe) this.#expectations.deletionObserved(key);
    this.controller.enqueue(key);
  }

  async sync(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const rs = this.#sets.get(name, namespace);
    if (!rs) {
      this.#expectations.forget(key);
      return;
    }
    const selector = safeSelector(rs);
    if (!selector) return; // Invalid selectors are refused by validation; nothing to retry.
    const needsSync = this.#expectations.satisfied(key) && !rs.metadata.deletionTimestamp;
    const pods = await claimObjects<Pod>({
      owner: rs,
      ref: newControllerRef(rs, "apps/v1", "ReplicaSet"),
      selector,
      owned: this.#podsByOwner.owned(rs.metadata.uid!).filter(isPodActive),
      orphans: this.#podsByOwner.orphans(namespace ?? "").filter(isPodActive),
      resource: this.#writes.pods,
    });
    let manageError: unknown;
    if (needsSync) manageError = await this.#manageReplicas(key, rs, pods, signal);
    const status = await this.#writeStatus(rs, pods, manageError);
    if (manageError) throw manageError;
    const replicas = rs.spec.replicas ?? 1;
    const minReady = rs.spec.minReadySeconds ?? 0;
    if (status && minReady > 0 && status.readyReplicas === replicas && status.availableReplicas !== replicas) {
      return { requeueAfterMs: minReady * 1000 };
    }
  }

  async #manageReplicas(key: string, rs: ReplicaSet, pods: Pod[], signal: AbortSignal): Promise<unknown> {
    const diff = pods.length - (rs.spec.replicas ?? 1);
    if (diff < 0) return createReplicas(this.#writes, key, rs, Math.min(-diff, BURST_REPLICAS), signal);
    if (diff > 0) {
      const victims = podsToDelete(pods, this.#relatedPods(rs, pods), Math.min(diff, BURST_REPLICAS));
      return deleteReplicas(this.#writes, key, rs, victims);
    }
    return undefined;
  }

  /** getIndirectlyRelatedPods: the active pods of every ReplicaSet with the same owner. */
  #relatedPods(rs: ReplicaSet, own: Pod[]): Pod[] {
    const owner = controllerRef(rs);
    if (!owner) return own;
    const related: Pod[] = [];
    for (const sibling of this.#setsByOwner.owned(owner.uid)) {
      for (const p of this.#podsByOwner.owned(sibling.metadata.uid!)) if (isPodActive(p)) related.push(p);
    }
    return related;
  }

  /** Writes the status when it changed; on a conflict, once more on the stored object (as upstream). */
  async #writeStatus(rs: ReplicaSet, pods: Pod[], manageError: unknown) {
    const status = calculateStatus(rs, pods, manageError);
    if (!statusChanged(rs.status, status)) return status;
    const client = this.#ctx.client.resource<ReplicaSet>(REPLICASETS);
    try {
      await client.updateStatus({ ...rs, status });
    } catch (err) {
      if (!isClientError(err, 409)) throw err;
      const fresh = await client.get(rs.metadata.name!, rs.metadata.namespace);
      if (!fresh || fresh.metadata.uid !== rs.metadata.uid) return status;
      await client.updateStatus({ ...fresh, status });
    }
    return status;
  }
}

function safeSelector(rs: ReplicaSet): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(rs.spec.selector);
  } catch {
    return undefined;
  }
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}
