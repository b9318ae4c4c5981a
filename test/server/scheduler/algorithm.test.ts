/** The decision as a whole: sampling, scores, FitError messages, and preemption's choice. */
import { describe, expect, it } from "vitest";
import { Algorithm, numFeasibleNodesToFind, preFilter } from "../../../server/scheduler/algorithm.ts";
import { fitErrorMessage } from "../../../server/scheduler/fit-error.ts";
import type { FilterPlugin } from "../../../server/scheduler/framework.ts";
import { preempt } from "../../../server/scheduler/preemption.ts";
import { defaultProfile } from "../../../server/scheduler/profile.ts";
import type { Node, Pod } from "../../../server/scheduler/types.ts";
import { cacheWith, contextFor, makeNode, makePod } from "./fixtures.ts";

const priorityOf = (p: Pod) => p.spec.priority ?? 0;

function schedule(pod: Pod, nodes: Node[], pods: Pod[] = []) {
  const cache = cacheWith(nodes, pods);
  const algorithm = new Algorithm(defaultProfile(priorityOf));
  const ctx = contextFor(pod, cache);
  return { result: algorithm.schedule(ctx), ctx, algorithm };
}

/** What the scheduler writes for a pod that fits nowhere (FitError plus preemption's message). */
function failureMessage(pod: Pod, nodes: Node[], pods: Pod[] = []): string {
  const { result, ctx, algorithm } = schedule(pod, nodes, pods);
  if ("node" in result) throw new Error(`scheduled to ${result.node}`);
  const filters = preFilter(algorithm.profile, ctx) as FilterPlugin[];
  const outcome = preempt({ ctx, filters, diagnosis: result.diagnosis, priorityOf, preemptionPolicy: pod.spec.preemptionPolicy ?? "PreemptLowerPriority" });
  if ("node" in outcome) return `nominated ${outcome.node}: ${fitErrorMessage(result.diagnosis)}`;
  return fitErrorMessage({ ...result.diagnosis, postFilterMessage: outcome.message });
}

describe("numFeasibleNodesToFind", () => {
  it("is every node below 100, then 50% - nodes/125 (at least 5%, at least 100 nodes)", () => {
    expect(numFeasibleNodesToFind(50)).toBe(50);
    expect(numFeasibleNodesToFind(100)).toBe(100);
    expect(numFeasibleNodesToFind(1000)).toBe(420);
    expect(numFeasibleNodesToFind(5000)).toBe(500);
    expect(numFeasibleNodesToFind(10000)).toBe(500);
    expect(numFeasibleNodesToFind(150)).toBe(100);
  });

  it("stops filtering once enough nodes fit, and goes on from there next time", () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => makeNode(`n${i}`));
    const { result } = schedule(makePod("p"), nodes);
    expect(result).toMatchObject({ evaluated: 420, feasible: 420 });
  });
});

