import { describe, expect, it } from "vitest";
import { NodeHealth } from "../../../../server/controllers/node-lifecycle/health.ts";
import { TaintEvictionPlanner } from "../../../../server/controllers/node-lifecycle/taint-manager.ts";
import { noExecuteTaint, noScheduleTaints, type Taint, tolerationSeconds } from "../../../../server/controllers/node-lifecycle/taints.ts";
import { ZoneLimiters, zoneState } from "../../../../server/controllers/node-lifecycle/zones.ts";

const node = (ready: string, extra: Record<string, unknown> = {}) => ({ metadata: { name: "n", labels: {} as Record<string, string> }, status: { conditions: [{ type: "Ready", status: ready }] }, ...extra });
const unreachable: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" };

describe("node health on a fake clock", () => {
  it("a node is heard from when its Lease is renewed; silence is measured on our clock", () => {
    const h = new NodeHealth();
    const n = { metadata: { name: "a" } };
    expect(h.observe(n, { spec: { renewTime: "2026-01-01T00:00:00.000000Z" } }, 1000)).toBe(1000);
    // Same lease, later: still last heard at 1000.
    expect(h.observe(n, { spec: { renewTime: "2026-01-01T00:00:00.000000Z" } }, 30_000)).toBe(1000);
    // Renewed: heard now, whatever time the kubelet wrote.
    expect(h.observe(n, { spec: { renewTime: "2026-01-01T00:00:10.000000Z" } }, 45_000)).toBe(45_000);
    expect(85_001 - h.observe(n, { spec: { renewTime: "2026-01-01T00:00:10.000000Z" } }, 85_001)).toBeGreaterThan(40_000);
  });

  it("a Ready heartbeat counts too; an older renewTime does not", () => {
    const h = new NodeHealth();
    const at = (t: string) => ({ metadata: { name: "b" }, status: { conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: t }] } });
    h.observe(at("2026-01-01T00:00:00Z"), { spec: { renewTime: "2026-01-01T00:00:05Z" } }, 0);
    expect(h.observe(at("2026-01-01T00:00:20Z"), { spec: { renewTime: "2026-01-01T00:00:05Z" } }, 20_000)).toBe(20_000);
    expect(h.observe(at("2026-01-01T00:00:20Z"), { spec: { renewTime: "2026-01-01T00:00:01Z" } }, 50_000)).toBe(20_000);
  });
});

describe("taints from node state", () => {
  it("Ready False → not-ready, Unknown → unreachable, cordon → unschedulable", () => {
    expect(noExecuteTaint(node("False"))?.key).toBe("node.kubernetes.io/not-ready");
    expect(noExecuteTaint(node("Unknown"))?.key).toBe("node.kubernetes.io/unreachable");
    expect(noExecuteTaint(node("True"))).toBeUndefined();
    expect(noScheduleTaints(node("Unknown")).map((t) => t.key)).toEqual(["node.kubernetes.io/unreachable"]);
    expect(noScheduleTaints(node("True", { spec: { unschedulable: true } })).map((t) => t.key)).toEqual(["node.kubernetes.io/unschedulable"]);
  });

  it("toleration seconds: the least used; untolerated → evict now; unbounded → never", () => {
    expect(tolerationSeconds([{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }], [unreachable])).toBe(300);
    expect(tolerationSeconds([], [unreachable])).toBeUndefined();
    expect(tolerationSeconds([{ operator: "Exists" }], [unreachable])).toBe(Infinity);
    expect(tolerationSeconds([{ operator: "Exists", tolerationSeconds: 60 }, { key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: 10 }], [unreachable])).toBe(10);
  });
});

describe("NoExecute eviction planning on a fake clock", () => {
  const pod = (tolerations: unknown[] = []) => ({ metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "n", tolerations } }) as never;
  const tol = (s: number) => [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: s }];

  it("evicts after tolerationSeconds, counted from when the taint was first seen", () => {
    const p = new TaintEvictionPlanner();
    expect(p.consider(pod(tol(300)), [unreachable], 0)).toBe("planned");
    expect(p.nextDue()).toBe(300_000);
    expect(p.consider(pod(tol(300)), [unreachable], 299_999)).toBe("planned");
    expect(p.consider(pod(tol(300)), [unreachable], 300_000)).toBe("evict");
  });

  it("evicts at once without a matching toleration; never with an unbounded one", () => {
    const p = new TaintEvictionPlanner();
    expect(p.consider(pod(), [unreachable], 0)).toBe("evict");
    expect(p.consider(pod([{ operator: "Exists" }]), [unreachable], 0)).toBe("kept");
  });

  it("a plan is cancelled when the taint goes, and never pushed later", () => {
    const p = new TaintEvictionPlanner();
    p.consider(pod(tol(10)), [unreachable], 0);
    expect(p.consider(pod(tol(100)), [unreachable], 5_000)).toBe("planned");
    expect(p.nextDue()).toBe(10_000);
    expect(p.consider(pod(tol(10)), [], 6_000)).toBe("cancelled");
    expect(p.nextDue()).toBe(Infinity);
  });
});

describe("zones", () => {
  const zoneNode = (ready: string, zone = "z") => ({ ...node(ready), metadata: { name: "x", labels: { "topology.kubernetes.io/zone": zone } } });

  it("zone states as upstream computes them", () => {
    expect(zoneState([node("True"), node("Unknown")], 0.55)).toBe("Normal");
    expect(zoneState([node("Unknown"), node("Unknown")], 0.55)).toBe("FullDisruption");
    expect(zoneState([node("True"), node("Unknown"), node("Unknown"), node("False")], 0.55)).toBe("PartialDisruption");
  });

  it("one node at once, then 0.1 per second; none in a fully disrupted cluster", () => {
    const z = new ZoneLimiters({ evictionRate: 0.1, secondaryRate: 0.01, largeClusterSize: 50, unhealthyThreshold: 0.55 });
    z.update([zoneNode("True"), zoneNode("Unknown")], 0);
    expect(z.tryTaint("z", 0)).toBe(true);
    expect(z.tryTaint("z", 5_000)).toBe(false);
    expect(z.tryTaint("z", 10_000)).toBe(true);
    z.update([zoneNode("Unknown"), zoneNode("Unknown")], 20_000);
    expect(z.allDisrupted).toBe(true);
    expect(z.tryTaint("z", 100_000)).toBe(false);
  });

  it("a small zone in partial disruption stops tainting", () => {
    const z = new ZoneLimiters({ evictionRate: 0.1, secondaryRate: 0.01, largeClusterSize: 50, unhealthyThreshold: 0.55 });
    z.update([zoneNode("True"), zoneNode("Unknown"), zoneNode("Unknown"), zoneNode("Unknown")], 0);
    expect(z.states.get("z")).toBe("PartialDisruption");
    expect(z.tryTaint("z", 0)).toBe(false);
  });
});
