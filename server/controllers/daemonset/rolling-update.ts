/**
 * The RollingUpdate strategy's step (rollingUpdate in pkg/controller/daemon/update.go): with
 * maxSurge 0, delete old pods — unavailable ones at once, available ones while fewer than
 * maxUnavailable nodes are unavailable — and let the manage step create their replacements;
 * with maxSurge above 0, start the new pod next to the old one on up to maxSurge nodes at a time
 * and delete the old pod once the new one is available. Pure: it says what to delete and where
 * to create; the caller does it.
 */
import { isPodAvailable, type Pod } from "../pod-status.ts";
import { REVISION_HASH_LABEL } from "./types.ts";

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number(value) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** updatedDesiredNodeCounts: maxSurge and maxUnavailable against the desired nodes; never both 0. */
export function updateBudget(rolling: { maxUnavailable?: number | string; maxSurge?: number | string } | undefined, desired: number): { maxSurge: number; maxUnavailable: number } {
  const maxUnavailable = scaledValue(rolling?.maxUnavailable ?? 1, desired, true);
  const maxSurge = scaledValue(rolling?.maxSurge ?? 0, desired, true);
  return { maxSurge, maxUnavailable: maxUnavailable === 0 && maxSurge === 0 ? 1 : maxUnavailable };
}

export function isUpdated(pod: Pod, hash: string): boolean {
  return pod.metadata.labels?.[REVISION_HASH_LABEL] === hash;
}

/** findUpdatedPodsOnNode: at most one new and one old live pod, else `ok` is false. */
export function podsOnNode(pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isUpdated(p, hash)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RollingInput {
  /** Pods by node, for the nodes that should run the daemon (and any node with its pods). */
  nodeToPods: Map<string, Pod[]>;
  /** Nodes where the daemon should run. */
  shouldRun: Set<string>;
  hash: string;
  minReadySeconds: number;
  maxSurge: number;
  maxUnavailable: number;
  now: number;
}

export interface RollingStep {
  podsToDelete: Pod[];
  nodesToCreate: string[];
}

export function rollingUpdateStep(input: RollingInput): RollingStep {
  const { hash, minReadySeconds, now } = input;
  const available = (p: Pod) => isPodAvailable(p, minReadySeconds, now);
  const nodes = [...input.nodeToPods.keys()].sort();
  if (input.maxSurge === 0) {
    let unavailable = 0;
    const replace: Pod[] = [];
    const candidates: Pod[] = [];
    for (const node of nodes) {
      const { newPod, oldPod, ok } = podsOnNode(input.nodeToPods.get(node)!, hash);
      if (!ok) {
        unavailable++;
        continue;
      }
      if ((!oldPod && !newPod) || (oldPod && newPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) replace.push(oldPod!);
      else if (unavailable < input.maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(Math.max(0, input.maxUnavailable - unavailable), candidates.length);
    return { podsToDelete: [...replace, ...candidates.slice(0, room)], nodesToCreate: [] };
  }
  let surge = 0;
  const podsToDelete: Pod[] = [];
  const allowed: string[] = [];
  const candidates: string[] = [];
  for (const node of nodes) {
    const { newPod, oldPod, ok } = podsOnNode(input.nodeToPods.get(node)!, hash);
    if (!ok) {
      surge++;
      continue;
    }
    if (!input.shouldRun.has(node)) continue;
    if (!oldPod) continue; // the manage step creates what is missing
    if (!newPod) {
      if (!available(oldPod)) allowed.push(node);
      else if (surge < input.maxSurge) candidates.push(node);
    } else if (!available(newPod)) surge++;
    else podsToDelete.push(oldPod);
  }
  const room = Math.min(Math.max(0, input.maxSurge - surge), candidates.length);
  return { podsToDelete, nodesToCreate: [...allowed, ...candidates.slice(0, room)] };
}
