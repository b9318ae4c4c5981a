/**
 * The job controller against a real API server: pods' phases are driven through the status
 * subresource, as the kubelet would; counting through the tracking finalizer, the interim and
 * final conditions, backoffLimit, activeDeadlineSeconds (with a controllable clock), suspend,
 * Indexed Jobs and ttlSecondsAfterFinished.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client, KubeObject } from "../../../../plugins/client.ts";
import { garbageCollectorController } from "../../../../server/controllers/garbage-collector/mod.ts";
import { jobController } from "../../../../server/controllers/job/module.ts";
import { ttlAfterFinishedController } from "../../../../server/controllers/job/ttl-after-finished.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";
import { createNamespace, finish, listPods, setRunning } from "./pods.ts";

const JOBS = { apiVersion: "batch/v1", resource: "jobs" };
const TRACKING = "batch.kubernetes.io/job-tracking";
let t: TestServer;
let client: Client;
let stop: AbortController;
let skewMs = 0;
const NS = "jobs";

type Cond = { type: string; status: string; reason?: string };
const conditions = (j: KubeObject | undefined) => ((j?.status as { conditions?: Cond[] } | undefined)?.conditions ?? []);
const hasCondition = (j: KubeObject | undefined, type: string) => conditions(j).some((c) => c.type === type && c.status === "True");

function job(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: NS },
    spec: { ...spec, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
  };
}

const getJob = (name: string) => client.resource(JOBS).get(name, NS);
const podsOf = (name: string) => listPods(client, NS, `batch.kubernetes.io/job-name=${name}`);
const live = (pods: KubeObject[]) => pods.filter((p) => !p.metadata.deletionTimestamp && !["Succeeded", "Failed"].includes((p.status as { phase?: string }).phase ?? ""));

beforeAll(async () => {
  t = await startTestServer();
  client = t.server.client;
  stop = await runControllers(t, [jobController({ now: () => Date.now() + skewMs }), ttlAfterFinishedController(), garbageCollectorController]);
  await createNamespace(client, NS);
}, 30_000);

afterAll(async () => {
  stop?.abort();
  await t?.stop();
});

describe("job controller", () => {
  it("completes with completions 3 and parallelism 2, never running more than 2", async () => {
    await client.resource(JOBS).create(job("three", { completions: 3, parallelism: 2 }));
    let finished = 0;
    let maxActive = 0;
    const done = new Set<string>();
    await eventually(async () => {
      const active = live(await podsOf("three"));
      maxActive = Math.max(maxActive, active.length);
      for (const p of active) {
        if (done.has(p.metadata.name!)) continue;
        expect(p.metadata.finalizers).toContain(TRACKING);
        done.add(p.metadata.name!);
        await finish(client, p, 0);
        finished++;
      }
      return hasCondition(await getJob("three"), "Complete");
    }, "the Job to complete", 20_000);
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(finished).toBe(3);
    const j = (await getJob("three"))!;
    const status = j.status as { succeeded?: number; active?: number; completionTime?: string; uncountedTerminatedPods?: { succeeded?: string[] } };
    expect(status.succeeded).toBe(3);
    expect(status.active).toBe(0);
    expect(status.completionTime).toBeTruthy();
    expect(status.uncountedTerminatedPods?.succeeded ?? []).toEqual([]);
    // SuccessCriteriaMet comes first, then Complete (1.31+).
    expect(conditions(j).map((c) => c.type)).toEqual(["SuccessCriteriaMet", "Complete"]);
    // Every pod was counted and let go.
    for (const p of await podsOf("three")) expect(p.metadata.finalizers ?? []).not.toContain(TRACKING);
    await eventually(async () => {
      const events = (await client.resource({ apiVersion: "v1", resource: "events" }).list({ namespace: NS })).items;
      const reasons = events.filter((e) => (e.involvedObject as { name?: string }).name === "three").map((e) => e.reason);
      return reasons.includes("Completed") && reasons.includes("SuccessfulCreate");
    }, "Completed and SuccessfulCreate events");
  }, 30_000);

  it("fails with BackoffLimitExceeded once failures pass backoffLimit", async () => {
    await client.resource(JOBS).create(job("flaky", { backoffLimit: 1 }));
    const failed = new Set<string>();
    await eventually(async () => {
      for (const p of live(await podsOf("flaky"))) {
        if (failed.has(p.metadata.name!)) continue;
        failed.add(p.metadata.name!);
        // Finished an hour ago: the replacement's back-off has already passed.
        await finish(client, p, 1);
      }
      return hasCondition(await getJob("flaky"), "Failed");
    }, "the Job to fail", 20_000);
    expect(failed.size).toBe(2);
    const j = (await getJob("flaky"))!;
    const failedCond = conditions(j).find((c) => c.type === "Failed")!;
    expect(failedCond.reason).toBe("BackoffLimitExceeded");
    expect(conditions(j).map((c) => c.type)).toEqual(["FailureTarget", "Failed"]);
    expect((j.status as { failed?: number }).failed).toBe(2);
  }, 30_000);

  it("fails with DeadlineExceeded after activeDeadlineSeconds, deleting its running pod", async () => {
    await client.resource(JOBS).create(job("slow", { activeDeadlineSeconds: 30 }));
    const [pod] = await eventually(async () => {
      const pods = live(await podsOf("slow"));
      return pods.length === 1 ? pods : undefined;
    }, "the pod");
    await setRunning(client, pod);
    // The controller's clock moves past the deadline; a touch makes it look again.
    skewMs = 60_000;
    try {
      await client.resource(JOBS).patch("slow", { metadata: { annotations: { touch: "1" } } }, { type: "merge", namespace: NS });
      await eventually(async () => hasCondition(await getJob("slow"), "Failed"), "the Job to fail");
    } finally {
      skewMs = 0;
    }
    const failedCond = conditions(await getJob("slow")).find((c) => c.type === "Failed")!;
    expect(failedCond.reason).toBe("DeadlineExceeded");
    await eventually(async () => (await podsOf("slow")).length === 0, "the pod to go");
  }, 30_000);

  it("creates no pods while suspended and starts them on resume", async () => {
    await client.resource(JOBS).create(job("later", { suspend: true, completions: 2, parallelism: 2 }));
    await eventually(async () => hasCondition(await getJob("later"), "Suspended"), "the Suspended condition");
    expect(await podsOf("later")).toHaveLength(0);
    await client.resource(JOBS).patch("later", { spec: { suspend: false } }, { type: "merge", namespace: NS });
    await eventually(async () => live(await podsOf("later")).length === 2, "two pods");
    const suspended = conditions(await getJob("later")).find((c) => c.type === "Suspended")!;
    expect(suspended.status).toBe("False");
    expect(suspended.reason).toBe("JobResumed");
  }, 30_000);

  it("runs Indexed Jobs with one pod per completion index", async () => {
    await client.resource(JOBS).create(job("idx", { completions: 3, parallelism: 3, completionMode: "Indexed" }));
    const pods = await eventually(async () => {
      const p = live(await podsOf("idx"));
      return p.length === 3 ? p : undefined;
    }, "three pods");
    const index = (p: KubeObject) => p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"];
    expect(pods.map(index).sort()).toEqual(["0", "1", "2"]);
    const one = pods.find((p) => index(p) === "1")!;
    expect(one.metadata.name).toMatch(/^idx-1-/);
    expect((one.spec as { hostname?: string }).hostname).toBe("idx-1");
    const env = (one.spec as { containers: { env?: { name: string }[] }[] }).containers[0].env ?? [];
    expect(env.map((e) => e.name)).toContain("JOB_COMPLETION_INDEX");
    await finish(client, one, 0);
    await eventually(async () => (((await getJob("idx"))?.status as { completedIndexes?: string }).completedIndexes === "1"), "completedIndexes 1");
    for (const p of pods.filter((p) => p !== one)) await finish(client, p, 0);
    await eventually(async () => hasCondition(await getJob("idx"), "Complete"), "the Job to complete");
    expect(((await getJob("idx"))!.status as { completedIndexes?: string }).completedIndexes).toBe("0-2");
  }, 30_000);

  it("deletes a finished Job after ttlSecondsAfterFinished", async () => {
    await client.resource(JOBS).create(job("brief", { ttlSecondsAfterFinished: 0 }));
    const [pod] = await eventually(async () => {
      const p = live(await podsOf("brief"));
      return p.length === 1 ? p : undefined;
    }, "the pod");
    await finish(client, pod, 0);
    await eventually(async () => (await getJob("brief")) === undefined, "the Job to be deleted", 20_000);
  }, 30_000);
});
