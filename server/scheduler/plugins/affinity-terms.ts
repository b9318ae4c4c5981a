/**
 * Pod affinity terms made ready to match: the label selector compiled once (with matchLabelKeys
 * and mismatchLabelKeys folded in from the owning pod's labels), and the namespaces the term
 * looks in — its own list, those its namespaceSelector picks, or else the owning pod's own.
 * Compiled terms are cached per pod object, which informers never change.
 */
import { type LabelSelector, labelSelectorFromObject, NOTHING } from "../../api/selectors/labels.ts";
import type { CycleContext } from "../framework.ts";
import type { LabelSelectorSpec, Pod, PodAffinityTerm } from "../types.ts";

export interface AffinityTerm {
  topologyKey: string;
  selector: LabelSelector;
  namespaces: ReadonlySet<string>;
  namespaceSelector?: LabelSelector;
  weight: number;
}

export interface PodAffinityTerms {
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAntiAffinity: AffinityTerm[];
}

export function compileSelector(spec: LabelSelectorSpec | null | undefined): LabelSelector {
  try {
    return labelSelectorFromObject(spec);
  } catch {
    // Validation keeps bad selectors out; one that slips through selects nothing.
    return NOTHING;
  }
}

function compile(owner: Pod, term: PodAffinityTerm, weight: number): AffinityTerm {
  let spec = term.labelSelector ?? null;
  const labels = owner.metadata.labels ?? {};
  const extra: Array<{ key: string; operator: string; values: string[] }> = [];
  for (const key of term.matchLabelKeys ?? []) if (Object.hasOwn(labels, key)) extra.push({ key, operator: "In", values: [labels[key]] });
  for (const key of term.mismatchLabelKeys ?? []) if (Object.hasOwn(labels, key)) extra.push({ key, operator: "NotIn", values: [labels[key]] });
  if (extra.length && spec) spec = { ...spec, matchExpressions: [...(spec.matchExpressions ?? []), ...extra] };
  const explicit = term.namespaces ?? [];
  const namespaces = new Set(explicit);
  if (!explicit.length && !term.namespaceSelector) namespaces.add(owner.metadata.namespace ?? "");
  return {
    topologyKey: term.topologyKey,
    selector: compileSelector(spec),
    namespaces,
    namespaceSelector: term.namespaceSelector ? compileSelector(term.namespaceSelector) : undefined,
    weight,
  };
}

const cache = new WeakMap<Pod, PodAffinityTerms>();

export function affinityTerms(pod: Pod): PodAffinityTerms {
  let terms = cache.get(pod);
  if (terms) return terms;
  const a = pod.spec.affinity;
  terms = {
    requiredAffinity: (a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compile(pod, t, 1)),
    requiredAntiAffinity: (a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compile(pod, t, 1)),
    preferredAffinity: (a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compile(pod, t.podAffinityTerm, t.weight)),
    preferredAntiAffinity: (a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compile(pod, t.podAffinityTerm, t.weight)),
  };
  cache.set(pod, terms);
  return terms;
}

/** AffinityTerm.Matches: the pod is in one of the term's namespaces and its labels match. */
export function termMatchesPod(term: AffinityTerm, pod: Pod, ctx: Pick<CycleContext, "namespaceLabels">): boolean {
  const ns = pod.metadata.namespace ?? "";
  if (!term.namespaces.has(ns)) {
    if (!term.namespaceSelector) return false;
    const labels = ctx.namespaceLabels(ns);
    if (!term.namespaceSelector.matches(labels ?? {})) return false;
  }
  return term.selector.matches(pod.metadata.labels ?? {});
}
