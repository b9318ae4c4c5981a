/**
 * NodeAffinity: spec.nodeSelector and the required node affinity must both match the node's
 * labels (terms are ORed, a term's expressions ANDed, an empty term matches nothing; matchFields
 * knows metadata.name); preferred terms add their weight to the node's score.
 */
import { defaultNormalize, type FilterPlugin, type ScorePlugin, unresolvable } from "../framework.ts";
import type { NodeInfo } from "../node-info.ts";
import type { Labels, Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from "../types.ts";

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

function integer(s: string | undefined): bigint | undefined {
  return s !== undefined && /^[+-]?\d+$/.test(s) ? BigInt(s) : undefined;
}

export function requirementMatches(r: NodeSelectorRequirement, values: Labels): boolean {
  const has = Object.hasOwn(values, r.key);
  const v = has ? values[r.key] : undefined;
  switch (r.operator) {
    case "In":
      return has && (r.values ?? []).includes(v!);
    case "NotIn":
      return !has || !(r.values ?? []).includes(v!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      const l = integer(v);
      const want = integer(r.values?.[0]);
      if (l === undefined || want === undefined || (r.values?.length ?? 0) !== 1) return false;
      return r.operator === "Gt" ? l > want : l < want;
    }
    default:
      return false;
  }
}

/** One NodeSelectorTerm: all its expressions and fields; a term with neither matches nothing. */
export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) if (!requirementMatches(r, labels)) return false;
  for (const r of fields) {
    // metadata.name is the only field a node selector term may name.
    if (r.key !== "metadata.name" || !requirementMatches(r, { "metadata.name": node.metadata.name ?? "" })) return false;
  }
  return true;
}

/** nodeSelector and required node affinity (the part of a pod's placement that ignores other pods). */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const selector = pod.spec.nodeSelector;
  if (selector) {
    const labels = node.metadata.labels ?? {};
    for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  }
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms = required.nodeSelectorTerms ?? [];
    if (!terms.some((t) => termMatches(t, node))) return false;
  }
  return true;
}

export const nodeAffinity: FilterPlugin = {
  name: "NodeAffinity",
  preFilter(ctx) {
    const spec = ctx.pod.spec;
    const hasSelector = spec.nodeSelector && Object.keys(spec.nodeSelector).length > 0;
    if (!hasSelector && !spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution) return "skip";
    return undefined;
  },
  filter(ctx, node) {
    return podMatchesNodeSelectorAndAffinity(ctx.pod, node.node) ? undefined : unresolvable(this.name, ERR_REASON_POD);
  },
};

export const nodeAffinityScore: ScorePlugin = {
  name: "NodeAffinity",
  weight: 2,
  preScore(ctx) {
    return ctx.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ? undefined : "skip";
  },
  score(ctx, node: NodeInfo) {
    let sum = 0;
    for (const p of ctx.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (p.weight && termMatches(p.preference, node.node)) sum += p.weight;
    }
    return sum;
  },
  normalize(_ctx, scores) {
    defaultNormalize(scores, false);
  },
};