describe("FitError messages", () => {
  const three = [makeNode("a"), makeNode("b"), makeNode("c")];

  it("a selector that matches nothing (the acceptance test's message)", () => {
    expect(failureMessage(makePod("picky", { nodeSelector: { "no-such-label": "x" } }), three)).toBe(
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });

  it("counts each reason and sorts them as strings", () => {
    const nodes = [makeNode("a", { cpu: "1" }), makeNode("b", { unschedulable: true }), makeNode("c", { taints: [{ key: "k", value: "v", effect: "NoExecute" }] })];
    expect(failureMessage(makePod("p", { cpu: "2" }), nodes)).toBe(
      "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}, 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
    );
  });

  it("says when preemption is not allowed", () => {
    const nodes = [makeNode("a", { cpu: "1" })];
    const pod = makePod("p", { cpu: "2", preemptionPolicy: "Never" });
    expect(failureMessage(pod, nodes)).toBe("0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..");
  });
});

describe("scores", () => {
  it("prefers the emptier node (least allocated, balanced)", () => {
    const nodes = [makeNode("busy", { cpu: "4", memory: "8Gi" }), makeNode("idle", { cpu: "4", memory: "8Gi" })];
    const hog = makePod("hog", { node: "busy", cpu: "3", memory: "6Gi" });
    for (let i = 0; i < 10; i++) expect(schedule(makePod(`p${i}`, { cpu: "100m" }), nodes, [hog]).result).toMatchObject({ node: "idle" });
  });

  it("follows preferred node affinity", () => {
    const nodes = [makeNode("a", { labels: { disk: "hdd" } }), makeNode("b", { labels: { disk: "ssd" } })];
    const pod = makePod("p", { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] } }] } } });
    for (let i = 0; i < 10; i++) expect(schedule(pod, nodes).result).toMatchObject({ node: "b" });
  });

  it("avoids PreferNoSchedule taints the pod does not tolerate", () => {
    const nodes = [makeNode("soft", { taints: [{ key: "spot", effect: "PreferNoSchedule" }] }), makeNode("plain")];
    for (let i = 0; i < 10; i++) expect(schedule(makePod(`p${i}`), nodes).result).toMatchObject({ node: "plain" });
  });

  it("follows preferred pod affinity and anti-affinity", () => {
    const nodes = [makeNode("a"), makeNode("b")];
    const cache = [makePod("db", { node: "a", labels: { app: "db" } })];
    const term = { labelSelector: { matchLabels: { app: "db" } }, topologyKey: "kubernetes.io/hostname" };
    const near = makePod("near", { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } } });
    const far = makePod("far", { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } } });
    for (let i = 0; i < 5; i++) {
      expect(schedule(near, nodes, cache).result).toMatchObject({ node: "a" });
      expect(schedule(far, nodes, cache).result).toMatchObject({ node: "b" });
    }
  });

  it("spreads with ScheduleAnyway constraints", () => {
    const nodes = [makeNode("a", { labels: { zone: "z1" } }), makeNode("b", { labels: { zone: "z2" } })];
    const existing = [makePod("w1", { node: "a", labels: { app: "w" } }), makePod("w2", { node: "a", labels: { app: "w" } })];
    const pod = makePod("p", { labels: { app: "w" }, spread: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "w" } } }] });
    for (let i = 0; i < 5; i++) expect(schedule(pod, nodes, existing).result).toMatchObject({ node: "b" });
  });

  it("breaks ties at random", () => {
    const nodes = Array.from({ length: 4 }, (_, i) => makeNode(`n${i}`));
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = schedule(makePod(`p${i}`), nodes).result;
      if ("node" in r) seen.add(r.node);
    }
    expect(seen.size).toBe(4);
  });
});

describe("preemption", () => {
  it("evicts the fewest, least important pods that make room", () => {
    const nodes = [makeNode("a", { cpu: "2" }), makeNode("b", { cpu: "2" })];
    const pods = [
      makePod("a-low", { node: "a", cpu: "1", priority: 10 }),
      makePod("a-mid", { node: "a", cpu: "1", priority: 50 }),
      makePod("b-high", { node: "b", cpu: "1", priority: 90 }),
      makePod("b-low", { node: "b", cpu: "1", priority: 5 }),
    ];
    const pod = makePod("vip", { cpu: "1", priority: 100 });
    const { result, ctx, algorithm } = schedule(pod, nodes, pods);
    expect("diagnosis" in result).toBe(true);
    if (!("diagnosis" in result)) return;
    const outcome = preempt({ ctx, filters: preFilter(algorithm.profile, ctx) as FilterPlugin[], diagnosis: result.diagnosis, priorityOf, preemptionPolicy: "PreemptLowerPriority" });
    // On b, evicting b-low (priority 5) alone is enough; on a it would take a-low (10).
    expect(outcome).toMatchObject({ node: "b" });
    if ("node" in outcome) expect(outcome.victims.map((v) => v.metadata.name)).toEqual(["b-low"]);
  });

  it("finds no victims among pods of equal or higher priority", () => {
    const nodes = [makeNode("a", { cpu: "1" })];
    const pods = [makePod("same", { node: "a", cpu: "1", priority: 100 })];
    expect(failureMessage(makePod("p", { cpu: "1", priority: 100 }), nodes, pods)).toBe(
      "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    );
  });
});
