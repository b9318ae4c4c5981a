/**
 * The statefulset controller (pkg/controller/statefulset): pods with stable names and storage,
 * made from ControllerRevisions. OrderedReady creates pods one ordinal at a time, each waiting
 * for its predecessors to be Running and Ready, and removes them highest ordinal first;
 * Parallel does neither wait. RollingUpdate replaces pods not at the update revision from the
 * highest ordinal down to the partition, one at a time and only while all are healthy; OnDelete
 * leaves that to the user. The status follows the pods, and the current revision becomes the
 * update revision once every pod is updated and ready.
 */
import { type Informer, isClientError, type KubeObject, type ResourceClient } from "../../../plugins/client.ts";
import { Controller, objectKey, splitKey, type ReconcileResult } from "../../../plugins/kit/controller.ts";
import { type LabelSelector, labelSelectorFromObject } from "../../api/selectors/labels.ts";
import { claimObjects } from "../controller-ref.ts";
import { type OwnerIndex, ownerIndex } from "../owner-index.ts";
import { controllerRef, newControllerRef, type Pod } from "../pod-status.ts";
import { PODS } from "../replicaset/types.ts";
import type { ControllerContext } from "../types.ts";
import { claimsFor, identityMatches, isMemberOf, newPod, ordinalOf, podRevision, storageMatches, updateIdentity, updateStorage } from "./identity.ts";
import { isCreated, isFailed, isHealthy, isPending, isRunningAndAvailable, isRunningAndReady, isSucceeded, isTerminating } from "./pod-state.ts";
import { applyRevision, byRevisionNumber, equalRevision, newRevision, nextRevision } from "./revisions.ts";
import { CONTROLLER_REVISIONS, type ControllerRevision, PVCS, type StatefulSet, type StatefulSetStatus, STATEFULSETS } from "./types.ts";

const WORKERS = 5;

interface Counts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

