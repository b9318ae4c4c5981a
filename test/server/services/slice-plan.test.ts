/** The EndpointSlice planner: little churn, the slice limit, port groups, the placeholder. */
import { describe, expect, it } from "vitest";
import { type CurrentSlice, type Endpoint, planSlices } from "../../../server/controllers/endpointslice/plan.ts";

const labels = { "kubernetes.io/service-name": "s", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" };
const ports = [{ name: "http", port: 8080, protocol: "TCP" }];
const ep = (n: number, ready = true): Endpoint => ({ addresses: [`10.42.0.${n}`], conditions: { ready, serving: ready, terminating: false }, targetRef: { kind: "Pod", namespace: "d", name: `p${n}`, uid: `u${n}` } });
const slice = (name: string, endpoints: Endpoint[], p = ports): CurrentSlice => ({ name, addressType: "IPv4", ports: p, endpoints, labels });
const plan = (desired: Endpoint[], current: CurrentSlice[], max = 3, p = ports) => planSlices({ desired: [{ ports: p, endpoints: desired }], current, addressType: "IPv4", labels, maxPerSlice: max });

describe("planSlices", () => {
  it("creates slices of at most the limit", () => {
    const out = plan([1, 2, 3, 4, 5].map((n) => ep(n)), []);
    expect(out.create.map((c) => c.endpoints.length)).toEqual([3, 2]);
    expect(out.update).toEqual([]);
    expect(out.delete).toEqual([]);
  });

  it("writes nothing when nothing changed", () => {
    expect(plan([ep(1), ep(2)], [slice("a", [ep(1), ep(2)])])).toEqual({ create: [], update: [], delete: [] });
  });

  it("changes an endpoint in place and fills the slice being updated with new ones", () => {
    const out = plan([ep(1, false), ep(2), ep(7)], [slice("a", [ep(1), ep(2)]), slice("b", [ep(3)])]);
    expect(out.update).toEqual([{ name: "a", ports, endpoints: [ep(1, false), ep(2), ep(7)] }]);
    expect(out.delete).toEqual(["b"]);
    expect(out.create).toEqual([]);
  });

  it("puts new endpoints into the fullest untouched slice that holds them all", () => {
    const out = plan([ep(1), ep(2), ep(3), ep(4), ep(9)], [slice("a", [ep(1)]), slice("b", [ep(2), ep(3)]), slice("c", [ep(4)])]);
    expect(out.update).toEqual([{ name: "b", ports, endpoints: [ep(2), ep(3), ep(9)] }]);
    expect(out.create).toEqual([]);
  });

  it("deletes slices of port sets no longer wanted, reusing one for a new slice", () => {
    const other = [{ name: "http", port: 9090, protocol: "TCP" }];
    const out = plan([ep(1)], [slice("old", [ep(1)], other)]);
    expect(out.update).toEqual([{ name: "old", ports, endpoints: [ep(1)] }]);
    expect(out.delete).toEqual([]);
    expect(out.create).toEqual([]);
  });

  it("keeps one placeholder when there are no endpoints", () => {
    expect(plan([], [])).toEqual({ create: [{ ports: [], endpoints: [] }], update: [], delete: [] });
    const out = plan([], [slice("a", [ep(1)]), slice("ph", [], [])]);
    expect(out).toEqual({ create: [], update: [], delete: ["a"] });
  });

  it("the placeholder becomes the first real slice", () => {
    const out = plan([ep(1)], [slice("ph", [], [])]);
    expect(out).toEqual({ create: [], update: [{ name: "ph", ports, endpoints: [ep(1)] }], delete: [] });
  });
});
