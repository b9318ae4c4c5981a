/**
 * InterPodAffinity: the pod's required affinity (pods matching each term must run in the
 * node's topology domain — unless no pod matches anywhere and the pod matches its own terms,
 * the first of a group), its required anti-affinity (no matching pod in the domain), and the
 * required anti-affinity of pods already running (that must not match this pod in their
 * domain). Counts per topology pair are computed once per cycle; only nodes with pods that
 * have affinity terms are visited for the existing pods' rules. Preferred terms (both ways) and
 * existing pods' required affinity score the nodes.
 */
import { type CycleContext, type FilterPlugin, MAX_NODE_SCORE, type ScorePlugin, unresolvable, unschedulable } from "../framework.ts";
import type { NodeInfo } from "../node-info.ts";
import type { Pod } from "../types.ts";
import { affinityTerms, type AffinityTerm, termMatchesPod } from "./affinity-terms.ts";

export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

/** topologyKey -> value -> count (or score). */
type TopologyCounts = Map<string, Map<string, number>>;

function bump(counts: TopologyCounts, key: string, value: string, by: number): void {
  let values = counts.get(key);
  if (!values) counts.set(key, (values = new Map()));
  values.set(value, (values.get(value) ?? 0) + by);
}

function countAt(counts: TopologyCounts, key: string, node: NodeInfo): number | undefined {
  const value = node.labels[key];
  return value === undefined ? undefined : (counts.get(key)?.get(value) ?? 0);
}

interface PreFilterState {
  existingAnti: TopologyCounts;
  affinity: TopologyCounts;
  anti: TopologyCounts;
  affinityMatchedAny: boolean;
  required: AffinityTerm[];
  requiredAnti: AffinityTerm[];
}

const NAME = "InterPodAffinity";

function preFilter(ctx: CycleContext): PreFilterState | undefined {
  const pod = ctx.pod;
  const own = affinityTerms(pod);
  const existingAnti: TopologyCounts = new Map();
  for (const node of ctx.cache.affinityNodes()) {
    for (const existing of node.podsWithRequiredAntiAffinity) {
      for (const term of affinityTerms(existing).requiredAntiAffinity) {
        const value = node.labels[term.topologyKey];
        if (value !== undefined && termMatchesPod(term, pod, ctx)) bump(existingAnti, term.topologyKey, value, 1);
      }
    }
  }
  const affinity: TopologyCounts = new Map();
  const anti: TopologyCounts = new Map();
  let affinityMatchedAny = false;
  if (own.requiredAffinity.length || own.requiredAntiAffinity.length) {
    for (const node of ctx.cache.nodes()) {
      for (const existing of node.pods.values()) {
        if (own.requiredAffinity.length && own.requiredAffinity.every((t) => termMatchesPod(t, existing, ctx))) {
          for (const t of own.requiredAffinity) {
            const value = node.labels[t.topologyKey];
            if (value !== undefined) {
              bump(affinity, t.topologyKey, value, 1);
              affinityMatchedAny = true;
            }
          }
        }
        for (const t of own.requiredAntiAffinity) {
          const value = node.labels[t.topologyKey];
          if (value !== undefined && termMatchesPod(t, existing, ctx)) bump(anti, t.topologyKey, value, 1);
        }
      }
    }
  }
  if (!existingAnti.size && !own.requiredAffinity.length && !own.requiredAntiAffinity.length) return undefined;
  return { existingAnti, affinity, anti, affinityMatchedAny, required: own.requiredAffinity, requiredAnti: own.requiredAntiAffinity };
}

export const interPodAffinity: FilterPlugin = {
  name: NAME,
  preFilter(ctx) {
    const state = preFilter(ctx);
    if (!state) return "skip";
    ctx.state.set(NAME, state);
    return undefined;
  },
  filter(ctx, node) {
    const s = ctx.state.get(NAME) as PreFilterState;
    if (s.required.length) {
      let podsExist = true;
      for (const t of s.required) {
        const n = countAt(s.affinity, t.topologyKey, node);
        if (n === undefined) return unresolvable(NAME, ERR_REASON_AFFINITY);
        if (n <= 0) podsExist = false;
      }
      if (!podsExist && (s.affinityMatchedAny || !s.required.every((t) => termMatchesPod(t, ctx.pod, ctx)))) {
        return unresolvable(NAME, ERR_REASON_AFFINITY);
      }
    }
    for (const t of s.requiredAnti) {
      const n = countAt(s.anti, t.topologyKey, node);
      if (n !== undefined && n > 0) return unschedulable(NAME, ERR_REASON_ANTI_AFFINITY);
    }
    for (const [key, values] of s.existingAnti) {
      const value = node.labels[key];
      if (value !== undefined && (values.get(value) ?? 0) > 0) return unschedulable(NAME, ERR_REASON_EXISTING_ANTI_AFFINITY);
    }
    return undefined;
  },
};

/** upstream's default hardPodAffinityWeight. */
const HARD_POD_AFFINITY_WEIGHT = 1;

function scoreExisting(ctx: CycleContext, scores: TopologyCounts, existing: Pod, node: NodeInfo, withIncomingTerms: boolean): void {
  const pod = ctx.pod;
  const add = (t: AffinityTerm, matchesPod: Pod, by: number) => {
    const value = node.labels[t.topologyKey];
    if (value !== undefined && termMatchesPod(t, matchesPod, ctx)) bump(scores, t.topologyKey, value, by);
  };
  if (withIncomingTerms) {
    const own = affinityTerms(pod);
    for (const t of own.preferredAffinity) add(t, existing, t.weight);
    for (const t of own.preferredAntiAffinity) add(t, existing, -t.weight);
  }
  const theirs = affinityTerms(existing);
  for (const t of theirs.requiredAffinity) add(t, pod, HARD_POD_AFFINITY_WEIGHT);
  for (const t of theirs.preferredAffinity) add(t, pod, t.weight);
  for (const t of theirs.preferredAntiAffinity) add(t, pod, -t.weight);
}

export const interPodAffinityScore: ScorePlugin = {
  name: NAME,
  weight: 2,
  preScore(ctx) {
    const own = affinityTerms(ctx.pod);
    const incoming = own.preferredAffinity.length > 0 || own.preferredAntiAffinity.length > 0;
    if (!incoming && !ctx.cache.affinityNodes().size) return "skip";
    const scores: TopologyCounts = new Map();
    if (incoming) {
      for (const node of ctx.cache.nodes()) for (const existing of node.pods.values()) scoreExisting(ctx, scores, existing, node, true);
    } else {
      for (const node of ctx.cache.affinityNodes()) for (const existing of node.podsWithAffinity) scoreExisting(ctx, scores, existing, node, false);
    }
    if (!scores.size) return "skip";
    ctx.state.set(`${NAME}/score`, scores);
    return undefined;
  },
  score(ctx, node) {
    const scores = ctx.state.get(`${NAME}/score`) as TopologyCounts;
    let sum = 0;
    for (const [key, values] of scores) {
      const value = node.labels[key];
      if (value !== undefined) sum += values.get(value) ?? 0;
    }
    return sum;
  },
  normalize(_ctx, scores) {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.floor((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0;
  },
};
