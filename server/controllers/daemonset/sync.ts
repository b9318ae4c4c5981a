/**
 * One DaemonSet's reconcile (syncDaemonSet): its revision history, then the manage step — a pod
 * for every eligible node that lacks one, none on nodes that are no longer eligible or gone,
 * failed pods replaced after a per-node back-off, one pod per node (the oldest stays) — then the
 * RollingUpdate step (OnDelete leaves old pods to the user), history trimming, and the status
 * that `kubectl rollout status ds/x` reads. Pods are created unbound, pinned to their node by a
 * matchFields affinity; the scheduler binds them.
 */
import type { Informer, ResourceClient } from "../../../plugins/client.ts";
import { isClientError } from "../../../plugins/client.ts";
import type { ReconcileResult } from "../../../plugins/kit/controller.ts";
import { labelSelectorFromObject } from "../../api/selectors/labels.ts";
import type { EventRecorder } from "../events.ts";
import type { Expectations } from "../expectations.ts";
import type { OwnerIndex } from "../owner-index.ts";
import { newControllerRef, type Pod } from "../pod-status.ts";
import { affinityForNode, daemonTolerations, nodeShouldRunDaemonPod, targetNodeName } from "./eligibility.ts";
import { constructHistory, revisionsToTrim } from "./history.ts";
import { rollingUpdateStep, updateBudget } from "./rolling-update.ts";
import { computeStatus } from "./status.ts";
import { type ControllerRevision, type DaemonSet, type DaemonSetStatus, type Node, REVISION_HASH_LABEL } from "./types.ts";

const MAX_BATCH = 500;
const FAILED_BACKOFF_BASE_MS = 1000;
const FAILED_BACKOFF_MAX_MS = 15 * 60_000;

export interface DsSyncDeps {
  daemonSets: Informer<DaemonSet>;
  nodes: Informer<Node>;
  podIndex: OwnerIndex<Pod>;
  revisionIndex: OwnerIndex<ControllerRevision>;
  dsClient: ResourceClient<DaemonSet>;
  podClient: ResourceClient<Pod>;
  revisionClient: ResourceClient<ControllerRevision>;
  events: EventRecorder;
  expectations: Expectations;
  /** Per "namespace/name/node": failed-pod back-off (failedPodsBackoff); dropped with the DaemonSet. */
  failedBackoff: Map<string, { delayMs: number; until: number }>;
  now(): number;
}

function podsByNode(pods: Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of pods) {
    // Terminal pods on their way out are history, not daemons (getNodesToDaemonPods).
    if (p.metadata.deletionTimestamp && (p.status?.phase === "Succeeded" || p.status?.phase === "Failed")) continue;
    const node = targetNodeName(p);
    if (node === undefined) continue;
    let list = out.get(node);
    if (!list) out.set(node, (list = []));
    list.push(p);
  }
  return out;
}

function byAge(a: Pod, b: Pod): number {
  const c = (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "");
  if (c !== 0) return c;
  // podByCreationTimestampAndPhase: among equals, a running pod is kept first.
  return (a.status?.phase === "Running" ? 0 : 1) - (b.status?.phase === "Running" ? 0 : 1);
}

