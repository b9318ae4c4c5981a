/**
 * The deployment controller (pkg/controller/deployment): a Deployment owns ReplicaSets, one per
 * pod template it has had, named and selected by the template's hash; a rollout scales the new
 * one up and the old ones down within maxSurge and maxUnavailable (rolling.go), or all old ones
 * to zero first (recreate.go). It numbers revisions on the ReplicaSets, keeps
 * revisionHistoryLimit old ones, scales proportionally when resized mid-rollout, and reports the
 * rollout in its status and conditions (progress.go). Syncs are level-based: each starts from
 * the informers' view and writes what differs.
 */
import { type Informer, isClientError, type ResourceClient } from "../../../plugins/client.ts";
import { Controller, objectKey, splitKey, type ReconcileResult } from "../../../plugins/kit/controller.ts";
import { type LabelSelector, labelSelectorFromObject } from "../../api/selectors/labels.ts";
import { claimObjects } from "../controller-ref.ts";
import { type OwnerIndex, ownerIndex } from "../owner-index.ts";
import { computeHash } from "../pod-template-hash.ts";
import { controllerRef, newControllerRef, type Pod } from "../pod-status.ts";
import { PODS, REPLICASETS } from "../replicaset/types.ts";
import type { ControllerContext } from "../types.ts";
import { deploymentComplete, getCondition, hasProgressDeadline, newCondition, setCondition } from "./conditions.ts";
import { maxSurge, maxUnavailable, newRSNewReplicas, replicasOf, specReplicas } from "./fenceposts.ts";
import { planScale } from "./proportional.ts";
import {
  activeSets,
  actualReplicas,
  availableReplicas,
  byCreation,
  byRevision,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  findNewReplicaSet,
  maxRevision,
  replicasAnnotationsNeedUpdate,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from "./replica-sets.ts";
import { calculateStatus, rolloutStatus, statusEqual } from "./status.ts";
import {
  DEPLOYMENTS,
  type Deployment,
  type DeploymentStatus,
  FAILED_RS_CREATE_REASON,
  FOUND_NEW_RS_REASON,
  MAX_REV_HISTORY_LENGTH_IN_CHARS,
  NEW_RS_REASON,
  PAUSED_REASON,
  POD_TEMPLATE_HASH_LABEL,
  type ReplicaSet,
  RESUMED_REASON,
  REVISION_ANNOTATION,
  TIMED_OUT_REASON,
} from "./types.ts";

/** Upstream's --concurrent-deployment-syncs is 5; ours wait mostly on in-process writes. */
const WORKERS = 8;

type Result = ReconcileResult | void;

export class DeploymentController {
  readonly #ctx: ControllerContext;
  readonly #deployments: Informer<Deployment>;
  readonly #sets: Informer<ReplicaSet>;
  readonly #pods: Informer<Pod>;
  readonly #setsByOwner: OwnerIndex<ReplicaSet>;
  readonly #podsByOwner: OwnerIndex<Pod>;
  readonly #deploymentClient: ResourceClient<Deployment>;
  readonly #setClient: ResourceClient<ReplicaSet>;
  readonly controller: Controller;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#deployments = ctx.client.informer<Deployment>(DEPLOYMENTS);
    this.#sets = ctx.client.informer<ReplicaSet>(REPLICASETS);
    this.#pods = ctx.client.informer<Pod>(PODS);
    this.#setsByOwner = ownerIndex(this.#sets);
    this.#podsByOwner = ownerIndex(this.#pods);
    this.#deploymentClient = ctx.client.resource<Deployment>(DEPLOYMENTS);
    this.#setClient = ctx.client.resource<ReplicaSet>(REPLICASETS);
    this.controller = new Controller({ name: "deployment", workers: WORKERS, log: ctx.log, reconcile: (key) => this.sync(key) });
  }

  async start(): Promise<void> {
    const { signal } = this.#ctx;
    await Promise.all([this.#deployments.start(signal), this.#sets.start(signal), this.#pods.start(signal)]);
    const offs = [
      this.#deployments.on({
        add: (d) => this.controller.enqueue(objectKey(d)),
        update: (_o, d) => this.controller.enqueue(objectKey(d)),
        delete: (d) => this.controller.enqueue(objectKey(d)),
      }),
      this.#sets.on({
        add: (rs) => this.#setChanged(undefined, rs),
        update: (old, rs) => this.#setChanged(old, rs),
        delete: (rs) => this.#enqueueOwner(rs),
      }),
      // Recreate waits for the old pods to be gone: their deletion is news.
      this.#pods.on({ delete: (pod) => this.#podDeleted(pod) }),
    ];
    signal.addEventListener("abort", () => offs.forEach((off) => off()), { once: true });
    void this.controller.start(signal);
  }

  #resolve(namespace: string | undefined, ref: ReturnType<typeof controllerRef>): Deployment | undefined {
    if (!ref || ref.kind !== "Deployment") return undefined;
    const d = this.#deployments.get(ref.name, namespace);
    return d?.metadata.uid === ref.uid ? d : undefined;
  }

  #enqueueOwner(rs: ReplicaSet): boolean {
    const d = this.#resolve(rs.metadata.namespace, controllerRef(rs));
    if (d) this.controller.enqueue(objectKey(d));
    return d !== undefined;
  }

  #setChanged(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    if (old && old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
    const oldRef = old && controllerRef(old);
    const ref = controllerRef(rs);
    if (old && oldRef && oldRef.uid !== ref?.uid) this.#enqueueOwner(old);
    if (ref) {
      this.#enqueueOwner(rs);
      return;
    }
    // An orphan: the Deployments that might adopt it (rare; a namespace scan is fine).
    for (const d of this.#deployments.list(rs.metadata.namespace ?? "")) {
      const selector = safeSelector(d);
      if (selector && !selector.nothing && selector.requirements.length > 0 && selector.matches(rs.metadata.labels)) this.controller.enqueue(objectKey(d));
    }
  }

  #podDeleted(pod: Pod): void {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== "ReplicaSet") return;
    const rs = this.#sets.get(ref.name, pod.metadata.namespace);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const d = this.#resolve(rs.metadata.namespace, controllerRef(rs));
    if (d && d.spec.strategy?.type === "Recreate") this.controller.enqueue(objectKey(d));
  }

  async sync(key: string): Promise<Result> {
    const { namespace, name } = splitKey(key);
    const cached = this.#deployments.get(name, namespace);
    if (!cached) return;
    // Syncs replace metadata and status fields, never mutate them in place: a shallow copy will do.
    const d: Deployment = { ...cached, metadata: { ...cached.metadata } };
    const sel = d.spec.selector ?? {};
    if (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length) {
      this.#ctx.events.event(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) await this.#writeStatus(d, { ...d.status, observedGeneration: d.metadata.generation });
      return;
    }
    const sets = await this.#claimReplicaSets(d);
    if (!sets) return;
    if (d.metadata.deletionTimestamp) return this.#syncStatusOnly(d, sets);
    await this.#checkPausedConditions(d);
    if (d.spec.paused) return this.#syncScale(d, sets);
    if (await this.#isScalingEvent(d, sets)) return this.#syncScale(d, sets);
    if (d.spec.strategy?.type === "Recreate") return this.#rolloutRecreate(d, sets);
    return this.#rolloutRolling(d, sets);
  }

  /** getReplicaSetsForDeployment: owned ReplicaSets still selected, plus adopted orphans (copies). */
  async #claimReplicaSets(d: Deployment): Promise<ReplicaSet[] | undefined> {
    const selector = safeSelector(d);
    if (!selector) return undefined;
    const claimed = await claimObjects<ReplicaSet>({
      owner: d,
      ref: newControllerRef(d, "apps/v1", "Deployment"),
      selector,
      owned: this.#setsByOwner.owned(d.metadata.uid!),
      orphans: this.#setsByOwner.orphans(d.metadata.namespace ?? ""),
      resource: this.#setClient,
    });
    // Writes change replicas, minReadySeconds and annotations of these copies, and nothing deeper.
    return claimed.map((rs) => ({ ...rs, metadata: { ...rs.metadata, annotations: { ...rs.metadata.annotations } }, spec: { ...rs.spec } }));
  }

  // ---- writes ---------------------------------------------------------------------------------

  async #writeStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    const written = await this.#deploymentClient.updateStatus({ ...d, status });
    d.metadata.resourceVersion = written.metadata.resourceVersion;
    d.status = written.status as DeploymentStatus;
  }

  /**
   * SetDeploymentRevision. Upstream writes it with the status (its status strategy keeps
   * annotations); our status subresource writes only .status, so it is a metadata patch.
   */
  async #setRevision(d: Deployment, revision: string): Promise<void> {
    if (d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return;
    const written = await this.#deploymentClient.patch(d.metadata.name!, { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } }, { type: "merge", namespace: d.metadata.namespace });
    d.metadata.annotations = written.metadata.annotations;
    d.metadata.resourceVersion = written.metadata.resourceVersion;
  }

  /** Writes a ReplicaSet we changed in place, and takes the stored result back into it. */
  async #updateSet(rs: ReplicaSet): Promise<void> {
    const written = await this.#setClient.update(rs);
    rs.metadata = written.metadata;
    rs.spec = written.spec;
    rs.status = written.status;
  }

  /** scaleReplicaSet: the new size and the replicas annotations; an event when the size moves. */
  async #scaleSet(rs: ReplicaSet, size: number, d: Deployment): Promise<boolean> {
    const old = rs.spec.replicas ?? 1;
    const sizeChanged = old !== size;
    const max = replicasOf(d) + maxSurge(d);
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, replicasOf(d), max)) return false;
    rs.spec.replicas = size;
    setReplicasAnnotations(rs, replicasOf(d), max);
    await this.#updateSet(rs);
    if (sizeChanged) {
      this.#ctx.events.event(d, "Normal", "ScalingReplicaSet", `Scaled ${old < size ? "up" : "down"} replica set ${rs.metadata.name} from ${old} to ${size}`);
    }
    return sizeChanged;
  }

  // ---- revisions and the new ReplicaSet -------------------------------------------------------

  /** getAllReplicaSetsAndSyncRevision. */
  async #allSets(d: Deployment, sets: ReplicaSet[], create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldSets: ReplicaSet[] }> {
    const existing = findNewReplicaSet(d, sets);
    const oldSets = sets.filter((rs) => rs !== existing);
    const newRS = await this.#newReplicaSet(d, existing, oldSets, create);
    return { newRS, oldSets };
  }

  /** getNewReplicaSet: brings the existing new ReplicaSet's annotations up to date, or creates it. */
  async #newReplicaSet(d: Deployment, existing: ReplicaSet | undefined, oldSets: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const newRevision = maxRevision(oldSets) + 1;
    if (existing) {
      const annotationsChanged = setNewReplicaSetAnnotations(d, existing, newRevision, true, MAX_REV_HISTORY_LENGTH_IN_CHARS);
      const minReadyChanged = (existing.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotationsChanged || minReadyChanged) {
        existing.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        await this.#updateSet(existing);
        return existing;
      }
      await this.#setRevision(d, existing.metadata.annotations?.[REVISION_ANNOTATION] ?? "");
      if (hasProgressDeadline(d) && !getCondition(d.status, "Progressing")) {
        const status = structuredClone(d.status ?? {});
        setCondition(status, newCondition("Progressing", "True", FOUND_NEW_RS_REASON, `Found new replica set "${existing.metadata.name}"`));
        await this.#writeStatus(d, status);
      }
      return existing;
    }
    if (!create) return undefined;

    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        ownerReferences: [newControllerRef(d, "apps/v1", "Deployment")],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    rs.spec.replicas = newRSNewReplicas(d, [...oldSets, rs], rs);
    setNewReplicaSetAnnotations(d, rs, newRevision, false, MAX_REV_HISTORY_LENGTH_IN_CHARS);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = structuredClone(await this.#setClient.create(rs));
    } catch (err) {
      if (isClientError(err, 409) && (err as { reason?: string }).reason === "AlreadyExists") {
        const found = this.#sets.get(rs.metadata.name!, rs.metadata.namespace) ?? await this.#setClient.get(rs.metadata.name!, rs.metadata.namespace);
        if (found && controllerRef(found)?.uid === d.metadata.uid && equalIgnoreHash(found.spec.template, d.spec.template)) {
          created = structuredClone(found);
          alreadyExists = true;
        } else {
          // A hash collision with someone else's ReplicaSet: a new count gives a new name.
          await this.#writeStatus(d, { ...structuredClone(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 });
          throw err;
        }
      } else {
        const message = `Failed to create new replica set "${rs.metadata.name}": ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition("Progressing", "False", FAILED_RS_CREATE_REASON, message));
          await this.#writeStatus(d, status).catch(() => {});
        }
        this.#ctx.events.event(d, "Warning", "FailedCreate", message);
        throw err;
      }
    }
    if (!alreadyExists && (rs.spec.replicas ?? 0) > 0) {
      this.#ctx.events.event(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${rs.spec.replicas}`);
    }
    await this.#setRevision(d, String(newRevision));
    if (!alreadyExists && hasProgressDeadline(d)) {
      const status = structuredClone(d.status ?? {});
      setCondition(status, newCondition("Progressing", "True", NEW_RS_REASON, `Created new replica set "${created.metadata.name}"`));
      await this.#writeStatus(d, status);
    }
    return created;
  }

  // ---- paused, scaling, status-only -------------------------------------------------------------

  /** checkPausedConditions: Progressing Unknown while paused, and when resumed. */
  async #checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, "Progressing");
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedCond = cond?.reason === PAUSED_REASON;
    let next;
    if (d.spec.paused && !pausedCond) next = newCondition("Progressing", "Unknown", PAUSED_REASON, "Deployment is paused");
    else if (!d.spec.paused && pausedCond) next = newCondition("Progressing", "Unknown", RESUMED_REASON, "Deployment is resumed");
    if (!next) return;
    const status = structuredClone(d.status ?? {});
    setCondition(status, next);
    await this.#writeStatus(d, status);
  }

  /** isScalingEvent: an active ReplicaSet was sized for another replica count. */
  async #isScalingEvent(d: Deployment, sets: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldSets } = await this.#allSets(d, sets, false);
    for (const rs of activeSets([...oldSets, newRS])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired !== undefined && desired !== replicasOf(d)) return true;
    }
    return false;
  }

  /** sync: scale (paused Deployments and resizes), clean up when paused, write the status. */
  async #syncScale(d: Deployment, sets: ReplicaSet[]): Promise<Result> {
    const { newRS, oldSets } = await this.#allSets(d, sets, false);
    for (const step of planScale(d, newRS, oldSets)) await this.#scaleSet(step.rs, step.replicas, d);
    if (d.spec.paused) await this.#cleanup(d, oldSets);
    await this.#syncStatus(d, [...oldSets, newRS], newRS);
  }

  async #syncStatusOnly(d: Deployment, sets: ReplicaSet[]): Promise<Result> {
    const { newRS, oldSets } = await this.#allSets(d, sets, false);
    await this.#syncStatus(d, [...oldSets, newRS], newRS);
  }

  async #syncStatus(d: Deployment, all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(all, newRS, d);
    if (!statusEqual(d.status, status)) await this.#writeStatus(d, status);
  }

  /** cleanupDeployment: delete the oldest idle ReplicaSets beyond revisionHistoryLimit. */
  async #cleanup(d: Deployment, oldSets: ReplicaSet[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const alive = oldSets.filter((rs) => !rs.metadata.deletionTimestamp).sort(byRevision);
    const diff = alive.length - limit;
    for (let i = 0; i < diff; i++) {
      const rs = alive[i]!;
      if ((rs.status?.replicas ?? 0) !== 0 || (rs.spec.replicas ?? 1) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      await this.#setClient.delete(rs.metadata.name!, rs.metadata.namespace, { preconditions: { uid: rs.metadata.uid } }).catch((err) => {
        if (!isClientError(err, 404) && !isClientError(err, 409)) throw err;
      });
    }
  }

  // ---- rollouts -------------------------------------------------------------------------------

  async #rolloutRolling(d: Deployment, sets: ReplicaSet[]): Promise<Result> {
    const { newRS, oldSets } = await this.#allSets(d, sets, true);
    const all = [...oldSets, newRS];
    if (newRS && await this.#reconcileNewSet(all, newRS, d)) return this.#syncRolloutStatus(d, all, newRS);
    if (newRS && await this.#reconcileOldSets(all, activeSets(oldSets), newRS, d)) return this.#syncRolloutStatus(d, all, newRS);
    if (deploymentComplete(d, d.status ?? {})) await this.#cleanup(d, oldSets);
    return this.#syncRolloutStatus(d, all, newRS);
  }

  /** reconcileNewReplicaSet: scale the new ReplicaSet toward the desired size within maxSurge. */
  async #reconcileNewSet(all: (ReplicaSet | undefined)[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    const current = newRS.spec.replicas ?? 1;
    if (current === replicasOf(d)) return false;
    if (current > replicasOf(d)) return this.#scaleSet(newRS, replicasOf(d), d);
    return this.#scaleSet(newRS, newRSNewReplicas(d, all, newRS), d);
  }

  /** reconcileOldReplicaSets: scale old ReplicaSets down as far as maxUnavailable allows. */
  async #reconcileOldSets(all: (ReplicaSet | undefined)[], oldSets: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    if (specReplicas(oldSets) === 0) return false;
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = (newRS.spec.replicas ?? 1) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = specReplicas(all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // Unhealthy old pods first: removing them costs no availability.
    const cleaned = await this.#cleanupUnhealthy(oldSets, d, maxScaledDown);
    const scaled = await this.#scaleDownOldForRollingUpdate([...oldSets, newRS], oldSets, d);
    return cleaned + scaled > 0;
  }

  async #cleanupUnhealthy(oldSets: ReplicaSet[], d: Deployment, maxCleanup: number): Promise<number> {
    let total = 0;
    for (const rs of [...oldSets].sort(byCreation)) {
      if (total >= maxCleanup) break;
      const size = rs.spec.replicas ?? 1;
      const available = rs.status?.availableReplicas ?? 0;
      if (size === 0 || size === available) continue;
      const down = Math.min(maxCleanup - total, size - available);
      await this.#scaleSet(rs, size - down, d);
      total += down;
    }
    return total;
  }

  async #scaleDownOldForRollingUpdate(all: ReplicaSet[], oldSets: ReplicaSet[], d: Deployment): Promise<number> {
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const available = availableReplicas(all);
    if (available <= minAvailable) return 0;
    const toScaleDown = available - minAvailable;
    let total = 0;
    for (const rs of [...oldSets].sort(byCreation)) {
      if (total >= toScaleDown) break;
      const size = rs.spec.replicas ?? 1;
      if (size === 0) continue;
      const down = Math.min(size, toScaleDown - total);
      await this.#scaleSet(rs, size - down, d);
      total += down;
    }
    return total;
  }

  async #rolloutRecreate(d: Deployment, sets: ReplicaSet[]): Promise<Result> {
    let { newRS, oldSets } = await this.#allSets(d, sets, false);
    let all = [...oldSets, newRS];
    let scaledDown = false;
    for (const rs of activeSets(oldSets)) if (await this.#scaleSet(rs, 0, d)) scaledDown = true;
    if (scaledDown) return this.#syncRolloutStatus(d, all, newRS);
    if (this.#oldPodsRunning(newRS, oldSets)) return this.#syncRolloutStatus(d, all, newRS);
    if (!newRS) {
      ({ newRS, oldSets } = await this.#allSets(d, sets, true));
      all = [...oldSets, newRS];
    }
    if (newRS) await this.#scaleSet(newRS, replicasOf(d), d);
    if (deploymentComplete(d, d.status ?? {})) await this.#cleanup(d, oldSets);
    return this.#syncRolloutStatus(d, all, newRS);
  }

  /** oldPodsRunning: any old ReplicaSet still has pods that are not finished. */
  #oldPodsRunning(newRS: ReplicaSet | undefined, oldSets: ReplicaSet[]): boolean {
    if (actualReplicas(oldSets) > 0) return true;
    for (const rs of oldSets) {
      for (const pod of this.#podsByOwner.owned(rs.metadata.uid!)) {
        const phase = pod.status?.phase;
        if (phase !== "Failed" && phase !== "Succeeded") return true;
      }
    }
    void newRS;
    return false;
  }

  /** syncRolloutStatus, and requeueStuckDeployment when nothing changed. */
  async #syncRolloutStatus(d: Deployment, all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<Result> {
    const status = rolloutStatus(all, newRS, d);
    if (!statusEqual(d.status, status)) {
      await this.#writeStatus(d, status);
      return;
    }
    const cond = getCondition(d.status, "Progressing");
    if (!hasProgressDeadline(d) || !cond) return;
    if (deploymentComplete(d, status) || cond.reason === TIMED_OUT_REASON) return;
    const after = Date.parse(cond.lastUpdateTime ?? "") + (d.spec.progressDeadlineSeconds ?? 600) * 1000 - Date.now();
    if (!Number.isFinite(after)) return;
    return { requeueAfterMs: Math.max(after, 1000) };
  }
}

function safeSelector(d: { spec: { selector?: Parameters<typeof labelSelectorFromObject>[0] } }): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(d.spec.selector);
  } catch {
    return undefined;
  }
}
