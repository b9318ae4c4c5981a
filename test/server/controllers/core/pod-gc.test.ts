import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventTtlController, lastWritten } from "../../../../server/controllers/event-ttl.ts";
import { createPodGcController } from "../../../../server/controllers/pod-gc.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";

let t: TestServer;
let stop: AbortController;
const NS = "podgc";

beforeAll(async () => {
  t = await startTestServer();
  await t.server.client.resource({ apiVersion: "v1", resource: "namespaces" }).create({ metadata: { name: NS } });
});

afterAll(async () => {
  stop?.abort();
  await t?.stop();
});

const pods = () => t.server.client.resource({ apiVersion: "v1", resource: "pods" });
const pod = (name: string, nodeName?: string) => ({ metadata: { name, namespace: NS }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "busybox" }] } });

describe("pod GC and event TTL", () => {
  it("force-deletes pods of a node that is gone (terminating ones too), and terminated pods beyond the threshold, oldest first", async () => {
    const nodes = t.server.client.resource({ apiVersion: "v1", resource: "nodes" });
    await nodes.create({ metadata: { name: "here" } });
    await pods().create(pod("on-gone", "gone-node"));
    await pods().create(pod("terminating-on-gone", "gone-node"));
    await pods().delete("terminating-on-gone", NS, { gracePeriodSeconds: 600 });
    expect((await pods().get("terminating-on-gone", NS))?.metadata.deletionTimestamp).toBeDefined();
    await pods().create(pod("on-here", "here"));
    for (const name of ["done-1", "done-2", "done-3"]) {
      await pods().create(pod(name, "here"));
      const p = (await pods().get(name, NS))!;
      await pods().updateStatus({ ...p, status: { phase: "Succeeded" } });
    }
    stop = await runControllers(t, [
      createPodGcController({ periodMs: 100, quarantineMs: 300, terminatedThreshold: 2 }),
      createEventTtlController({ ttlMs: 60_000, periodMs: 100 }),
    ]);
    await eventually(async () => (await pods().get("on-gone", NS)) === undefined, "the pod of the missing node deleted");
    await eventually(async () => (await pods().get("terminating-on-gone", NS)) === undefined, "the terminating pod of the missing node deleted");
    await eventually(async () => (await pods().get("done-1", NS)) === undefined, "the oldest terminated pod deleted");
    expect(await pods().get("done-2", NS)).toBeDefined();
    expect(await pods().get("done-3", NS)).toBeDefined();
    expect(await pods().get("on-here", NS)).toBeDefined();
  });

  it("deletes Events older than the TTL, keeps fresh ones", async () => {
    const events = t.server.client.resource({ apiVersion: "v1", resource: "events" });
    const old = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
    const fresh = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const ev = (name: string, at: string) => ({ metadata: { name, namespace: NS }, involvedObject: { kind: "Pod", name: "x", namespace: NS }, reason: "Test", message: "m", type: "Normal", firstTimestamp: at, lastTimestamp: at, count: 1 });
    await events.create(ev("old", old));
    await events.create(ev("fresh", fresh));
    await eventually(async () => (await events.get("old", NS)) === undefined, "the old event deleted");
    expect(await events.get("fresh", NS)).toBeDefined();
    expect(lastWritten({ metadata: {}, firstTimestamp: old, lastTimestamp: fresh })).toBe(Date.parse(fresh));
  });
});
