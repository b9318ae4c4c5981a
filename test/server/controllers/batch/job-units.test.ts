import { describe, expect, it } from "vitest";
import { nextBackoffRecord, remainingBackoff } from "../../../../server/controllers/job/backoff.ts";
import { matchPodFailurePolicy } from "../../../../server/controllers/job/failure-policy.ts";
import { firstPendingIndexes, formatIndexes, parseIndexes } from "../../../../server/controllers/job/indexes.ts";
import { podFromTemplate } from "../../../../server/controllers/job/pod-control.ts";
import type { Job } from "../../../../server/controllers/job/types.ts";
import type { Pod } from "../../../../server/controllers/pod-status.ts";

function failedPod(finishedAt: number, exitCode = 1, name = "p"): Pod {
  return {
    metadata: { name, namespace: "ns" },
    status: { phase: exitCode === 0 ? "Succeeded" : "Failed", containerStatuses: [{ name: "c", state: { terminated: { exitCode, finishedAt: new Date(finishedAt).toISOString() } } }] },
  };
}

describe("completion indexes", () => {
  it("format runs of three or more as ranges, as upstream does", () => {
    expect(formatIndexes([1, 3, 4, 5, 7])).toBe("1,3-5,7");
    expect(formatIndexes([0, 1])).toBe("0,1");
    expect(formatIndexes([])).toBe("");
  });
  it("parse back, dropping indexes past completions", () => {
    expect([...parseIndexes("1,3-5,7", 5)].sort()).toEqual([1, 3, 4]);
  });
  it("pending indexes skip succeeded and running ones", () => {
    expect(firstPendingIndexes(new Set([0]), new Set([1]), 2, 5)).toEqual([2, 3]);
  });
});

describe("pod failure back-off", () => {
  const t0 = Date.parse("2024-01-01T00:00:00Z");
  it("waits 10 s after one failure and doubles with each further one", () => {
    let r = nextBackoffRecord(undefined, [], [failedPod(t0)], t0);
    expect(remainingBackoff(r, t0)).toBe(10_000);
    expect(remainingBackoff(r, t0 + 4_000)).toBe(6_000);
    r = nextBackoffRecord(r, [], [failedPod(t0 + 1000)], t0 + 1000);
    expect(remainingBackoff(r, t0 + 1000)).toBe(20_000);
  });
  it("a success resets the streak, and the wait is capped at 10 minutes", () => {
    let r = nextBackoffRecord(undefined, [], Array.from({ length: 12 }, (_, i) => failedPod(t0 + i, 1, `p${i}`)), t0);
    expect(remainingBackoff(r, t0 + 11)).toBe(600_000);
    r = nextBackoffRecord(r, [failedPod(t0 + 100, 0)], [], t0 + 100);
    expect(remainingBackoff(r, t0 + 100)).toBe(0);
  });
});

describe("pod failure policy", () => {
  const rules = [
    { action: "Ignore" as const, onPodConditions: [{ type: "DisruptionTarget" }] },
    { action: "FailJob" as const, onExitCodes: { containerName: "c", operator: "In" as const, values: [42] } },
  ];
  it("FailJob on a listed exit code, with upstream's message", () => {
    const outcome = matchPodFailurePolicy(rules, failedPod(0, 42));
    expect(outcome.failJobMessage).toBe("Container c for pod ns/p failed with exit code 42 matching FailJob rule at index 1");
  });
  it("Ignore does not count; no match counts", () => {
    const disrupted = failedPod(0, 137);
    disrupted.status!.conditions = [{ type: "DisruptionTarget", status: "True" }];
    expect(matchPodFailurePolicy(rules, disrupted).countFailed).toBe(false);
    expect(matchPodFailurePolicy(rules, failedPod(0, 1))).toEqual({ countFailed: true });
  });
});

describe("job pods", () => {
  const job: Job = {
    metadata: { name: "work", namespace: "ns", uid: "u1" },
    spec: { completionMode: "Indexed", completions: 3, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c" }] } } },
  };
  it("carry the finalizer, the controller reference and, when Indexed, their index", () => {
    const pod = podFromTemplate(job, 2);
    expect(pod.metadata.generateName).toBe("work-2-");
    expect(pod.metadata.finalizers).toEqual(["batch.kubernetes.io/job-tracking"]);
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "Job", name: "work", uid: "u1", controller: true, blockOwnerDeletion: true }]);
    expect(pod.metadata.annotations).toEqual({ "batch.kubernetes.io/job-completion-index": "2" });
    expect(pod.metadata.labels).toEqual({ a: "b", "batch.kubernetes.io/job-completion-index": "2" });
    expect(pod.spec!.hostname).toBe("work-2");
    expect(pod.spec!.containers![0].env).toEqual([{ name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
    expect(podFromTemplate({ ...job, spec: { ...job.spec, completionMode: "NonIndexed" } }, undefined).metadata.generateName).toBe("work-");
  });
});
