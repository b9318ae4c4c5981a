/**
 * A pod's priority: spec.priority as admission resolved it, else the value of its
 * priorityClassName (admission here does not resolve class names yet), else the global default
 * class's value, else 0.
 */
import type { Informer, KubeObject } from "../../plugins/client.ts";
import type { Pod } from "./types.ts";

export interface PriorityClass extends KubeObject {
  value: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

export function priorityResolver(classes: Informer<PriorityClass> | undefined): (pod: Pod) => number {
  return (pod) => {
    if (typeof pod.spec.priority === "number") return pod.spec.priority;
    if (!classes) return 0;
    if (pod.spec.priorityClassName) {
      const c = classes.get(pod.spec.priorityClassName);
      if (c) return c.value;
    }
    for (const c of classes.list()) if (c.globalDefault) return c.value;
    return 0;
  };
}

/** The preemption policy of a pod (spec, else its class), PreemptLowerPriority by default. */
export function preemptionPolicyOf(pod: Pod, classes: Informer<PriorityClass> | undefined): string {
  if (pod.spec.preemptionPolicy) return pod.spec.preemptionPolicy;
  const c = pod.spec.priorityClassName ? classes?.get(pod.spec.priorityClassName) : undefined;
  return c?.preemptionPolicy ?? "PreemptLowerPriority";
}
