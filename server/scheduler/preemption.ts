/**
 * DefaultPreemption's decision (upstream's preemption Evaluator, without PodDisruptionBudgets):
 * when a pod fits nowhere, look at the nodes where removing pods could help (those whose
 * failure was Unschedulable, not UnschedulableAndUnresolvable); on each, remove every pod of
 * lower priority, check the pod fits, then give back as many of them as still let it fit,
 * most important first. The node whose victims matter least wins: lowest highest-priority
 * victim, then lowest priority sum, then fewest victims. Deciding is pure; the scheduler deletes
 * the victims and nominates the node.
 */
import { runFilters } from "./algorithm.ts";
import { type Diagnosis, fitErrorMessage } from "./fit-error.ts";
import type { CycleContext, FilterFailure, FilterPlugin } from "./framework.ts";
import type { NodeInfo } from "./node-info.ts";
import type { Pod } from "./types.ts";

export const NOT_HELPFUL = "Preemption is not helpful for scheduling";
export const NO_VICTIMS = "No preemption victims found for incoming pod";

export type PreemptionOutcome =
  | { node: string; victims: Pod[] }
  | { message: string };

export interface PreemptionInput {
  ctx: CycleContext;
  filters: readonly FilterPlugin[];
  diagnosis: Diagnosis;
  priorityOf(pod: Pod): number;
  preemptionPolicy: string;
  /** How many candidate nodes a dry run may look at (upstream: 10% of nodes, at least 100). */
  maxCandidates?: number;
}

function startTime(pod: Pod): number {
  const t = pod.status?.startTime ?? pod.metadata.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

/** Eligibility (PodEligibleToPreemptOthers); the reason why not, or undefined. */
function notEligible(input: PreemptionInput): string | undefined {
  const { ctx, priorityOf } = input;
  if (input.preemptionPolicy === "Never") return "not eligible due to preemptionPolicy=Never.";
  const nominated = ctx.pod.status?.nominatedNodeName;
  const node = nominated ? ctx.cache.node(nominated) : undefined;
  if (node) {
    // Victims of an earlier preemption are still leaving: wait for them rather than preempt more.
    for (const p of node.pods.values()) {
      if (p.metadata.deletionTimestamp && priorityOf(p) < ctx.priority) return "not eligible due to a terminating pod on the nominated node.";
    }
  }
  return undefined;
}

function selectVictims(input: PreemptionInput, original: NodeInfo): { victims: Pod[] } | FilterFailure {
  const { ctx, filters, priorityOf } = input;
  // Most nodes of a busy cluster hold no pod this one may preempt: say so before copying the node.
  let any = false;
  for (const p of original.pods.values()) {
    if (priorityOf(p) < ctx.priority) {
      any = true;
      break;
    }
  }
  if (!any) return { code: "UnschedulableAndUnresolvable", reasons: [NO_VICTIMS], plugin: "DefaultPreemption" };
  const node = original.clone();
  const potential: Pod[] = [];
  for (const p of [...node.pods.values()]) {
    if (priorityOf(p) < ctx.priority) {
      potential.push(p);
      node.removePod(p.metadata.uid!);
    }
  }
  const failure = runFilters(filters, ctx, node);
  if (failure) return failure;
  // Most important first (MoreImportantPod): higher priority, then started earlier.
  potential.sort((a, b) => priorityOf(b) - priorityOf(a) || startTime(a) - startTime(b));
  const victims: Pod[] = [];
  for (const p of potential) {
    node.addPod(p);
    if (runFilters(filters, ctx, node)) {
      node.removePod(p.metadata.uid!);
      victims.push(p);
    }
  }
  return { victims };
}

export function preempt(input: PreemptionInput): PreemptionOutcome {
  const why = notEligible(input);
  // As upstream, the reason keeps its own period and FitError adds one.
  if (why) return { message: `preemption: ${why}` };
  const { ctx, diagnosis, priorityOf } = input;
  const statuses = new Map<string, FilterFailure>();
  const potential: NodeInfo[] = [];
  for (const [name, status] of diagnosis.statuses) {
    const node = ctx.cache.node(name);
    if (status.code === "UnschedulableAndUnresolvable" || !node) {
      statuses.set(name, { code: "UnschedulableAndUnresolvable", reasons: [NOT_HELPFUL], plugin: "DefaultPreemption" });
    } else potential.push(node);
  }
  const limit = input.maxCandidates ?? Math.max(100, Math.floor(ctx.cache.nodeCount / 10));
  const offset = potential.length ? Math.floor(Math.random() * potential.length) : 0;
  let best: { node: string; victims: Pod[]; key: number[] } | undefined;
  let candidates = 0;
  for (let i = 0; i < potential.length && candidates < limit; i++) {
    const node = potential[(offset + i) % potential.length];
    const r = selectVictims(input, node);
    if ("code" in r) {
      statuses.set(node.name, r);
      continue;
    }
    candidates++;
    const priorities = r.victims.map(priorityOf);
    const highest = priorities.length ? Math.max(...priorities) : -Infinity;
    // Offset as upstream does, so that negative priorities still sum in order.
    const sum = priorities.reduce((s, p) => s + p + 2_147_483_648, 0);
    const key = [highest, sum, r.victims.length];
    if (!best || lessKey(key, best.key)) best = { node: node.name, victims: r.victims, key };
  }
  if (best) return { node: best.node, victims: best.victims };
  return { message: `preemption: ${fitErrorMessage({ numAllNodes: statuses.size, statuses })}`.replace(/\.$/, "") };
}

function lessKey(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
