/**
 * Creating and deleting a Job's pods: pods from the template (tracking finalizer, controller
 * reference, completion index for Indexed Jobs), created in slow-start batches of 1, 2, 4, ...
 * so that a Job that cannot create pods (quota, admission) fails fast instead of flooding the
 * API; deletions first drop the tracking finalizer, so that the pod can go once the kubelet is
 * done with it.
 */
import type { Client, ResourceClient } from "../../../plugins/client.ts";
import { isClientError } from "../../../plugins/client.ts";
import type { EventRecorder } from "../events.ts";
import type { Expectations } from "../expectations.ts";
import { isPodReady, newControllerRef, type Pod } from "../pod-status.ts";
import { COMPLETION_INDEX_ANNOTATION, type Job, JOB_TRACKING_FINALIZER } from "./types.ts";

export const PODS = { apiVersion: "v1", resource: "pods" };
const MAX_BATCH = 500;

export interface PodControl {
  pods: ResourceClient<Pod>;
  events: EventRecorder;
  expectations: Expectations;
}

export function podControl(client: Client, events: EventRecorder, expectations: Expectations): PodControl {
  return { pods: client.resource<Pod>(PODS), events, expectations };
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

const INDEX_ENV = {
  name: "JOB_COMPLETION_INDEX",
  valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } },
};

/** addCompletionIndexEnvVariables: every container learns its index from the annotation. */
function addIndexEnv(spec: NonNullable<Pod["spec"]>): void {
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const env = (c.env ??= []) as Array<{ name?: string }>;
    if (!env.some((e) => e.name === INDEX_ENV.name)) env.push(structuredClone(INDEX_ENV));
  }
}

/** The pod for one creation (index undefined for NonIndexed Jobs). */
export function podFromTemplate(job: Job, index: number | undefined): Pod {
  const template = structuredClone(job.spec.template ?? {});
  const meta = template.metadata ?? {};
  const spec = (template.spec ?? {}) as NonNullable<Pod["spec"]>;
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}) };
  let generateName = `${job.metadata.name}-`;
  if (index !== undefined) {
    addIndexEnv(spec);
    annotations[COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[COMPLETION_INDEX_ANNOTATION] = String(index);
    spec.hostname ||= `${job.metadata.name}-${index}`;
    generateName = `${job.metadata.name}-${index}-`;
  }
  const finalizers = [...((meta.finalizers as string[] | undefined) ?? [])];
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) finalizers.push(JOB_TRACKING_FINALIZER);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName,
      namespace: job.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      finalizers,
      ownerReferences: [newControllerRef(job, "batch/v1", "Job")],
    },
    spec,
  };
}

/**
 * Creates one pod per entry of `indexes` (undefined entries for NonIndexed Jobs) in slow-start
 * batches; returns how many were created and the first error.
 */
export async function createPods(pc: PodControl, key: string, job: Job, indexes: (number | undefined)[]): Promise<{ created: number; error?: unknown }> {
  const wanted = indexes.slice(0, MAX_BATCH);
  pc.expectations.expectCreations(key, wanted.length);
  let created = 0;
  let error: unknown;
  for (let batch = 1, at = 0; at < wanted.length; batch *= 2) {
    const slice = wanted.slice(at, at + batch);
    at += slice.length;
    const results = await Promise.allSettled(slice.map((i) => pc.pods.create(podFromTemplate(job, i))));
    let failed = false;
    for (const r of results) {
      if (r.status === "fulfilled") {
        created++;
        pc.events.event(job, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
      } else {
        failed = true;
        error ??= r.reason;
        pc.expectations.creationObserved(key);
        pc.events.event(job, "Warning", "FailedCreate", `Error creating: ${(r.reason as Error).message}`);
      }
    }
    if (failed) {
      // The pods never attempted are not expected either.
      for (let i = at; i < wanted.length; i++) pc.expectations.creationObserved(key);
      break;
    }
  }
  return { created, error };
}

export async function removeTrackingFinalizer(pc: PodControl, pod: Pod): Promise<void> {
  if (!hasTrackingFinalizer(pod)) return;
  try {
    await pc.pods.patch(pod.metadata.name!, { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } }, { type: "strategic", namespace: pod.metadata.namespace });
  } catch (err) {
    if (!isClientError(err, 404)) throw err;
  }
}

/**
 * Deletes pods; with `dropFinalizer` the tracking finalizer goes first (deleteJobPods, for pods the
 * Job no longer wants and will not count), otherwise it stays until the pod is counted
 * (deleteActivePods, when the Job has failed). Returns deleted and deleted-ready counts.
 */
export async function deletePods(pc: PodControl, key: string, job: Job, pods: Pod[], dropFinalizer: boolean): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
  pc.expectations.expectDeletions(key, pods.length);
  let deleted = 0;
  let deletedReady = 0;
  let error: unknown;
  await Promise.all(pods.map(async (pod) => {
    try {
      if (dropFinalizer) await removeTrackingFinalizer(pc, pod);
      await pc.pods.delete(pod.metadata.name!, pod.metadata.namespace);
      pc.events.event(job, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
      deleted++;
      if (isPodReady(pod)) deletedReady++;
    } catch (err) {
      pc.expectations.deletionObserved(key);
      if (isClientError(err, 404)) {
        deleted++;
        return;
      }
      error ??= err;
      pc.events.event(job, "Warning", "FailedDelete", `Error deleting: ${(err as Error).message}`);
    }
  }));
  return { deleted, deletedReady, error };
}
