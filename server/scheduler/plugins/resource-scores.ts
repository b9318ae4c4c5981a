/**
 * NodeResourcesFit's LeastAllocated score and NodeResourcesBalancedAllocation, over cpu and
 * memory with weight 1 each and the non-zero request defaults, as upstream's default profile:
 * emptier nodes score higher, and so do nodes whose cpu and memory would be used alike.
 */
import { MAX_NODE_SCORE, type ScorePlugin } from "../framework.ts";

function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export const leastAllocated: ScorePlugin = {
  name: "NodeResourcesFit",
  weight: 1,
  score(ctx, node) {
    const nz = ctx.requests.nonZero;
    const cpu = leastRequested(node.nonZeroRequested.milliCPU + nz.milliCPU, node.allocatable.milliCPU);
    const memory = leastRequested(node.nonZeroRequested.memory + nz.memory, node.allocatable.memory);
    return Math.floor((cpu + memory) / 2);
  },
};

export const balancedAllocation: ScorePlugin = {
  name: "NodeResourcesBalancedAllocation",
  weight: 1,
  score(ctx, node) {
    const nz = ctx.requests.nonZero;
    const a = node.allocatable;
    const cpu = a.milliCPU > 0 ? Math.min(1, (node.nonZeroRequested.milliCPU + nz.milliCPU) / a.milliCPU) : 1;
    const memory = a.memory > 0 ? Math.min(1, (node.nonZeroRequested.memory + nz.memory) / a.memory) : 1;
    // With two resources the standard deviation is half their difference.
    const std = Math.abs(cpu - memory) / 2;
    return Math.floor((1 - std) * MAX_NODE_SCORE);
  },
};
