/** Each filter plugin on its own, with upstream's reason strings. */
import { describe, expect, it } from "vitest";
import { preFilter, runFilters } from "../../../server/scheduler/algorithm.ts";
import type { FilterPlugin } from "../../../server/scheduler/framework.ts";
import { interPodAffinity } from "../../../server/scheduler/plugins/inter-pod-affinity.ts";
import { nodeAffinity } from "../../../server/scheduler/plugins/node-affinity.ts";
import { nodePorts } from "../../../server/scheduler/plugins/node-ports.ts";
import { nodeResourcesFit } from "../../../server/scheduler/plugins/node-resources-fit.ts";
import { nodeUnschedulable } from "../../../server/scheduler/plugins/node-unschedulable.ts";
import { podTopologySpread } from "../../../server/scheduler/plugins/pod-topology-spread.ts";
import { taintToleration } from "../../../server/scheduler/plugins/taint-toleration.ts";
import { defaultProfile } from "../../../server/scheduler/profile.ts";
import type { Node, Pod } from "../../../server/scheduler/types.ts";
import { cacheWith, contextFor, makeNode, makePod } from "./fixtures.ts";

const priorityOf = (p: Pod) => p.spec.priority ?? 0;

/** Runs one plugin's PreFilter and Filter for `pod` on every node: node name -> reasons ("" = fits). */
function filterWith(plugin: FilterPlugin, pod: Pod, nodes: Node[], pods: Pod[] = [], ns: Record<string, Record<string, string>> = {}): Record<string, string> {
  const cache = cacheWith(nodes, pods);
  const ctx = contextFor(pod, cache, ns);
  const pre = plugin.preFilter?.(ctx);
  const out: Record<string, string> = {};
  for (const n of cache.nodes()) {
    if (pre === "skip") out[n.name] = "";
    else if (pre) out[n.name] = pre.reasons.join("; ");
    else out[n.name] = plugin.filter(ctx, n)?.reasons.join("; ") ?? "";
  }
  return out;
}

describe("NodeUnschedulable", () => {
  it("keeps pods off cordoned nodes unless they tolerate the unschedulable taint", () => {
    const nodes = [makeNode("a", { unschedulable: true }), makeNode("b")];
    expect(filterWith(nodeUnschedulable, makePod("p"), nodes)).toEqual({ a: "node(s) were unschedulable", b: "" });
    const tolerant = makePod("t", { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] });
    expect(filterWith(nodeUnschedulable, tolerant, nodes)).toEqual({ a: "", b: "" });
  });
});

describe("TaintToleration", () => {
  const nodes = [
    makeNode("tainted", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }),
    makeNode("soft", { taints: [{ key: "dedicated", value: "gpu", effect: "PreferNoSchedule" }] }),
    makeNode("plain"),
  ];

  it("names the first untolerated NoSchedule taint", () => {
    expect(filterWith(taintToleration, makePod("p"), nodes)).toEqual({ tainted: "node(s) had untolerated taint {dedicated: gpu}", soft: "", plain: "" });
  });

  it("lets Equal and Exists tolerations through", () => {
    expect(filterWith(taintToleration, makePod("eq", { tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }] }), nodes).tainted).toBe("");
    expect(filterWith(taintToleration, makePod("ex", { tolerations: [{ key: "dedicated", operator: "Exists" }] }), nodes).tainted).toBe("");
    expect(filterWith(taintToleration, makePod("all", { tolerations: [{ operator: "Exists" }] }), nodes).tainted).toBe("");
    expect(filterWith(taintToleration, makePod("wrong", { tolerations: [{ key: "dedicated", value: "cpu", effect: "NoSchedule" }] }), nodes).tainted).toContain("untolerated");
  });

  it("treats a node that is not Ready as tainted not-ready (or unreachable when Unknown)", () => {
    const r = filterWith(taintToleration, makePod("p"), [makeNode("down", { ready: "False" }), makeNode("gone", { ready: "Unknown" })]);
    expect(r).toEqual({ down: "node(s) had untolerated taint {node.kubernetes.io/not-ready: }", gone: "node(s) had untolerated taint {node.kubernetes.io/unreachable: }" });
    const tolerant = makePod("ds", { tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" }] });
    expect(filterWith(taintToleration, tolerant, [makeNode("down", { ready: "False" })]).down).toBe("");
  });
});