export class StatefulSetController {
  readonly #ctx: ControllerContext;
  readonly #sets: Informer<StatefulSet>;
  readonly #pods: Informer<Pod>;
  readonly #revisions: Informer<ControllerRevision>;
  readonly #claims: Informer<KubeObject>;
  readonly #podsByOwner: OwnerIndex<Pod>;
  readonly #revisionsByOwner: OwnerIndex<ControllerRevision>;
  readonly #setClient: ResourceClient<StatefulSet>;
  readonly #podClient: ResourceClient<Pod>;
  readonly #revisionClient: ResourceClient<ControllerRevision>;
  readonly #claimClient: ResourceClient<KubeObject>;
  readonly controller: Controller;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#sets = ctx.client.informer<StatefulSet>(STATEFULSETS);
    this.#pods = ctx.client.informer<Pod>(PODS);
    this.#revisions = ctx.client.informer<ControllerRevision>(CONTROLLER_REVISIONS);
    this.#claims = ctx.client.informer(PVCS);
    this.#podsByOwner = ownerIndex(this.#pods);
    this.#revisionsByOwner = ownerIndex(this.#revisions);
    this.#setClient = ctx.client.resource<StatefulSet>(STATEFULSETS);
    this.#podClient = ctx.client.resource<Pod>(PODS);
    this.#revisionClient = ctx.client.resource<ControllerRevision>(CONTROLLER_REVISIONS);
    this.#claimClient = ctx.client.resource(PVCS);
    this.controller = new Controller({ name: "statefulset", workers: WORKERS, log: ctx.log, reconcile: (key) => this.sync(key) });
  }

  async start(): Promise<void> {
    const { signal } = this.#ctx;
    await Promise.all([this.#sets.start(signal), this.#pods.start(signal), this.#revisions.start(signal), this.#claims.start(signal)]);
    const offs = [
      this.#sets.on({
        add: (s) => this.controller.enqueue(objectKey(s)),
        update: (_o, s) => this.controller.enqueue(objectKey(s)),
        delete: (s) => this.controller.enqueue(objectKey(s)),
      }),
      this.#pods.on({
        add: (p) => this.#podChanged(undefined, p),
        update: (old, p) => this.#podChanged(old, p),
        delete: (p) => this.#enqueueOwner(p),
      }),
    ];
    signal.addEventListener("abort", () => offs.forEach((off) => off()), { once: true });
    void this.controller.start(signal);
  }

  #enqueueOwner(pod: Pod): void {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== "StatefulSet") return;
    const set = this.#sets.get(ref.name, pod.metadata.namespace);
    if (set?.metadata.uid === ref.uid) this.controller.enqueue(objectKey(set));
  }

  #podChanged(old: Pod | undefined, pod: Pod): void {
    if (old && old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if (old && controllerRef(old)?.uid !== controllerRef(pod)?.uid) this.#enqueueOwner(old);
    if (controllerRef(pod)) {
      this.#enqueueOwner(pod);
      const set = this.#sets.get(controllerRef(pod)!.name, pod.metadata.namespace);
      const minReady = set?.spec.minReadySeconds ?? 0;
      if (set && minReady > 0 && old && !isRunningAndReady(old) && isRunningAndReady(pod)) this.controller.enqueueAfter(objectKey(set), minReady * 1000 + 1000);
      return;
    }
    for (const set of this.#sets.list(pod.metadata.namespace ?? "")) {
      const selector = safeSelector(set);
      if (selector && isMemberOf(set, pod) && selector.matches(pod.metadata.labels)) this.controller.enqueue(objectKey(set));
    }
  }

  async sync(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const cached = this.#sets.get(name, namespace);
    if (!cached) return;
    const set = structuredClone(cached);
    const selector = safeSelector(set);
    if (!selector) return;
    const pods = await claimObjects<Pod>({
      owner: set,
      ref: newControllerRef(set, "apps/v1", "StatefulSet"),
      selector,
      filter: (p) => isMemberOf(set, p),
      owned: this.#podsByOwner.owned(set.metadata.uid!),
      orphans: this.#podsByOwner.orphans(namespace ?? ""),
      resource: this.#podClient,
    });
    const revisions = await claimObjects<ControllerRevision>({
      owner: set,
      ref: newControllerRef(set, "apps/v1", "StatefulSet"),
      selector,
      owned: this.#revisionsByOwner.owned(set.metadata.uid!),
      orphans: this.#revisionsByOwner.orphans(namespace ?? ""),
      resource: this.#revisionClient,
    });
    revisions.sort(byRevisionNumber);
    const { current, update, collisionCount } = await this.#syncRevisions(set, revisions);
    const status = await this.#updatePods(set, pods, current, update, collisionCount);
    await this.#writeStatus(set, status);
    await this.#truncateHistory(set, pods, revisions, current, update);
    const minReady = set.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.availableReplicas < (status.readyReplicas ?? 0)) return { requeueAfterMs: minReady * 1000 };
  }

  /** getStatefulSetRevisions: find or make the update revision; the current one from the status. */
  async #syncRevisions(set: StatefulSet, revisions: ControllerRevision[]): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    const candidate = newRevision(set, nextRevision(revisions), collisionCount);
    const equal = revisions.filter((r) => equalRevision(r, candidate));
    let update: ControllerRevision;
    if (equal.length > 0 && equal[equal.length - 1] === revisions[revisions.length - 1]) {
      update = revisions[revisions.length - 1]!;
    } else if (equal.length > 0) {
      // Back to an earlier template (a rollback): that revision becomes the newest.
      const r = structuredClone(equal[equal.length - 1]!);
      r.revision = candidate.revision;
      update = await this.#revisionClient.update(r);
    } else {
      ({ revision: update, collisionCount } = await this.#createRevision(set, candidate.revision, collisionCount));
    }
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  /** history.CreateControllerRevision: a name taken by different data bumps the collision count. */
  async #createRevision(set: StatefulSet, number: number, collisionCount: number): Promise<{ revision: ControllerRevision; collisionCount: number }> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const candidate = newRevision(set, number, collisionCount);
      try {
        return { revision: await this.#revisionClient.create(candidate), collisionCount };
      } catch (err) {
        if (!isClientError(err, 409)) throw err;
        const existing = await this.#revisionClient.get(candidate.metadata.name!, set.metadata.namespace);
        if (existing && equalRevision(existing, candidate)) return { revision: existing, collisionCount };
        collisionCount++;
      }
    }
    throw new Error(`could not find a free ControllerRevision name for StatefulSet ${set.metadata.name}`);
  }

  /** updateStatefulSet: the ordinal walk. Returns the status the pods now have. */
  async #updatePods(set: StatefulSet, pods: Pod[], current: ControllerRevision, update: ControllerRevision, collisionCount: number): Promise<StatefulSetStatus> {
    const currentSet = applyRevision(set, current);
    const updateSet = applyRevision(set, update);
    const currentName = current.metadata.name!;
    const updateName = update.metadata.name!;
    const replicaCount = set.spec.replicas ?? 1;
    const start = set.spec.ordinals?.start ?? 0;
    const minReady = set.spec.minReadySeconds ?? 0;
    const counts = this.#count(pods, minReady, currentName, updateName);
    const status = (): StatefulSetStatus => ({
      observedGeneration: set.metadata.generation,
      replicas: counts.replicas,
      readyReplicas: counts.readyReplicas,
      currentReplicas: counts.currentReplicas,
      updatedReplicas: counts.updatedReplicas,
      availableReplicas: counts.availableReplicas,
      currentRevision: currentName,
      updateRevision: updateName,
      collisionCount,
    });

    const partition = set.spec.updateStrategy?.type === "RollingUpdate" ? (set.spec.updateStrategy.rollingUpdate?.partition ?? 0) : 0;
    const versioned = (ordinal: number): Pod => {
      // Below the partition, pods stay at the current revision.
      const useCurrent = set.spec.updateStrategy?.type === "RollingUpdate" && ordinal - start < partition;
      return useCurrent ? newPod(currentSet, ordinal, currentName) : newPod(updateSet, ordinal, updateName);
    };

    const replicas: Pod[] = new Array(replicaCount);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ord = ordinalOf(pod);
      if (ord >= start && ord < start + replicaCount) replicas[ord - start] = pod;
      else if (ord >= 0) condemned.push(pod);
    }
    for (let i = 0; i < replicaCount; i++) replicas[i] ??= versioned(start + i);
    condemned.sort((a, b) => ordinalOf(a) - ordinalOf(b));
    if (set.metadata.deletionTimestamp) return status();
    const firstUnhealthy = replicas.find((p) => !isHealthy(p)) ?? condemned.find((p) => !isHealthy(p));
    const monotonic = set.spec.podManagementPolicy !== "Parallel";

    for (let i = 0; i < replicaCount; i++) {
      let pod = replicas[i]!;
      if (isFailed(pod) || isSucceeded(pod)) {
        // A pod that has finished is deleted and made again (stateful pods run forever).
        if (!isTerminating(pod)) {
          await this.#deletePod(set, pod);
          if (podRevision(pod) === currentName) counts.currentReplicas--;
          if (podRevision(pod) === updateName) counts.updatedReplicas--;
          counts.replicas--;
        }
        if (monotonic) return status();
        continue;
      }
      if (!isCreated(pod)) {
        await this.#createClaims(set, pod);
        await this.#createPod(set, pod);
        counts.replicas++;
        if (podRevision(pod) === currentName) counts.currentReplicas++;
        if (podRevision(pod) === updateName) counts.updatedReplicas++;
        if (monotonic) return status();
        continue;
      }
      if (isPending(pod)) await this.#createClaims(set, pod);
      if (isTerminating(pod) && monotonic) return status();
      if (!isRunningAndReady(pod) && monotonic) return status();
      if (!isRunningAndAvailable(pod, minReady) && monotonic) return status();
      if (identityMatches(set, pod) && storageMatches(set, pod)) continue;
      // Someone changed its identity: put it back (labels, hostname, volumes, claims).
      pod = structuredClone(pod);
      updateIdentity(updateSet, pod);
      updateStorage(updateSet, pod);
      await this.#createClaims(set, pod);
      await this.#podClient.update(pod);
    }

    // Scale down: highest ordinal first; in order, only once the rest are healthy.
    for (let target = condemned.length - 1; target >= 0; target--) {
      const pod = condemned[target]!;
      if (isTerminating(pod)) {
        if (monotonic) return status();
        continue;
      }
      if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady))) return status();
      await this.#markClaimsForScaleDown(set, pod);
      await this.#deletePod(set, pod);
      if (podRevision(pod) === currentName) counts.currentReplicas--;
      if (podRevision(pod) === updateName) counts.updatedReplicas--;
      if (monotonic) return status();
    }

    if (set.spec.updateStrategy?.type === "OnDelete") return status();
    // Rolling update: the highest ordinal not at the update revision goes, one at a time.
    for (let target = replicaCount - 1; target >= partition; target--) {
      const pod = replicas[target]!;
      if (podRevision(pod) !== updateName && !isTerminating(pod)) {
        await this.#deletePod(set, pod);
        if (podRevision(pod) === currentName) counts.currentReplicas--;
        return status();
      }
      if (!isHealthy(pod)) return status();
    }
    return status();
  }

  /** computeReplicaStatus. */
  #count(pods: Pod[], minReady: number, currentName: string, updateName: string): Counts {
    const c: Counts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
    const now = Date.now();
    for (const pod of pods) {
      if (isCreated(pod)) c.replicas++;
      if (isRunningAndReady(pod)) {
        c.readyReplicas++;
        if (isRunningAndAvailable(pod, minReady, now)) c.availableReplicas++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        if (podRevision(pod) === currentName) c.currentReplicas++;
        if (podRevision(pod) === updateName) c.updatedReplicas++;
      }
    }
    return c;
  }

  async #createPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.#podClient.create(pod);
      this.#ctx.events.event(set, "Normal", "SuccessfulCreate", `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      // Already there: the informer has not caught up; the next sync sees it.
      if (isClientError(err, 409)) return;
      this.#ctx.events.event(set, "Warning", "FailedCreate", `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  async #deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.#podClient.delete(pod.metadata.name!, pod.metadata.namespace, { preconditions: { uid: pod.metadata.uid } });
      this.#ctx.events.event(set, "Normal", "SuccessfulDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      if (isClientError(err, 404) || isClientError(err, 409)) return;
      this.#ctx.events.event(set, "Warning", "FailedDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  /**
   * createPersistentVolumeClaims: the pod's claims, made if missing. With whenDeleted: Delete
   * the StatefulSet owns them, so that the garbage collector removes them with it.
   */
  async #createClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const ordinal = ordinalOf(pod);
    const deleteWithSet = set.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete";
    for (const claim of claimsFor(set, ordinal)) {
      const existing = this.#claims.get(claim.metadata.name!, claim.metadata.namespace);
      if (existing) {
        if (existing.metadata.deletionTimestamp) throw new Error(`pvc ${claim.metadata.name} is being deleted`);
        continue;
      }
      if (deleteWithSet) claim.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "StatefulSet", name: set.metadata.name!, uid: set.metadata.uid!, blockOwnerDeletion: true, controller: true }];
      try {
        await this.#claimClient.create(claim);
        this.#ctx.events.event(set, "Normal", "SuccessfulCreate", `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
      } catch (err) {
        if (isClientError(err, 409)) continue;
        this.#ctx.events.event(set, "Warning", "FailedCreate", `create Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  /** With whenScaled: Delete, a condemned pod's claims become the pod's, to go when it goes. */
  async #markClaimsForScaleDown(set: StatefulSet, pod: Pod): Promise<void> {
    if (set.spec.persistentVolumeClaimRetentionPolicy?.whenScaled !== "Delete") return;
    for (const claim of claimsFor(set, ordinalOf(pod))) {
      const existing = this.#claims.get(claim.metadata.name!, claim.metadata.namespace);
      if (!existing || existing.metadata.ownerReferences?.some((r) => r.uid === pod.metadata.uid)) continue;
      const refs = [...(existing.metadata.ownerReferences ?? []).filter((r) => r.uid !== set.metadata.uid), { apiVersion: "v1", kind: "Pod", name: pod.metadata.name!, uid: pod.metadata.uid!, blockOwnerDeletion: true, controller: true }];
      await this.#claimClient.patch(existing.metadata.name!, { metadata: { ownerReferences: refs } }, { type: "merge", namespace: existing.metadata.namespace });
    }
  }

  /** updateStatefulSetStatus: completes a finished rolling update, writes when anything moved. */
  async #writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    if (set.spec.updateStrategy?.type === "RollingUpdate" && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    const next = omitZeros(status);
    if (set.status?.conditions) next.conditions = set.status.conditions;
    if (sameStatus(set.status, next)) return;
    try {
      await this.#setClient.updateStatus({ ...set, status: next });
    } catch (err) {
      if (!isClientError(err, 409)) throw err;
      const fresh = await this.#setClient.get(set.metadata.name!, set.metadata.namespace);
      if (fresh && fresh.metadata.uid === set.metadata.uid) await this.#setClient.updateStatus({ ...fresh, status: next });
    }
  }

  /** truncateHistory: drop the oldest revisions no pod uses beyond revisionHistoryLimit. */
  async #truncateHistory(set: StatefulSet, pods: Pod[], revisions: ControllerRevision[], current: ControllerRevision, update: ControllerRevision): Promise<void> {
    const live = new Set([current.metadata.name, update.metadata.name, ...pods.map(podRevision)]);
    const history = revisions.filter((r) => !live.has(r.metadata.name));
    const excess = history.length - (set.spec.revisionHistoryLimit ?? 10);
    for (let i = 0; i < excess; i++) {
      await this.#revisionClient.delete(history[i]!.metadata.name!, set.metadata.namespace).catch((err) => {
        if (!isClientError(err, 404)) throw err;
      });
    }
  }
}

function omitZeros(s: StatefulSetStatus): StatefulSetStatus {
  const out: StatefulSetStatus = { ...s };
  for (const k of ["readyReplicas", "currentReplicas", "updatedReplicas", "collisionCount", "observedGeneration"] as const) if (!out[k]) delete out[k];
  return out;
}

function sameStatus(a: StatefulSetStatus | undefined, b: StatefulSetStatus): boolean {
  const keys = ["observedGeneration", "replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas", "currentRevision", "updateRevision", "collisionCount"] as const;
  return keys.every((k) => (a?.[k] ?? 0) === (b[k] ?? 0));
}

function safeSelector(set: StatefulSet): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(set.spec.selector);
  } catch {
    return undefined;
  }
}


