/**
 * NodeResourcesFit: the pod's requests (cpu, memory, ephemeral-storage, extended resources)
 * must fit in what the node's allocatable leaves after the pods already there, and the node
 * must have room for one more pod. Reasons are upstream's: "Insufficient cpu", "Too many pods".
 * Pods nominated to the node by preemption with at least this pod's priority keep their place.
 */
import { type FilterPlugin, unschedulable } from "../framework.ts";
import type { NodeInfo } from "../node-info.ts";
import { addResources, podRequests, type Resources } from "../resources.ts";
import type { Pod } from "../types.ts";

function reserved(ctx: { pod: Pod; priority: number; nominatedFor(n: string): readonly Pod[] }, node: NodeInfo, priorityOf: (p: Pod) => number): { resources: Resources; pods: number } | undefined {
  const nominated = ctx.nominatedFor(node.name);
  if (!nominated.length) return undefined;
  const out = { resources: { milliCPU: 0, memory: 0, ephemeralStorage: 0 } as Resources, pods: 0 };
  for (const p of nominated) {
    if (p.metadata.uid === ctx.pod.metadata.uid || priorityOf(p) < ctx.priority) continue;
    addResources(out.resources, podRequests(p).requested);
    out.pods++;
  }
  return out.pods ? out : undefined;
}

/** The reasons `request` does not fit on `node` (with `extra` requested there too). */
export function insufficientResources(request: Resources, node: NodeInfo, extra?: { resources: Resources; pods: number }): string[] {
  const reasons: string[] = [];
  const pods = node.pods.size + (extra?.pods ?? 0);
  if (pods + 1 > node.allowedPods) reasons.push("Too many pods");
  if (request.milliCPU === 0 && request.memory === 0 && request.ephemeralStorage === 0 && !request.scalars) return reasons;
  const used = node.requested;
  const a = node.allocatable;
  const e = extra?.resources;
  if (request.milliCPU > 0 && request.milliCPU > a.milliCPU - used.milliCPU - (e?.milliCPU ?? 0)) reasons.push("Insufficient cpu");
  if (request.memory > 0 && request.memory > a.memory - used.memory - (e?.memory ?? 0)) reasons.push("Insufficient memory");
  if (request.ephemeralStorage > 0 && request.ephemeralStorage > a.ephemeralStorage - used.ephemeralStorage - (e?.ephemeralStorage ?? 0)) {
    reasons.push("Insufficient ephemeral-storage");
  }
  for (const [name, amount] of Object.entries(request.scalars ?? {})) {
    if (amount > 0 && amount > (a.scalars?.[name] ?? 0) - (used.scalars?.[name] ?? 0) - (e?.scalars?.[name] ?? 0)) reasons.push(`Insufficient ${name}`);
  }
  return reasons;
}

export function nodeResourcesFit(priorityOf: (p: Pod) => number): FilterPlugin {
  return {
    name: "NodeResourcesFit",
    filter(ctx, node) {
      const reasons = insufficientResources(ctx.requests.requested, node, reserved(ctx, node, priorityOf));
      return reasons.length ? unschedulable(this.name, ...reasons) : undefined;
    },
  };
}
