/**
 * The plugin shapes of the scheduling cycle, after upstream's scheduling framework: per pod,
 * each filter plugin may precompute state once (PreFilter), then filters each candidate node
 * (Filter); score plugins score the feasible nodes (Score) and normalize to 0..100, and the
 * weighted sum picks the node. A filter's failure carries upstream's reason strings, which make
 * up the FailedScheduling message, and whether preemption could help (Unschedulable) or not
 * (UnschedulableAndUnresolvable).
 */
import type { SchedulerCache } from "./cache.ts";
import type { NodeInfo } from "./node-info.ts";
import type { PodRequests } from "./resources.ts";
import type { Labels, Pod } from "./types.ts";

export type FailureCode = "Unschedulable" | "UnschedulableAndUnresolvable";

export interface FilterFailure {
  code: FailureCode;
  reasons: string[];
  plugin: string;
}

export function unschedulable(plugin: string, ...reasons: string[]): FilterFailure {
  return { code: "Unschedulable", reasons, plugin };
}

export function unresolvable(plugin: string, ...reasons: string[]): FilterFailure {
  return { code: "UnschedulableAndUnresolvable", reasons, plugin };
}

/** What one scheduling attempt of one pod knows; plugins keep their precomputed state in `state`. */
export interface CycleContext {
  pod: Pod;
  requests: PodRequests;
  priority: number;
  cache: SchedulerCache;
  /** A namespace's labels (for affinity terms' namespaceSelector); undefined when unknown. */
  namespaceLabels(name: string): Labels | undefined;
  /** Every namespace the scheduler knows of. */
  namespaces(): string[];
  /** Pods nominated to a node by preemption, whose place must be kept (priority >= this pod's). */
  nominatedFor(nodeName: string): readonly Pod[];
  readonly state: Map<string, unknown>;
}

export interface FilterPlugin {
  readonly name: string;
  /**
   * Once per cycle, before any Filter: returns a failure when the pod can go nowhere,
   * "skip" when this plugin has nothing to check for this pod.
   */
  preFilter?(ctx: CycleContext): FilterFailure | "skip" | void;
  filter(ctx: CycleContext, node: NodeInfo): FilterFailure | undefined;
}

export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  /** Once per cycle over the feasible nodes; "skip" when the plugin would score all alike. */
  preScore?(ctx: CycleContext, nodes: readonly NodeInfo[]): "skip" | void;
  score(ctx: CycleContext, node: NodeInfo): number;
  /** Maps raw scores onto 0..100 in place (when the raw scores are not already so). */
  normalize?(ctx: CycleContext, scores: Float64Array): void;
}

export const MAX_NODE_SCORE = 100;

/** helper.DefaultNormalizeScore: scales to 0..100 by the maximum, reversed when asked. */
export function defaultNormalize(scores: Float64Array, reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.floor((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
