/**
 * A DaemonSet's status (updateDaemonSetStatus): on each node that should run it, whether a pod
 * is there (current), whether the oldest one is ready, available and of the current revision;
 * pods on nodes that should not run it are misscheduled.
 */
import { isPodAvailable, isPodReady, type Pod } from "../pod-status.ts";
import { isUpdated } from "./rolling-update.ts";
import type { DaemonSetStatus } from "./types.ts";

export function computeStatus(nodes: string[], shouldRun: Set<string>, nodeToPods: Map<string, Pod[]>, hash: string, minReadySeconds: number, now: number): Omit<DaemonSetStatus, "observedGeneration" | "collisionCount" | "conditions"> {
  let desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
  for (const node of nodes) {
    const pods = nodeToPods.get(node) ?? [];
    const scheduled = pods.length > 0;
    if (shouldRun.has(node)) {
      desired++;
      if (!scheduled) continue;
      current++;
      const oldest = [...pods].sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""))[0];
      if (isPodReady(oldest)) {
        ready++;
        if (isPodAvailable(oldest, minReadySeconds, now)) available++;
      }
      if (isUpdated(oldest, hash)) updated++;
    } else if (scheduled) {
      misscheduled++;
    }
  }
  return {
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    updatedNumberScheduled: updated,
    numberUnavailable: desired - available,
  };
}
