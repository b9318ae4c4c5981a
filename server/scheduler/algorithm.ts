/**
 * One scheduling decision (upstream's schedulePod): PreFilter, then Filter over a sample of
 * the nodes — starting where the previous pod stopped, and stopping once enough feasible nodes
 * are found (percentageOfNodesToScore, adaptive: 50% - nodes/125, at least 5%, at least 100
 * nodes) — then Score the feasible ones and take the best, ties broken at random. A pod
 * nominated to a node by preemption tries that node first. Pure computation over the cache:
 * no I/O, so that it can be measured and tested on its own.
 */
import type { Diagnosis } from "./fit-error.ts";
import type { CycleContext, FilterFailure, FilterPlugin } from "./framework.ts";
import type { NodeInfo } from "./node-info.ts";
import type { Profile } from "./profile.ts";

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** numFeasibleNodesToFind with the adaptive percentage. */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.floor(numAllNodes / 125));
  const n = Math.floor((numAllNodes * pct) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

export type ScheduleResult =
  | { node: string; evaluated: number; feasible: number }
  | { diagnosis: Diagnosis; noNodes?: boolean };

/** Runs the filters that took part in PreFilter on one node; the first failure wins. */
export function runFilters(filters: readonly FilterPlugin[], ctx: CycleContext, node: NodeInfo): FilterFailure | undefined {
  for (const f of filters) {
    const failure = f.filter(ctx, node);
    if (failure) return failure;
  }
  return undefined;
}

/** PreFilter: the filters that apply to this pod, or the failure that rules out every node. */
export function preFilter(profile: Profile, ctx: CycleContext): FilterPlugin[] | FilterFailure {
  const active: FilterPlugin[] = [];
  for (const f of profile.filters) {
    const r = f.preFilter?.(ctx);
    if (r === "skip") continue;
    if (r) return r;
    active.push(f);
  }
  return active;
}

export class Algorithm {
  readonly #profile: Profile;
  #nextStart = 0;
  /** 0: adaptive. */
  percentageOfNodesToScore = 0;
  random: () => number = Math.random;

  constructor(profile: Profile) {
    this.#profile = profile;
  }

  get profile(): Profile {
    return this.#profile;
  }

  schedule(ctx: CycleContext): ScheduleResult {
    const nodes = ctx.cache.nodes();
    const n = nodes.length;
    if (n === 0) return { diagnosis: { numAllNodes: 0, statuses: new Map() }, noNodes: true };
    const filters = preFilter(this.#profile, ctx);
    if (!Array.isArray(filters)) {
      const statuses = new Map<string, FilterFailure>();
      for (const node of nodes) statuses.set(node.name, filters);
      return { diagnosis: { numAllNodes: n, statuses, preFilterMessage: filters.reasons.join(", ") } };
    }
    const nominated = ctx.pod.status?.nominatedNodeName;
    if (nominated) {
      const node = ctx.cache.node(nominated);
      if (node && !runFilters(filters, ctx, node)) return { node: node.name, evaluated: 1, feasible: 1 };
    }
    const want = numFeasibleNodesToFind(n, this.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    const statuses = new Map<string, FilterFailure>();
    const start = this.#nextStart % n;
    let processed = 0;
    for (; processed < n && feasible.length < want; processed++) {
      const node = nodes[(start + processed) % n];
      const failure = runFilters(filters, ctx, node);
      if (failure) statuses.set(node.name, failure);
      else feasible.push(node);
    }
    this.#nextStart = (start + processed) % n;
    if (!feasible.length) return { diagnosis: { numAllNodes: n, statuses } };
    if (feasible.length === 1) return { node: feasible[0].name, evaluated: processed, feasible: 1 };
    return { node: this.#select(ctx, feasible), evaluated: processed, feasible: feasible.length };
  }

  /** Weighted sum of the normalized scores; the best node, a random one among equals. */
  #select(ctx: CycleContext, feasible: readonly NodeInfo[]): string {
    const total = new Float64Array(feasible.length);
    const scores = new Float64Array(feasible.length);
    for (const plugin of this.#profile.scores) {
      if (plugin.preScore?.(ctx, feasible) === "skip") continue;
      for (let i = 0; i < feasible.length; i++) scores[i] = plugin.score(ctx, feasible[i]);
      plugin.normalize?.(ctx, scores);
      for (let i = 0; i < feasible.length; i++) total[i] += scores[i] * plugin.weight;
    }
    let best = 0;
    let ties = 1;
    for (let i = 1; i < feasible.length; i++) {
      if (total[i] > total[best]) {
        best = i;
        ties = 1;
      } else if (total[i] === total[best]) {
        // Reservoir sampling: each of the equal best is kept with equal chance.
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return feasible[best].name;
  }
}