describe("NodeAffinity", () => {
  const nodes = [makeNode("a", { labels: { disk: "ssd", zone: "z1", cores: "8" } }), makeNode("b", { labels: { disk: "hdd", zone: "z2", cores: "2" } })];
  const miss = "node(s) didn't match Pod's node affinity/selector";

  it("matches nodeSelector", () => {
    expect(filterWith(nodeAffinity, makePod("p", { nodeSelector: { disk: "ssd" } }), nodes)).toEqual({ a: "", b: miss });
    expect(filterWith(nodeAffinity, makePod("q", { nodeSelector: { "no-such-label": "x" } }), nodes)).toEqual({ a: miss, b: miss });
  });

  it("matches required terms (ORed) with In, NotIn, Exists, DoesNotExist, Gt, Lt and matchFields", () => {
    const required = (terms: object[]) => makePod("p", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms as never } } } });
    expect(filterWith(nodeAffinity, required([{ matchExpressions: [{ key: "zone", operator: "In", values: ["z2"] }] }]), nodes)).toEqual({ a: miss, b: "" });
    expect(filterWith(nodeAffinity, required([{ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["z2"] }] }]), nodes)).toEqual({ a: "", b: miss });
    expect(filterWith(nodeAffinity, required([{ matchExpressions: [{ key: "cores", operator: "Gt", values: ["4"] }] }]), nodes)).toEqual({ a: "", b: miss });
    expect(filterWith(nodeAffinity, required([{ matchExpressions: [{ key: "cores", operator: "Lt", values: ["4"] }] }]), nodes)).toEqual({ a: miss, b: "" });
    expect(filterWith(nodeAffinity, required([{ matchExpressions: [{ key: "gpu", operator: "DoesNotExist" }] }]), nodes)).toEqual({ a: "", b: "" });
    expect(filterWith(nodeAffinity, required([{ matchFields: [{ key: "metadata.name", operator: "In", values: ["b"] }] }]), nodes)).toEqual({ a: miss, b: "" });
    expect(filterWith(nodeAffinity, required([{ matchExpressions: [{ key: "zone", operator: "In", values: ["z9"] }] }, { matchExpressions: [{ key: "disk", operator: "Exists" }] }]), nodes)).toEqual({ a: "", b: "" });
    // An empty term matches nothing.
    expect(filterWith(nodeAffinity, required([{}]), nodes)).toEqual({ a: miss, b: miss });
  });
});

describe("NodePorts", () => {
  it("refuses a host port already held on the node", () => {
    const nodes = [makeNode("a"), makeNode("b")];
    const holder = makePod("holder", { node: "a", hostPort: 8080 });
    expect(filterWith(nodePorts, makePod("p", { hostPort: 8080 }), nodes, [holder])).toEqual({ a: "node(s) didn't have free ports for the requested pod ports", b: "" });
    expect(filterWith(nodePorts, makePod("q", { hostPort: 9090 }), nodes, [holder])).toEqual({ a: "", b: "" });
  });
});

describe("NodeResourcesFit", () => {
  const fit = nodeResourcesFit(priorityOf);

  it("compares requests with what allocatable leaves", () => {
    const nodes = [makeNode("small", { cpu: "1", memory: "1Gi" }), makeNode("big", { cpu: "8", memory: "16Gi" })];
    const used = makePod("used", { node: "small", cpu: "500m", memory: "512Mi" });
    expect(filterWith(fit, makePod("p", { cpu: "600m" }), nodes, [used])).toEqual({ small: "Insufficient cpu", big: "" });
    expect(filterWith(fit, makePod("q", { cpu: "2", memory: "2Gi" }), nodes, [used])).toEqual({ small: "Insufficient cpu; Insufficient memory", big: "" });
    expect(filterWith(fit, makePod("r", { cpu: "500m", memory: "512Mi" }), nodes, [used])).toEqual({ small: "", big: "" });
  });

  it("counts pods against allocatable pods", () => {
    const nodes = [makeNode("one", { pods: 1 })];
    expect(filterWith(fit, makePod("p"), nodes, [makePod("x", { node: "one" })])).toEqual({ one: "Too many pods" });
  });

  it("takes the largest init container and the overhead", () => {
    const nodes = [makeNode("n", { cpu: "1" })];
    const init = makePod("p", { cpu: "100m", initContainers: [{ name: "i", resources: { requests: { cpu: "1500m" } } }] });
    expect(filterWith(fit, init, nodes)).toEqual({ n: "Insufficient cpu" });
    const overhead = makePod("o", { cpu: "900m", overhead: { cpu: "200m" } });
    expect(filterWith(fit, overhead, nodes)).toEqual({ n: "Insufficient cpu" });
  });

  it("checks extended resources", () => {
    const nodes = [makeNode("gpu", { extra: { "example.com/gpu": "1" } }), makeNode("none")];
    const pod = makePod("p");
    pod.spec.containers[0].resources = { requests: { "example.com/gpu": "1" } };
    expect(filterWith(fit, pod, nodes)).toEqual({ gpu: "", none: "Insufficient example.com/gpu" });
  });

  it("keeps the place of pods nominated there with at least this priority", () => {
    const cache = cacheWith([makeNode("n", { cpu: "1" })]);
    const nominated = makePod("high", { cpu: "800m", priority: 100 });
    const low = makePod("low", { cpu: "500m", priority: 10 });
    expect(fit.filter(contextFor(low, cache, {}, { n: [nominated] }), cache.node("n")!)?.reasons).toEqual(["Insufficient cpu"]);
    const higher = makePod("higher", { cpu: "500m", priority: 1000 });
    expect(fit.filter(contextFor(higher, cache, {}, { n: [nominated] }), cache.node("n")!)).toBeUndefined();
  });
});