export async function syncDaemonSet(deps: DsSyncDeps, key: string): Promise<ReconcileResult> {
  const [namespace, name] = key.split("/");
  const ds = deps.daemonSets.get(name, namespace);
  if (!ds) {
    deps.expectations.forget(key);
    for (const k of deps.failedBackoff.keys()) if (k.startsWith(`${key}/`)) deps.failedBackoff.delete(k);
    return {};
  }
  const selector = labelSelectorFromObject(ds.spec.selector as never);
  if (selector.nothing || selector.requirements.length === 0) {
    deps.events.event(ds, "Warning", "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.");
    return {};
  }
  if (ds.metadata.deletionTimestamp) return {};
  const now = deps.now();
  const nodes = deps.nodes.list();
  const history = await constructHistory(ds, deps.revisionIndex.owned(ds.metadata.uid!), deps.revisionClient, async () => {
    const fresh = structuredClone(ds);
    fresh.status = { ...(fresh.status ?? emptyStatus()), collisionCount: (fresh.status?.collisionCount ?? 0) + 1 };
    await deps.dsClient.updateStatus(fresh);
  });
  const hash = history.hash;
  let requeueAfterMs: number | undefined;
  const requeue = (ms: number) => {
    requeueAfterMs = requeueAfterMs === undefined ? ms : Math.min(requeueAfterMs, ms);
  };

  const eligibility = new Map(nodes.map((n) => [n.metadata.name!, nodeShouldRunDaemonPod(n, ds)]));
  const shouldRun = new Set([...eligibility].filter(([, e]) => e.shouldRun).map(([n]) => n));
  let errors: unknown;
  if (deps.expectations.satisfied(key)) {
    const owned = deps.podIndex.owned(ds.metadata.uid!);
    const nodeToPods = podsByNode(owned);
    const toDelete: Pod[] = [];
    const toCreate: string[] = [];
    for (const node of nodes) {
      const nodeName = node.metadata.name!;
      const e = eligibility.get(nodeName)!;
      const pods = nodeToPods.get(nodeName) ?? [];
      if (e.shouldContinueRunning) {
        const running: Pod[] = [];
        for (const p of pods) {
          if (p.metadata.deletionTimestamp) continue;
          if (p.status?.phase === "Failed") {
            const backoffKey = `${key}/${nodeName}`;
            const b = deps.failedBackoff.get(backoffKey);
            if (b && b.until > now) {
              // Too soon after the last failure here: leave it, look again later.
              requeue(b.until - now);
              continue;
            }
            const delayMs = Math.min(FAILED_BACKOFF_MAX_MS, b ? b.delayMs * 2 : FAILED_BACKOFF_BASE_MS);
            deps.failedBackoff.set(backoffKey, { delayMs, until: now + delayMs });
            deps.events.event(ds, "Warning", "FailedDaemonPod", `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${nodeName}, will try to kill it`);
            toDelete.push(p);
            continue;
          }
          if (p.status?.phase === "Succeeded") {
            toDelete.push(p);
            continue;
          }
          running.push(p);
        }
        // A node with any pod left (even one on its way out) gets its new pod on a later sync.
        if (e.shouldRun && pods.length === 0) toCreate.push(nodeName);
        if (running.length > 1) {
          running.sort(byAge);
          const surge = ds.spec.updateStrategy?.type !== "OnDelete" && updateBudget(ds.spec.updateStrategy?.rollingUpdate, shouldRun.size).maxSurge > 0;
          if (!surge) toDelete.push(...running.slice(1));
          else {
            // While surging, the oldest old pod and the oldest updated pod may both stay.
            let keptNew = false, keptOld = false;
            for (const p of running) {
              const updated = p.metadata.labels?.[REVISION_HASH_LABEL] === hash;
              if (updated && !keptNew) keptNew = true;
              else if (!updated && !keptOld) keptOld = true;
              else toDelete.push(p);
            }
          }
        }
      } else {
        toDelete.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
      }
    }
    // Pods pinned to nodes that no longer exist.
    const existing = new Set(nodes.map((n) => n.metadata.name!));
    for (const [nodeName, pods] of nodeToPods) {
      if (!existing.has(nodeName)) toDelete.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
    }
    errors = await syncNodes(deps, key, ds, toDelete, toCreate, hash);

    if (deps.expectations.satisfied(key) && (ds.spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") {
      const { maxSurge, maxUnavailable } = updateBudget(ds.spec.updateStrategy?.rollingUpdate, shouldRun.size);
      const live = podsByNode(deps.podIndex.owned(ds.metadata.uid!));
      const step = rollingUpdateStep({ nodeToPods: live, shouldRun, hash, minReadySeconds: ds.spec.minReadySeconds ?? 0, maxSurge, maxUnavailable, now });
      errors ??= await syncNodes(deps, key, ds, step.podsToDelete, step.nodesToCreate, hash);
    }
    for (const r of revisionsToTrim(ds, history.old, owned)) {
      await deps.revisionClient.delete(r.metadata.name!, r.metadata.namespace).catch(() => undefined);
    }
  }

  const status = computeStatus(nodes.map((n) => n.metadata.name!), shouldRun, podsByNode(deps.podIndex.owned(ds.metadata.uid!)), hash, ds.spec.minReadySeconds ?? 0, now);
  const next: DaemonSetStatus = { ...(ds.status ?? emptyStatus()), ...status, observedGeneration: ds.metadata.generation };
  if (JSON.stringify(next) !== JSON.stringify(ds.status)) {
    await deps.dsClient.updateStatus({ ...structuredClone(ds), status: next });
  }
  const minReady = ds.spec.minReadySeconds ?? 0;
  if (minReady > 0 && status.numberReady !== status.numberAvailable) requeue(minReady * 1000);
  if (errors) throw errors;
  return requeueAfterMs === undefined ? {} : { requeueAfterMs };
}

function emptyStatus(): DaemonSetStatus {
  return { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
}

/** The pod for `nodeName`: the template, the revision label, the daemon tolerations and the node pin. */
export function daemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const template = structuredClone(ds.spec.template ?? {});
  const spec = (template.spec ?? {}) as NonNullable<Pod["spec"]>;
  spec.tolerations = daemonTolerations(spec);
  spec.affinity = affinityForNode(spec.affinity, nodeName);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, "apps/v1", "DaemonSet")],
    },
    spec,
  };
}

/** syncNodes: deletions, then creations in slow-start batches; expectations set for both. */
async function syncNodes(deps: DsSyncDeps, key: string, ds: DaemonSet, toDelete: Pod[], toCreate: string[], hash: string): Promise<unknown> {
  if (toDelete.length === 0 && toCreate.length === 0) return undefined;
  const creating = toCreate.slice(0, MAX_BATCH);
  deps.expectations.expect(key, creating.length, toDelete.length);
  let error: unknown;
  await Promise.all(toDelete.map(async (p) => {
    try {
      await deps.podClient.delete(p.metadata.name!, p.metadata.namespace);
      deps.events.event(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
    } catch (err) {
      deps.expectations.deletionObserved(key);
      if (isClientError(err, 404)) return;
      error ??= err;
      deps.events.event(ds, "Warning", "FailedDelete", `Error deleting: ${(err as Error).message}`);
    }
  }));
  for (let batch = 1, at = 0; at < creating.length; batch *= 2) {
    const slice = creating.slice(at, at + batch);
    at += slice.length;
    const results = await Promise.allSettled(slice.map((node) => deps.podClient.create(daemonPod(ds, node, hash))));
    let failed = false;
    for (const r of results) {
      if (r.status === "fulfilled") deps.events.event(ds, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
      else {
        failed = true;
        error ??= r.reason;
        deps.expectations.creationObserved(key);
        deps.events.event(ds, "Warning", "FailedCreate", `Error creating: ${(r.reason as Error).message}`);
      }
    }
    if (failed) {
      for (let i = at; i < creating.length; i++) deps.expectations.creationObserved(key);
      break;
    }
  }
  return error;
}
