/**
 * Playing the kubelet in controller tests: pods' phases driven through the status subresource
 * (Running and Ready, or finished with a container exit code), and simple Node objects.
 */
import type { Client, KubeObject } from "../../../../plugins/client.ts";

export const PODS = { apiVersion: "v1", resource: "pods" };
export const NODES = { apiVersion: "v1", resource: "nodes" };

function now(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString().replace(/\.\d+Z$/, "Z");
}

export async function setRunning(client: Client, pod: KubeObject, ready = true): Promise<KubeObject> {
  const pods = client.resource(PODS);
  const fresh = (await pods.get(pod.metadata.name!, pod.metadata.namespace))!;
  const containers = ((fresh.spec as { containers?: { name: string }[] }).containers ?? []);
  fresh.status = {
    ...(fresh.status as object),
    phase: "Running",
    startTime: now(),
    conditions: [
      { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now(-3600_000) },
      { type: "ContainersReady", status: ready ? "True" : "False", lastTransitionTime: now(-3600_000) },
    ],
    containerStatuses: containers.map((c) => ({ name: c.name, ready, restartCount: 0, image: "x", imageID: "", state: { running: { startedAt: now() } } })),
  };
  return pods.updateStatus(fresh);
}

/** Finishes a pod: exit code 0 → Succeeded, anything else → Failed; finishedAt `finishedAgoMs` ago. */
export async function finish(client: Client, pod: KubeObject, exitCode: number, finishedAgoMs = 3600_000): Promise<KubeObject> {
  const pods = client.resource(PODS);
  const fresh = (await pods.get(pod.metadata.name!, pod.metadata.namespace))!;
  const containers = ((fresh.spec as { containers?: { name: string }[] }).containers ?? []);
  fresh.status = {
    ...(fresh.status as object),
    phase: exitCode === 0 ? "Succeeded" : "Failed",
    conditions: [{ type: "Ready", status: "False", lastTransitionTime: now() }],
    containerStatuses: containers.map((c) => ({
      name: c.name,
      ready: false,
      restartCount: 0,
      image: "x",
      imageID: "",
      state: { terminated: { exitCode, reason: exitCode === 0 ? "Completed" : "Error", startedAt: now(-finishedAgoMs - 1000), finishedAt: now(-finishedAgoMs) } },
    })),
  };
  return pods.updateStatus(fresh);
}

export async function createNode(client: Client, name: string, options: { labels?: Record<string, string>; taints?: unknown[]; ready?: boolean } = {}): Promise<KubeObject> {
  const nodes = client.resource(NODES);
  const node = await nodes.create({ apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name, ...(options.labels ?? {}) } }, spec: { taints: options.taints ?? [] } });
  node.status = { conditions: [{ type: "Ready", status: options.ready === false ? "False" : "True", lastHeartbeatTime: now(), lastTransitionTime: now() }] };
  return nodes.updateStatus(node);
}

export async function listPods(client: Client, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
  return (await client.resource(PODS).list({ namespace, labelSelector })).items;
}

export async function createNamespace(client: Client, name: string): Promise<void> {
  await client.resource({ apiVersion: "v1", resource: "namespaces" }).create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
}
