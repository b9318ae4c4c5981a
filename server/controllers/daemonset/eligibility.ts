/**
 * Which nodes a DaemonSet's pod belongs on (NodeShouldRunDaemonPod): the node must match the
 * template's nodeName, nodeSelector and required node affinity, and its NoSchedule/NoExecute
 * taints must be tolerated — by the template's tolerations plus those every daemon pod gets
 * (not-ready and unreachable NoExecute, the pressure and unschedulable NoSchedule taints, and
 * network-unavailable for hostNetwork pods), so that daemons keep running on troubled nodes. A
 * pod whose node gained an untolerated NoSchedule taint may stay (shouldContinueRunning); an
 * untolerated NoExecute taint evicts it.
 */
import type { Pod, Toleration } from "../pod-status.ts";
import type { DaemonSet, Node, Taint } from "./types.ts";

type PodSpec = NonNullable<Pod["spec"]>;

interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

const DAEMON_TOLERATIONS: Array<Toleration & { hostNetworkOnly?: boolean }> = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule", hostNetworkOnly: true },
];

/** AddOrUpdateDaemonPodTolerations: the template's tolerations plus the daemon ones (no duplicates). */
export function daemonTolerations(spec: PodSpec | undefined): Toleration[] {
  const out = [...(spec?.tolerations ?? [])];
  for (const { hostNetworkOnly, ...t } of DAEMON_TOLERATIONS) {
    if (hostNetworkOnly && !spec?.hostNetwork) continue;
    const same = out.findIndex((x) => x.key === t.key && x.effect === t.effect && (x.operator ?? "Equal") === t.operator && (x.value ?? "") === "");
    if (same >= 0) out[same] = t;
    else out.push(t);
  }
  return out;
}

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== "Exists") return false;
  if (t.operator === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

function tolerated(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

function requirementMatches(r: NodeSelectorRequirement, get: (key: string) => string | undefined): boolean {
  const v = get(r.key);
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return v !== undefined && values.includes(v);
    case "NotIn":
      return v === undefined || !values.includes(v);
    case "Exists":
      return v !== undefined;
    case "DoesNotExist":
      return v === undefined;
    case "Gt":
    case "Lt": {
      if (v === undefined || !/^-?\d+$/.test(v) || values.length !== 1 || !/^-?\d+$/.test(values[0])) return false;
      return r.operator === "Gt" ? Number(v) > Number(values[0]) : Number(v) < Number(values[0]);
    }
    default:
      return false;
  }
}

/** A node selector term: all its requirements hold; a term with none matches nothing. */
function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  const label = (k: string) => (Object.hasOwn(labels, k) ? labels[k] : undefined);
  const field = (k: string) => (k === "metadata.name" ? node.metadata.name : undefined);
  return exprs.every((r) => requirementMatches(r, label)) && fields.every((r) => requirementMatches(r, field));
}

function requiredTerms(spec: PodSpec | undefined): NodeSelectorTerm[] | undefined {
  const required = (spec?.affinity?.nodeAffinity as { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } | undefined)
    ?.requiredDuringSchedulingIgnoredDuringExecution;
  return required ? (required.nodeSelectorTerms ?? []) : undefined;
}

/** nodeSelector and required node affinity (GetRequiredNodeAffinity(pod).Match(node)). */
export function matchesNodeAffinity(spec: PodSpec | undefined, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = requiredTerms(spec);
  return terms === undefined || terms.some((t) => termMatches(t, node));
}

export interface Eligibility {
  /** A daemon pod should be created here if missing. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): Eligibility {
  const spec = ds.spec.template?.spec;
  if (spec?.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonTolerations(spec);
  const taints = (node.spec?.taints ?? []).filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute");
  const untolerated = taints.filter((t) => !tolerated(tolerations, t));
  if (untolerated.length > 0) return { shouldRun: false, shouldContinueRunning: untolerated.every((t) => t.effect !== "NoExecute") };
  return { shouldRun: true, shouldContinueRunning: true };
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the pod may go to this node only (the scheduler binds
 * it, honouring everything else); the template's required terms give way, since this node was
 * checked against them already.
 */
export function affinityForNode(affinity: PodSpec["affinity"], nodeName: string): NonNullable<PodSpec["affinity"]> {
  const out = structuredClone(affinity ?? {}) as NonNullable<PodSpec["affinity"]>;
  const nodeAffinity = (out.nodeAffinity ??= {}) as Record<string, unknown>;
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] }],
  };
  return out;
}

/** GetTargetNodeName: the node a daemon pod is on, or is pinned to by its affinity. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of requiredTerms(pod.spec) ?? []) {
    for (const r of term.matchFields ?? []) {
      if (r.key === "metadata.name" && r.operator === "In" && r.values?.length === 1) return r.values[0];
    }
  }
  return undefined;
}
