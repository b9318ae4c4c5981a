/**
 * The cronjob controller against a real API server, on a controllable clock (so that no test
 * waits for a minute to pass): a due schedule starts a Job named by its scheduled minute,
 * finished Jobs leave status.active, Forbid holds back, history limits trim; and a Job made from
 * the CronJob by `kubectl create job --from=cronjob/...` runs to completion under the job
 * controller.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client, KubeObject } from "../../../../plugins/client.ts";
import { cronJobController } from "../../../../server/controllers/cronjob/module.ts";
import { jobController } from "../../../../server/controllers/job/module.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";
import { createNamespace, finish, listPods } from "./pods.ts";

const JOBS = { apiVersion: "batch/v1", resource: "jobs" };
const CRONJOBS = { apiVersion: "batch/v1", resource: "cronjobs" };
const NS = "cron";
let t: TestServer;
let client: Client;
let stop: AbortController;
/** The cronjob controller's clock runs this far ahead of the real one. */
let skewMs = 0;

function cronJob(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: NS },
    spec: {
      schedule: "* * * * *",
      ...spec,
      jobTemplate: { metadata: { labels: { from: name } }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } } },
    },
  };
}

const jobsOf = async (name: string) => (await client.resource(JOBS).list({ namespace: NS, labelSelector: `from=${name}` })).items;
const getCronJob = (name: string) => client.resource(CRONJOBS).get(name, NS);
type CronStatus = { active?: { name: string }[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
const statusOf = (cj: KubeObject | undefined) => (cj?.status ?? {}) as CronStatus;
const touch = (name: string, value: string) => client.resource(CRONJOBS).patch(name, { metadata: { annotations: { touch: value } } }, { type: "merge", namespace: NS });

async function completeJob(job: KubeObject): Promise<void> {
  const fresh = (await client.resource(JOBS).get(job.metadata.name!, NS))!;
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  fresh.status = {
    ...(fresh.status as object),
    startTime: (fresh.status as { startTime?: string }).startTime ?? now,
    completionTime: now,
    succeeded: 1,
    conditions: [
      { type: "SuccessCriteriaMet", status: "True", lastTransitionTime: now, lastProbeTime: now },
      { type: "Complete", status: "True", lastTransitionTime: now, lastProbeTime: now },
    ],
  };
  await client.resource(JOBS).updateStatus(fresh);
}

beforeAll(async () => {
  t = await startTestServer();
  client = t.server.client;
  stop = await runControllers(t, [cronJobController({ now: () => Date.now() + skewMs })]);
  await createNamespace(client, NS);
}, 30_000);

afterAll(async () => {
  stop?.abort();
  await t?.stop();
});

describe("cronjob controller", () => {
  it("starts the Job of the most recent due time and records it", async () => {
    skewMs = 3 * 60_000;
    await client.resource(CRONJOBS).create(cronJob("tick"));
    const [job] = await eventually(async () => {
      const jobs = await jobsOf("tick");
      return jobs.length > 0 ? jobs : undefined;
    }, "a Job");
    // The last whole minute of the controller's clock (three minutes were missed: one Job).
    const expectedMinute = Math.floor((Date.now() + skewMs) / 60_000);
    const minute = Number(job.metadata.name!.slice("tick-".length));
    expect(Math.abs(minute - expectedMinute)).toBeLessThanOrEqual(1);
    expect(job.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"]).toBe(new Date(minute * 60_000).toISOString().replace(".000Z", "Z"));
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", name: "tick", controller: true });
    const cj = await eventually(async () => {
      const c = await getCronJob("tick");
      return statusOf(c).active?.length === 1 ? c : undefined;
    }, "status.active");
    expect(statusOf(cj).lastScheduleTime).toBe(new Date(minute * 60_000).toISOString().replace(".000Z", "Z"));
    expect((await jobsOf("tick")).length).toBe(1);

    // Finished: out of active, lastSuccessfulTime set.
    await completeJob(job);
    await eventually(async () => {
      const s = statusOf(await getCronJob("tick"));
      return (s.active ?? []).length === 0 && !!s.lastSuccessfulTime;
    }, "the finished Job to leave status.active");
  }, 30_000);

  it("Forbid holds back while a Job runs; history limits trim finished Jobs", async () => {
    skewMs = 10 * 60_000;
    await client.resource(CRONJOBS).create(cronJob("solo", { concurrencyPolicy: "Forbid", successfulJobsHistoryLimit: 1 }));
    const [first] = await eventually(async () => {
      const jobs = await jobsOf("solo");
      return jobs.length === 1 ? jobs : undefined;
    }, "the first Job");
    await eventually(async () => statusOf(await getCronJob("solo")).active?.length === 1, "status.active");
    // A minute later the next run is due, but the first still runs.
    skewMs += 60_000;
    await touch("solo", "1");
    await eventually(async () => {
      const events = (await client.resource({ apiVersion: "v1", resource: "events" }).list({ namespace: NS })).items;
      return events.some((e) => e.reason === "JobAlreadyActive" && (e.involvedObject as { name?: string }).name === "solo");
    }, "a JobAlreadyActive event");
    expect((await jobsOf("solo")).length).toBe(1);

    // The first finishes: the next run starts; with a history of 1, two finished Jobs become one.
    await completeJob(first);
    await touch("solo", "2");
    const [second] = await eventually(async () => {
      const jobs = (await jobsOf("solo")).filter((j) => j.metadata.name !== first.metadata.name);
      return jobs.length === 1 ? jobs : undefined;
    }, "the second Job");
    await completeJob(second);
    await touch("solo", "3");
    await eventually(async () => {
      const live = (await jobsOf("solo")).filter((j) => !j.metadata.deletionTimestamp);
      return live.length === 1 && live[0].metadata.name === second.metadata.name;
    }, "the older Job to be trimmed");
  }, 30_000);

  it("does nothing while suspended, and resumes", async () => {
    skewMs = 5 * 60_000;
    await client.resource(CRONJOBS).create(cronJob("paused", { suspend: true }));
    await touch("paused", "1");
    // No signal marks "looked and did nothing": give the controller a moment, then resume.
    await new Promise((r) => setTimeout(r, 200));
    expect(await jobsOf("paused")).toHaveLength(0);
    await client.resource(CRONJOBS).patch("paused", { spec: { suspend: false } }, { type: "merge", namespace: NS });
    await eventually(async () => (await jobsOf("paused")).length === 1, "a Job once resumed");
  });
});

describe("a Job made from a CronJob", () => {
  let jobStop: AbortController;
  beforeAll(async () => {
    jobStop = await runControllers(t, [jobController()]);
  });
  afterAll(() => jobStop?.abort());

  it("kubectl create job --from=cronjob/... runs to completion", async () => {
    await client.resource(CRONJOBS).create(cronJob("manual-src", { suspend: true }));
    const created = await t.kubectl("create", "job", "manual", "-n", NS, "--from=cronjob/manual-src");
    expect(created.stderr).toBe("");
    const [pod] = await eventually(async () => {
      const p = await listPods(client, NS, "batch.kubernetes.io/job-name=manual");
      return p.length === 1 ? p : undefined;
    }, "the pod");
    await finish(client, pod, 0);
    const waited = await t.kubectl("wait", "--for=condition=complete", "job/manual", "-n", NS, "--timeout=20s");
    expect(waited.stdout).toContain("condition met");
    expect(((await client.resource(JOBS).get("manual", NS))!.status as { succeeded?: number }).succeeded).toBe(1);
  }, 40_000);
});