describe("InterPodAffinity", () => {
  const zones = [makeNode("a", { labels: { zone: "z1" } }), makeNode("b", { labels: { zone: "z1" } }), makeNode("c", { labels: { zone: "z2" } })];
  const web = (name: string, node?: string) => makePod(name, { node, labels: { app: "web" } });
  const term = (key: string) => ({ labelSelector: { matchLabels: { app: "web" } }, topologyKey: key });

  it("required anti-affinity keeps matching pods apart", () => {
    const pod = makePod("p", { labels: { app: "web" }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("kubernetes.io/hostname")] } } });
    expect(filterWith(interPodAffinity, pod, zones, [web("w1", "a")])).toEqual({ a: "node(s) didn't match pod anti-affinity rules", b: "", c: "" });
    const byZone = makePod("z", { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("zone")] } } });
    expect(filterWith(interPodAffinity, byZone, zones, [web("w1", "a")])).toEqual({ a: "node(s) didn't match pod anti-affinity rules", b: "node(s) didn't match pod anti-affinity rules", c: "" });
  });

  it("existing pods' anti-affinity keeps the new pod out of their domain", () => {
    const existing = makePod("guard", { node: "c", affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("zone")] } } });
    expect(filterWith(interPodAffinity, web("new"), zones, [existing])).toEqual({ a: "", b: "", c: "node(s) didn't satisfy existing pods anti-affinity rules" });
  });

  it("required affinity wants a matching pod in the domain, except for the first of a group", () => {
    const pod = makePod("p", { labels: { app: "web" }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("zone")] } } });
    expect(filterWith(interPodAffinity, pod, zones, [web("w1", "c")])).toEqual({ a: "node(s) didn't match pod affinity rules", b: "node(s) didn't match pod affinity rules", c: "" });
    // No pod matches anywhere and the pod matches its own term: it may go anywhere.
    expect(filterWith(interPodAffinity, pod, zones)).toEqual({ a: "", b: "", c: "" });
    const stranger = makePod("s", { labels: { app: "db" }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("zone")] } } });
    expect(filterWith(interPodAffinity, stranger, zones)).toEqual({ a: "node(s) didn't match pod affinity rules", b: "node(s) didn't match pod affinity rules", c: "node(s) didn't match pod affinity rules" });
  });

  it("looks in the pod's namespace unless the term names others or selects them", () => {
    const pod = makePod("p", { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("kubernetes.io/hostname")] } } });
    const elsewhere = makePod("w", { namespace: "other", node: "a", labels: { app: "web" } });
    expect(filterWith(interPodAffinity, pod, zones, [elsewhere]).a).toBe("");
    const selecting = makePod("q", { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ ...term("kubernetes.io/hostname"), namespaceSelector: { matchLabels: { team: "x" } } }] } } });
    expect(filterWith(interPodAffinity, selecting, zones, [elsewhere], { other: { team: "x" } }).a).toBe("node(s) didn't match pod anti-affinity rules");
  });
});

describe("PodTopologySpread", () => {
  const nodes = [makeNode("a", { labels: { zone: "z1" } }), makeNode("b", { labels: { zone: "z2" } }), makeNode("nolabel")];
  const spread = [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } } }];

  it("refuses a domain that would exceed maxSkew and nodes without the key", () => {
    const existing = [makePod("w1", { node: "a", labels: { app: "web" } })];
    const pod = makePod("p", { labels: { app: "web" }, spread });
    expect(filterWith(podTopologySpread, pod, nodes, existing)).toEqual({
      a: "node(s) didn't match pod topology spread constraints",
      b: "",
      nolabel: "node(s) didn't match pod topology spread constraints (missing required label)",
    });
  });

  it("counts only nodes that match the pod's node selector (nodeAffinityPolicy Honor)", () => {
    const existing = [makePod("w1", { node: "a", labels: { app: "web" } })];
    const pod = makePod("p", { labels: { app: "web" }, spread, nodeSelector: { zone: "z1" } });
    // Only zone z1 is eligible: its minimum is its own count, so the skew stays 1.
    expect(filterWith(podTopologySpread, pod, nodes, existing).a).toBe("");
  });
});

describe("the default profile", () => {
  it("runs the filters in upstream's order and stops at the first failure", () => {
    const { filters } = defaultProfile(priorityOf);
    expect(filters.map((f) => f.name)).toEqual(["NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity"]);
    const cache = cacheWith([makeNode("n", { unschedulable: true, cpu: "1" })]);
    const ctx = contextFor(makePod("p", { cpu: "2", nodeSelector: { x: "y" } }), cache);
    const active = preFilter(defaultProfile(priorityOf), ctx) as FilterPlugin[];
    expect(runFilters(active, ctx, cache.node("n")!)?.reasons).toEqual(["node(s) were unschedulable"]);
  });
});
