/** The cache's assumed pods and the status patch the scheduler writes. */
import { describe, expect, it } from "vitest";
import { podRequests } from "../../../server/scheduler/resources.ts";
import { unschedulablePatch } from "../../../server/scheduler/status.ts";
import { cacheWith, makeNode, makePod } from "./fixtures.ts";

describe("SchedulerCache", () => {
  it("counts an assumed pod at once, keeps it when the informer confirms it, and gives it back when forgotten", () => {
    const cache = cacheWith([makeNode("a", { cpu: "2" })]);
    const pod = makePod("p", { cpu: "500m", hostPort: 8080 });
    const assumed = cache.assume(pod, "a");
    const node = cache.node("a")!;
    expect(node.requested.milliCPU).toBe(500);
    expect(node.portConflicts({ ip: "0.0.0.0", protocol: "TCP", port: 8080 })).toBe(true);
    expect(cache.isAssumed(pod.metadata.uid!)).toBe(true);
    // The bound pod arrives from the informer: confirmed, counted once.
    cache.setPod({ ...pod, spec: { ...pod.spec, nodeName: "a" } });
    expect(cache.isAssumed(pod.metadata.uid!)).toBe(false);
    expect(node.requested.milliCPU).toBe(500);
    // A late forget after confirmation changes nothing.
    cache.forget(assumed);
    expect(node.pods.size).toBe(1);

    const other = makePod("q", { cpu: "1" });
    const q = cache.assume(other, "a");
    expect(node.requested.milliCPU).toBe(1500);
    cache.forget(q);
    expect(node.requested.milliCPU).toBe(500);
    expect(cache.nodeOf(other.metadata.uid!)).toBeUndefined();
  });

  it("keeps pods of a node it has not seen yet and counts them once the node arrives", () => {
    const cache = cacheWith([]);
    cache.setPod(makePod("early", { node: "late", cpu: "1" }));
    expect(cache.nodes()).toHaveLength(0);
    cache.setNode(makeNode("late"));
    expect(cache.node("late")!.requested.milliCPU).toBe(1000);
  });

  it("reads requests as upstream: sum of containers, max of init containers, overhead; non-zero defaults for scores", () => {
    const pod = makePod("p", { cpu: "250m", memory: "64Mi", initContainers: [{ name: "i", resources: { requests: { cpu: "1", memory: "1Mi" } } }], overhead: { cpu: "10m" } });
    expect(podRequests(pod).requested).toMatchObject({ milliCPU: 1010, memory: 64 * 1024 * 1024 });
    expect(podRequests(makePod("empty")).nonZero).toEqual({ milliCPU: 100, memory: 200 * 1024 * 1024 });
  });
});

describe("unschedulablePatch", () => {
  it("writes PodScheduled=False once, and again only when the message or nomination changes", () => {
    const pod = makePod("p");
    const patch = unschedulablePatch(pod, "Unschedulable", "0/1 nodes are available: 1 Too many pods.");
    expect(patch?.status.conditions).toEqual([
      expect.objectContaining({ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available: 1 Too many pods.", lastProbeTime: null }),
    ]);
    const written = { ...pod, status: { ...pod.status, ...(patch!.status as object) } };
    expect(unschedulablePatch(written, "Unschedulable", "0/1 nodes are available: 1 Too many pods.")).toBeUndefined();
    expect(unschedulablePatch(written, "Unschedulable", "0/1 nodes are available: 1 Insufficient cpu.")).toBeDefined();
    expect(unschedulablePatch(written, "Unschedulable", "0/1 nodes are available: 1 Too many pods.", "n1")?.status.nominatedNodeName).toBe("n1");
  });
});
