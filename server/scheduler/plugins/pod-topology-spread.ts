/**
 * PodTopologySpread: DoNotSchedule constraints filter (placing the pod on the node must not
 * make its domain exceed the least-populated eligible domain by more than maxSkew), and
 * ScheduleAnyway constraints score (fewer matching pods in the domain is better). Eligible
 * nodes carry every constraint's topology key and, by default, match the pod's node
 * selector/affinity (nodeAffinityPolicy Honor) whatever their taints (nodeTaintsPolicy Ignore).
 * Matching pods are those of the pod's namespace that match the selector and are not being
 * deleted. Counts are made once per cycle.
 */
import type { LabelSelector } from "../../api/selectors/labels.ts";
import { type CycleContext, type FilterPlugin, MAX_NODE_SCORE, type ScorePlugin, unresolvable, unschedulable } from "../framework.ts";
import type { NodeInfo } from "../node-info.ts";
import type { Pod, TopologySpreadConstraint } from "../types.ts";
import { compileSelector } from "./affinity-terms.ts";
import { podMatchesNodeSelectorAndAffinity } from "./node-affinity.ts";
import { effectiveTaints, tolerates } from "./tolerations.ts";

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = "node(s) didn't match pod topology spread constraints (missing required label)";

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

function compile(pod: Pod, c: TopologySpreadConstraint): Constraint {
  let spec = c.labelSelector ?? null;
  const labels = pod.metadata.labels ?? {};
  const keys = (c.matchLabelKeys ?? []).filter((k) => Object.hasOwn(labels, k));
  if (keys.length && spec) spec = { ...spec, matchExpressions: [...(spec.matchExpressions ?? []), ...keys.map((key) => ({ key, operator: "In", values: [labels[key]] }))] };
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    selector: compileSelector(spec),
    minDomains: c.minDomains ?? 1,
    honorAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
    honorTaints: c.nodeTaintsPolicy === "Honor",
  };
}

function constraints(pod: Pod, when: string): Constraint[] {
  return (pod.spec.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === when).map((c) => compile(pod, c));
}

function eligible(pod: Pod, node: NodeInfo, cs: readonly Constraint[]): boolean {
  for (const c of cs) if (node.labels[c.topologyKey] === undefined) return false;
  if (cs.some((c) => c.honorAffinity) && !podMatchesNodeSelectorAndAffinity(pod, node.node)) return false;
  if (cs.some((c) => c.honorTaints)) {
    for (const t of effectiveTaints(node.node)) {
      if ((t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerates(pod.spec.tolerations, t)) return false;
    }
  }
  return true;
}

function matchingPods(ctx: CycleContext, node: NodeInfo, c: Constraint): number {
  const ns = ctx.pod.metadata.namespace;
  let n = 0;
  for (const p of node.pods.values()) {
    if (p.metadata.namespace === ns && !p.metadata.deletionTimestamp && c.selector.matches(p.metadata.labels ?? {})) n++;
  }
  return n;
}

interface FilterState {
  constraints: Constraint[];
  /** Per constraint: domain value -> matching pods. */
  counts: Map<string, number>[];
  minimum: number[];
}

const NAME = "PodTopologySpread";

export const podTopologySpread: FilterPlugin = {
  name: NAME,
  preFilter(ctx) {
    const cs = constraints(ctx.pod, "DoNotSchedule");
    if (!cs.length) return "skip";
    const counts = cs.map(() => new Map<string, number>());
    for (const node of ctx.cache.nodes()) {
      if (!eligible(ctx.pod, node, cs)) continue;
      cs.forEach((c, i) => {
        const value = node.labels[c.topologyKey];
        counts[i].set(value, (counts[i].get(value) ?? 0) + matchingPods(ctx, node, c));
      });
    }
    const minimum = cs.map((c, i) => {
      if (counts[i].size < c.minDomains) return 0;
      let min = Infinity;
      for (const n of counts[i].values()) if (n < min) min = n;
      return min === Infinity ? 0 : min;
    });
    ctx.state.set(NAME, { constraints: cs, counts, minimum } satisfies FilterState);
    return undefined;
  },
  filter(ctx, node) {
    const s = ctx.state.get(NAME) as FilterState;
    const labels = ctx.pod.metadata.labels ?? {};
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const value = node.labels[c.topologyKey];
      if (value === undefined) return unresolvable(NAME, ERR_REASON_NODE_LABEL_NOT_MATCH);
      const self = c.selector.matches(labels) ? 1 : 0;
      const skew = (s.counts[i].get(value) ?? 0) + self - s.minimum[i];
      if (skew > c.maxSkew) return unschedulable(NAME, ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return undefined;
  },
};

interface ScoreState {
  constraints: Constraint[];
  counts: Map<string, number>[];
  weights: number[];
}

export const podTopologySpreadScore: ScorePlugin = {
  name: NAME,
  weight: 2,
  preScore(ctx, feasible) {
    const cs = constraints(ctx.pod, "ScheduleAnyway");
    if (!cs.length) return "skip";
    const counts = cs.map(() => new Map<string, number>());
    const domains = cs.map(() => new Set<string>());
    for (const node of feasible) cs.forEach((c, i) => {
      const v = node.labels[c.topologyKey];
      if (v !== undefined) domains[i].add(v);
    });
    for (const node of ctx.cache.nodes()) {
      if (!eligible(ctx.pod, node, cs)) continue;
      cs.forEach((c, i) => {
        const value = node.labels[c.topologyKey];
        if (domains[i].has(value)) counts[i].set(value, (counts[i].get(value) ?? 0) + matchingPods(ctx, node, c));
      });
    }
    // topologyNormalizingWeight: more domains weigh more.
    const weights = domains.map((d) => Math.log(d.size + 2));
    ctx.state.set(`${NAME}/score`, { constraints: cs, counts, weights } satisfies ScoreState);
    return undefined;
  },
  score(ctx, node) {
    const s = ctx.state.get(`${NAME}/score`) as ScoreState;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const value = node.labels[s.constraints[i].topologyKey];
      // A node without the key is scored lowest (upstream ignores it and gives it 0).
      if (value === undefined) return -1;
      score += (s.counts[i].get(value) ?? 0) * s.weights[i] + (s.constraints[i].maxSkew - 1);
    }
    return Math.round(score);
  },
  normalize(_ctx, scores) {
    let min = Infinity;
    let max = 0;
    for (const s of scores) {
      if (s < 0) continue;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] < 0) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.floor((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  },
};
