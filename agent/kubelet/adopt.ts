/**
 * What an earlier kubelet left running for a pod: its newest ready sandbox (by the
 * io.kubernetes.pod.uid label the kubelet puts on every sandbox and container) and that
 * sandbox's containers, newest attempt first per name — the pod worker's history, so that a
 * restarted agent carries on where the last one stopped instead of starting the pod again.
 */
import type { ContainerStatus, PodSandbox, Runtime } from "../runtime/mod.ts";

export interface Adopted {
  sandbox: PodSandbox & { network?: { ip: string } };
  /** Per container name, newest attempt first, at most two (the current one and the previous). */
  containers: Map<string, ContainerStatus[]>;
}

export async function adoptSandbox(runtime: Runtime, podUid: string): Promise<Adopted | undefined> {
  const sandboxes = (await runtime.listPodSandbox({ labelSelector: { "io.kubernetes.pod.uid": podUid }, state: "SANDBOX_READY" }))
    .sort((a, b) => b.createdAt - a.createdAt);
  const newest = sandboxes[0];
  if (!newest) return undefined;
  const status = await runtime.podSandboxStatus(newest.id);
  const containers = new Map<string, ContainerStatus[]>();
  for (const c of await runtime.listContainers({ podSandboxId: newest.id })) {
    const s = await runtime.containerStatus(c.id).catch(() => undefined);
    if (!s) continue;
    const list = containers.get(s.metadata.name) ?? [];
    list.push(s);
    containers.set(s.metadata.name, list);
  }
  for (const [name, list] of containers) {
    list.sort((a, b) => b.metadata.attempt - a.metadata.attempt || b.createdAt - a.createdAt);
    // Older attempts are of no use to the status: remove them, as the worker does after a restart.
    for (const old of list.splice(2)) await runtime.removeContainer(old.id).catch(() => {});
    containers.set(name, list);
  }
  return { sandbox: { ...newest, network: status.network }, containers };
}
