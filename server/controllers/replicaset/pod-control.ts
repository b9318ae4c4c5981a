/**
 * Creating and deleting a ReplicaSet's pods (controller.RealPodControl and the replicaset
 * controller's manageReplicas). Creations go in slow-start batches of 1, 2, 4, ... so that a
 * ReplicaSet whose pods are refused (quota, admission, a terminating namespace) fails after one
 * call instead of hundreds; every write is announced to the expectations first, so that a sync
 * running before the informer has caught up does not count the same gap twice.
 */
import type { ResourceClient } from "../../../plugins/client.ts";
import { isClientError } from "../../../plugins/client.ts";
import type { EventRecorder } from "../events.ts";
import type { Expectations } from "../expectations.ts";
import { newControllerRef, type Pod } from "../pod-status.ts";
import type { ReplicaSet } from "./types.ts";

/** Upstream's burstReplicas: the most pods one sync creates or deletes. */
export const BURST_REPLICAS = 500;

/** controller.GetPodFromTemplate: what a ReplicaSet's new pod looks like. */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const template = rs.spec.template ?? {};
  const meta = template.metadata ?? {};
  const metadata: Pod["metadata"] = {
    generateName: `${rs.metadata.name}-`,
    namespace: rs.metadata.namespace,
    labels: { ...(meta.labels ?? {}) },
    ownerReferences: [newControllerRef(rs, "apps/v1", "ReplicaSet")],
  };
  if (meta.annotations && Object.keys(meta.annotations).length) metadata.annotations = { ...meta.annotations };
  if (Array.isArray(meta.finalizers) && meta.finalizers.length) metadata.finalizers = [...(meta.finalizers as string[])];
  return { apiVersion: "v1", kind: "Pod", metadata, spec: structuredClone(template.spec ?? {}) as Pod["spec"] };
}

export interface PodWrites {
  pods: ResourceClient<Pod>;
  events: EventRecorder;
  expectations: Expectations;
}

/**
 * controller.slowStartBatch: runs `count` calls in batches that double while every call of a
 * batch succeeds; stops at the first failed batch. Returns the successes and the first error.
 */
export async function slowStartBatch(count: number, initial: number, call: () => Promise<void>, signal?: AbortSignal): Promise<{ done: number; tried: number; error?: unknown }> {
  let tried = 0;
  let done = 0;
  for (let batch = Math.min(count, initial); batch > 0; batch = Math.min(2 * batch, count - tried)) {
    if (signal?.aborted) break;
    const results = await Promise.allSettled(Array.from({ length: batch }, () => call()));
    tried += batch;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    done += results.filter((r) => r.status === "fulfilled").length;
    if (failed) return { done, tried, error: failed.reason };
  }
  return { done, tried };
}

/** Creates `count` pods; returns the first error (the expectations of the pods not made are lowered). */
export async function createReplicas(w: PodWrites, key: string, rs: ReplicaSet, count: number, signal?: AbortSignal): Promise<unknown> {
  w.expectations.expectCreations(key, count);
  const { tried, error } = await slowStartBatch(count, 1, async () => {
    try {
      const pod = await w.pods.create(podFromTemplate(rs));
      w.events.event(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
    } catch (err) {
      // This pod will never be seen; nor will the ones after a failed batch (below).
      w.expectations.creationObserved(key);
      w.events.event(rs, "Warning", "FailedCreate", `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }, signal);
  // slowStartBatch stops after a failing batch (or on shutdown): the pods never tried are not coming.
  for (let i = tried; i < count; i++) w.expectations.creationObserved(key);
  return error;
}

/** Deletes these pods at once; returns the first error (a pod already gone is not one). */
export async function deleteReplicas(w: PodWrites, key: string, rs: ReplicaSet, pods: readonly Pod[]): Promise<unknown> {
  w.expectations.expectDeletions(key, pods.length);
  let error: unknown;
  await Promise.all(pods.map(async (pod) => {
    try {
      const after = await w.pods.delete(pod.metadata.name!, pod.metadata.namespace, { preconditions: { uid: pod.metadata.uid } });
      // Already gone: the informer has seen (or will see) that deletion without us.
      if (!after) return w.expectations.deletionObserved(key);
      w.events.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      w.expectations.deletionObserved(key);
      if (isClientError(err, 404) || isClientError(err, 409)) return;
      error ??= err;
      w.events.event(rs, "Warning", "FailedDelete", `Error deleting: ${(err as Error).message}`);
    }
  }));
  return error;
}
