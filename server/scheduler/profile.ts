/**
 * The default profile: filter plugins in upstream's order (which is also cheapest first, so
 * most nodes are turned away by a field comparison) and score plugins with upstream's weights.
 */
import type { FilterPlugin, ScorePlugin } from "./framework.ts";
import { interPodAffinity, interPodAffinityScore } from "./plugins/inter-pod-affinity.ts";
import { nodeAffinity, nodeAffinityScore } from "./plugins/node-affinity.ts";
import { nodeName } from "./plugins/node-name.ts";
import { nodePorts } from "./plugins/node-ports.ts";
import { nodeResourcesFit } from "./plugins/node-resources-fit.ts";
import { nodeUnschedulable } from "./plugins/node-unschedulable.ts";
import { podTopologySpread, podTopologySpreadScore } from "./plugins/pod-topology-spread.ts";
import { balancedAllocation, leastAllocated } from "./plugins/resource-scores.ts";
import { taintToleration, taintTolerationScore } from "./plugins/taint-toleration.ts";
import type { Pod } from "./types.ts";

export interface Profile {
  filters: FilterPlugin[];
  scores: ScorePlugin[];
}

export function defaultProfile(priorityOf: (pod: Pod) => number): Profile {
  return {
    filters: [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit(priorityOf), podTopologySpread, interPodAffinity],
    scores: [taintTolerationScore, nodeAffinityScore, leastAllocated, balancedAllocation, interPodAffinityScore, podTopologySpreadScore],
  };
}
