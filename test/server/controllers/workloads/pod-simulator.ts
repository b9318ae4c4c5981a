/**
 * Stands in for the kubelet in workload tests: every pod that is not being deleted is reported
 * Running and Ready through the status subresource, as a kubelet would report it once its
 * containers started. `hold` keeps chosen pods Pending (to test readiness gates on rollouts).
 */
import type { KubeObject } from "../../../../plugins/client.ts";
import type { TestServer } from "../../harness.ts";

const PODS = { apiVersion: "v1", resource: "pods" };

export interface PodSimulator {
  /** Pods for which this returns true are left Pending. */
  hold: (pod: KubeObject) => boolean;
  stop(): void;
}

export async function simulatePods(t: TestServer, hold: (pod: KubeObject) => boolean = () => false): Promise<PodSimulator> {
  const abort = new AbortController();
  const client = t.server.client.as("test-kubelet");
  const informer = client.informer(PODS);
  const pods = client.resource(PODS);
  const sim: PodSimulator = { hold, stop: () => abort.abort() };
  const started = new Set<string>();
  const reconcile = (pod: KubeObject) => {
    if (abort.signal.aborted || pod.metadata.deletionTimestamp || sim.hold(pod)) return;
    const status = pod.status as { phase?: string } | undefined;
    if (status?.phase === "Running" || started.has(pod.metadata.uid!)) return;
    started.add(pod.metadata.uid!);
    const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const conditions = ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((type) => ({ type, status: "True", lastTransitionTime: at }));
    void pods.patch(pod.metadata.name!, { status: { phase: "Running", conditions, startTime: at, podIP: "10.42.0.9" } }, { type: "merge", subresource: "status", namespace: pod.metadata.namespace })
      .catch(() => started.delete(pod.metadata.uid!));
  };
  await informer.start(abort.signal);
  const off = informer.on({ add: reconcile, update: (_o, n) => reconcile(n) });
  abort.signal.addEventListener("abort", off, { once: true });
  return sim;
}

/** Re-examines held pods after `hold` changed. */
export async function release(t: TestServer, sim: PodSimulator, hold: (pod: KubeObject) => boolean): Promise<void> {
  sim.hold = hold;
  const client = t.server.client.as("test-kubelet");
  for (const pod of client.informer(PODS).list()) {
    if (!hold(pod)) await client.resource(PODS).patch(pod.metadata.name!, { metadata: { annotations: { "test/nudge": String(Date.now()) } } }, { type: "merge", namespace: pod.metadata.namespace }).catch(() => {});
  }
}
