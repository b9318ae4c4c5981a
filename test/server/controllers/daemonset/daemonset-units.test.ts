import { describe, expect, it } from "vitest";
import { affinityForNode, daemonTolerations, nodeShouldRunDaemonPod, targetNodeName } from "../../../../server/controllers/daemonset/eligibility.ts";
import { rollingUpdateStep, updateBudget } from "../../../../server/controllers/daemonset/rolling-update.ts";
import { computeStatus } from "../../../../server/controllers/daemonset/status.ts";
import type { DaemonSet, Node, Taint } from "../../../../server/controllers/daemonset/types.ts";
import type { Pod } from "../../../../server/controllers/pod-status.ts";

function ds(spec: NonNullable<DaemonSet["spec"]["template"]["spec"]> = {}): DaemonSet {
  return { metadata: { name: "d", namespace: "ns", uid: "u" }, spec: { selector: { matchLabels: { app: "d" } }, template: { metadata: { labels: { app: "d" } }, spec } } };
}
function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return { metadata: { name, labels }, spec: { taints } };
}

describe("daemon pod eligibility", () => {
  it("follows nodeSelector and required node affinity", () => {
    const d = ds({ nodeSelector: { disk: "ssd" } });
    expect(nodeShouldRunDaemonPod(node("a", { disk: "ssd" }), d)).toEqual({ shouldRun: true, shouldContinueRunning: true });
    expect(nodeShouldRunDaemonPod(node("b"), d)).toEqual({ shouldRun: false, shouldContinueRunning: false });
    const aff = ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["x", "y"] }] }, { matchFields: [{ key: "metadata.name", operator: "In", values: ["c"] }] }] } } } });
    expect(nodeShouldRunDaemonPod(node("a", { zone: "y" }), aff).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node("c"), aff).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node("d", { zone: "z" }), aff).shouldRun).toBe(false);
  });

  it("tolerates the taints of troubled nodes automatically, but not others", () => {
    const d = ds();
    for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
      expect(nodeShouldRunDaemonPod(node("n", {}, [{ key, effect: "NoExecute" }]), d).shouldRun).toBe(true);
    }
    for (const key of ["node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable"]) {
      expect(nodeShouldRunDaemonPod(node("n", {}, [{ key, effect: "NoSchedule" }]), d).shouldRun).toBe(true);
    }
    // not-ready NoSchedule is not tolerated: no new pod there, but one already there may stay.
    expect(nodeShouldRunDaemonPod(node("n", {}, [{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }]), d)).toEqual({ shouldRun: false, shouldContinueRunning: true });
    // An untolerated NoExecute taint evicts.
    expect(nodeShouldRunDaemonPod(node("n", {}, [{ key: "dedicated", value: "db", effect: "NoExecute" }]), d)).toEqual({ shouldRun: false, shouldContinueRunning: false });
    // PreferNoSchedule does not matter.
    expect(nodeShouldRunDaemonPod(node("n", {}, [{ key: "dedicated", effect: "PreferNoSchedule" }]), d).shouldRun).toBe(true);
    // network-unavailable only for hostNetwork pods.
    const net = [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }];
    expect(nodeShouldRunDaemonPod(node("n", {}, net), d).shouldRun).toBe(false);
    expect(nodeShouldRunDaemonPod(node("n", {}, net), ds({ hostNetwork: true })).shouldRun).toBe(true);
    // The template's own tolerations count too.
    expect(nodeShouldRunDaemonPod(node("n", {}, [{ key: "dedicated", value: "db", effect: "NoSchedule" }]), ds({ tolerations: [{ key: "dedicated", operator: "Equal", value: "db" }] })).shouldRun).toBe(true);
  });

  it("adds the daemon tolerations once", () => {
    const once = daemonTolerations({ tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] });
    expect(once.filter((t) => t.key === "node.kubernetes.io/unschedulable")).toHaveLength(1);
    expect(once).toHaveLength(6);
  });

  it("pins pods to their node with a matchFields term, and reads the pin back", () => {
    const affinity = affinityForNode({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "a", operator: "Exists" }] }] } } }, "n1");
    expect(affinity).toEqual({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }] } } });
    expect(targetNodeName({ metadata: {}, spec: { affinity } })).toBe("n1");
    expect(targetNodeName({ metadata: {}, spec: { nodeName: "n2", affinity } })).toBe("n2");
  });
});

const pod = (name: string, hash: string, ready: boolean, extra: Partial<Pod["metadata"]> = {}): Pod => ({
  metadata: { name, labels: { "controller-revision-hash": hash }, creationTimestamp: "2024-01-01T00:00:00Z", ...extra },
  status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: "2024-01-01T00:00:00Z" }] },
});

describe("rolling update", () => {
  const now = Date.parse("2024-01-02T00:00:00Z");
  it("budgets round up percentages and never both zero", () => {
    expect(updateBudget({ maxUnavailable: "10%", maxSurge: 0 }, 15)).toEqual({ maxSurge: 0, maxUnavailable: 2 });
    expect(updateBudget({ maxUnavailable: 0, maxSurge: 0 }, 3)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });

  it("without surge deletes old pods within maxUnavailable, unavailable ones at once", () => {
    const nodeToPods = new Map([
      ["a", [pod("a-old", "h1", true)]],
      ["b", [pod("b-old", "h1", true)]],
      ["c", [pod("c-old", "h1", false)]],
    ]);
    const step = rollingUpdateStep({ nodeToPods, shouldRun: new Set(["a", "b", "c"]), hash: "h2", minReadySeconds: 0, maxSurge: 0, maxUnavailable: 1, now });
    expect(step.podsToDelete.map((p) => p.metadata.name)).toEqual(["c-old", "a-old"]);
    // One new pod not yet available uses up the budget.
    nodeToPods.set("c", [pod("c-new", "h2", false)]);
    const next = rollingUpdateStep({ nodeToPods, shouldRun: new Set(["a", "b", "c"]), hash: "h2", minReadySeconds: 0, maxSurge: 0, maxUnavailable: 1, now });
    expect(next.podsToDelete).toEqual([]);
  });

  it("with surge starts new pods beside old ones, then deletes the old once the new is available", () => {
    const nodeToPods = new Map([
      ["a", [pod("a-old", "h1", true)]],
      ["b", [pod("b-old", "h1", true)]],
    ]);
    const input = { nodeToPods, shouldRun: new Set(["a", "b"]), hash: "h2", minReadySeconds: 0, maxSurge: 1, maxUnavailable: 0, now };
    expect(rollingUpdateStep(input)).toEqual({ podsToDelete: [], nodesToCreate: ["a"] });
    nodeToPods.set("a", [pod("a-old", "h1", true), pod("a-new", "h2", true)]);
    const step = rollingUpdateStep(input);
    expect(step.podsToDelete.map((p) => p.metadata.name)).toEqual(["a-old"]);
  });
});

describe("daemon set status", () => {
  it("counts desired, current, ready, available, updated and misscheduled", () => {
    const status = computeStatus(["a", "b", "c", "d"], new Set(["a", "b", "c"]), new Map([
      ["a", [pod("a1", "h2", true)]],
      ["b", [pod("b1", "h1", false)]],
      ["d", [pod("d1", "h2", true)]],
    ]), "h2", 0, Date.now());
    expect(status).toEqual({ desiredNumberScheduled: 3, currentNumberScheduled: 2, numberMisscheduled: 1, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 1, numberUnavailable: 2 });
  });
});
