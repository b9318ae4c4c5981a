/**
 * Unit tests of the non-core kinds' strategies: defaults, validation messages and table cells,
 * against the values and texts kube-apiserver 1.32 gives.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../server/storage/object.ts";
import type { ResourceDefinition } from "../../../server/registry/types.ts";
import { daemonsets, deployments, statefulsets, controllerrevisions } from "../../../server/registry/builtin/apps.ts";
import { cronjobs, jobs } from "../../../server/registry/builtin/batch.ts";
import { scheduleProblem } from "../../../server/cron/schedule.ts";
import { endpointslices } from "../../../server/registry/builtin/discovery.ts";
import { ingresses, networkpolicies } from "../../../server/registry/builtin/networking.ts";
import { poddisruptionbudgets } from "../../../server/registry/builtin/policy.ts";
import { clusterrolebindings, clusterroles } from "../../../server/registry/builtin/rbac.ts";
import { priorityclasses } from "../../../server/registry/builtin/scheduling.ts";
import { storageclasses } from "../../../server/registry/builtin/storage.ts";
import { validatingwebhookconfigurations } from "../../../server/registry/builtin/admissionregistration.ts";

const NOW = new Date().toISOString();

function make(def: ResourceDefinition, body: Record<string, unknown>, name = "x"): KubeObject {
  const o = { apiVersion: def.group ? `${def.group}/${def.version}` : def.version, kind: def.kind, metadata: { name, namespace: def.namespaced ? "default" : undefined, uid: "u-1", creationTimestamp: NOW }, ...structuredClone(body) } as KubeObject;
  def.strategy.defaults?.(o);
  def.strategy.prepareForCreate?.(o);
  return o;
}
const messages = (def: ResourceDefinition, o: KubeObject) => (def.strategy.validate?.(o) ?? []).map((c) => `${c.field}: ${c.message}`);
const cells = (def: ResourceDefinition, o: KubeObject) => def.table!.cells(o);
const columns = (def: ResourceDefinition) => def.table!.columns.map((c) => `${c.name}${c.priority ? "*" : ""}`);

const template = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({ metadata: { labels }, spec: { containers: [{ name: "c", image: "nginx" }], ...extra } });

describe("apps/v1", () => {
  it("defaults StatefulSets and DaemonSets as upstream", () => {
    const sts = make(statefulsets, { spec: { selector: { matchLabels: { a: "b" } }, serviceName: "s", template: template({ a: "b" }) } });
    expect(sts.spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: "OrderedReady",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      revisionHistoryLimit: 10,
    });
    expect(sts.status).toEqual({ replicas: 0, availableReplicas: 0 });
    expect(messages(statefulsets, sts)).toEqual([]);
    const ds = make(daemonsets, { spec: { selector: { matchLabels: { a: "b" } }, template: template({ a: "b" }, { nodeSelector: { disk: "ssd" } }) } });
    expect(ds.spec).toMatchObject({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 });
    expect(columns(daemonsets)).toEqual(["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers*", "Images*", "Selector*"]);
    expect(cells(daemonsets, ds).slice(0, 7)).toEqual(["x", 0, 0, 0, 0, 0, "disk=ssd"]);
  });

  it("validates deployments with upstream's messages", () => {
    const d = make(deployments, { spec: { replicas: -1, selector: {}, strategy: { type: "Recreate", rollingUpdate: {} }, template: template({ a: "b" }, { restartPolicy: "Never" }) } });
    expect(messages(deployments, d)).toEqual([
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
      "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment",
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    const zero = make(deployments, { spec: { selector: { matchLabels: { a: "b" } }, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } }, template: template({ a: "b" }) } });
    expect(messages(deployments, zero)).toEqual(['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']);
    const missing = make(deployments, { spec: { template: template({ a: "b" }) } });
    expect(messages(deployments, missing)).toEqual(["spec.selector: Required value", 'spec.template.metadata.labels: Invalid value: map[string]string{"a":"b"}: `selector` does not match template `labels`']);
  });

  it("forbids StatefulSet spec changes outside the mutable fields", () => {
    const old = make(statefulsets, { spec: { selector: { matchLabels: { a: "b" } }, serviceName: "s", template: template({ a: "b" }) } });
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).serviceName = "t";
    expect(statefulsets.strategy.validateUpdate!(next, old).map((c) => c.message)).toEqual([
      "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });

  it("prints the controller of a ControllerRevision", () => {
    const cr = make(controllerrevisions, { revision: 3, data: {} });
    cr.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "u", controller: true }];
    expect(cells(controllerrevisions, cr).slice(0, 3)).toEqual(["x", "statefulset.apps/web", 3]);
  });
});

describe("batch/v1", () => {
  it("defaults completions and parallelism by upstream's rules", () => {
    const both = make(jobs, { spec: { template: template({}, { restartPolicy: "Never" }) } });
    expect(both.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6 });
    const parallel = make(jobs, { spec: { parallelism: 3, template: template({}, { restartPolicy: "Never" }) } });
    expect((parallel.spec as Record<string, unknown>).completions).toBeUndefined();
    expect(cells(jobs, parallel).slice(0, 4)).toEqual(["x", "Running", "0/1 of 3", ""]);
    const perIndex = make(jobs, { spec: { completionMode: "Indexed", completions: 2, backoffLimitPerIndex: 1, template: template({}, { restartPolicy: "Never" }) } });
    expect((perIndex.spec as Record<string, unknown>).backoffLimit).toBe(2147483647);
    expect(messages(jobs, perIndex)).toEqual([]);
  });

  it("keeps user labels and reports generated-label conflicts", () => {
    const job = make(jobs, { metadata: { name: "x", namespace: "default", uid: "u-1", labels: { team: "a" } }, spec: { template: template({ "job-name": "other" }, { restartPolicy: "OnFailure" }) } });
    expect(job.metadata.labels).toEqual({ team: "a" });
    expect(messages(jobs, job)).toContain(`spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"u-1", "batch.kubernetes.io/job-name":"x", "controller-uid":"u-1", "job-name":"other"}: must be 'x'`);
  });

  it("shows Job status and duration", () => {
    const job = make(jobs, { spec: { template: template({}, { restartPolicy: "Never" }) } });
    job.status = { succeeded: 1, startTime: "2024-01-01T00:00:00Z", completionTime: "2024-01-01T00:00:42Z", conditions: [{ type: "Complete", status: "True" }] };
    expect(cells(jobs, job).slice(1, 4)).toEqual(["Complete", "1/1", "42s"]);
  });

  it("defaults CronJobs and checks schedules, zones and names", () => {
    const cj = make(cronjobs, { spec: { schedule: "@hourly", timeZone: "Europe/Berlin", jobTemplate: { spec: { template: template({}, { restartPolicy: "OnFailure" }) } } } });
    expect(cj.spec).toMatchObject({ concurrencyPolicy: "Allow", suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(messages(cronjobs, cj)).toEqual([]);
    expect(cells(cronjobs, cj).slice(0, 6)).toEqual(["x", "@hourly", "Europe/Berlin", "False", 0, "<none>"]);
    const bad = make(cronjobs, { spec: { schedule: "TZ=UTC 0 * * * *", timeZone: "Mars/Olympus", concurrencyPolicy: "Sometimes", jobTemplate: { spec: { template: template({}) } } } }, "a".repeat(53));
    expect(messages(cronjobs, bad)).toEqual([
      `metadata.name: Invalid value: "${"a".repeat(53)}": must be no more than 52 characters`,
      'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
  });

  it("parses schedules as robfig/cron does", () => {
    expect(scheduleProblem("*/15 0-6,22 * jan-mar MON-FRI")).toBeUndefined();
    expect(scheduleProblem("@every 1h30m")).toBeUndefined();
    expect(scheduleProblem("bad")).toBe("expected exactly 5 fields, found 1: [bad]");
    expect(scheduleProblem("@often")).toBe("unrecognized descriptor: @often");
    expect(scheduleProblem("* 24 * * *")).toBe("end of range (24) above maximum (23): 24");
    expect(scheduleProblem("5-1 * * * *")).toBe("beginning of range (5) beyond end of range (1): 5-1");
    expect(scheduleProblem("x * * * *")).toBe('failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
    expect(scheduleProblem("*/0 * * * *")).toBe("step of range should be a positive number: */0");
    expect(scheduleProblem("* * 0 * *")).toBe("beginning of range (0) below minimum (1): 0");
  });
});

describe("other groups", () => {
  it("RBAC: rules and subjects", () => {
    const role = make(clusterroles, { rules: [{ verbs: [], nonResourceURLs: ["/healthz"], resources: ["pods"] }, { verbs: ["get"] }] });
    expect(messages(clusterroles, role)).toEqual([
      "rules[0].verbs: Required value: verbs must contain at least one value",
      'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs',
      "rules[1].apiGroups: Required value: resource rules must supply at least one api group",
      "rules[1].resources: Required value: resource rules must supply at least one resource",
    ]);
    const crb = make(clusterrolebindings, { roleRef: { kind: "Role", name: "r" }, subjects: [{ kind: "ServiceAccount", name: "default" }, { kind: "User", name: "bob" }] });
    expect((crb.subjects as Record<string, unknown>[])[1].apiGroup).toBe("rbac.authorization.k8s.io");
    expect(messages(clusterrolebindings, crb)).toEqual(['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"', "subjects[0].namespace: Required value"]);
  });

  it("StorageClass: defaults and the (default) name", () => {
    const sc = make(storageclasses, { metadata: { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer" });
    expect(sc.reclaimPolicy).toBe("Delete");
    expect(cells(storageclasses, sc).slice(0, 5)).toEqual(["local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false]);
    const changed = structuredClone(sc);
    changed.provisioner = "other";
    expect(storageclasses.strategy.validateUpdate!(changed, sc).map((c) => `${c.field}: ${c.message}`)).toEqual(["provisioner: Forbidden: updates to provisioner are forbidden."]);
  });

  it("Ingress, NetworkPolicy, EndpointSlice, PDB, PriorityClass, webhooks", () => {
    const ing = make(ingresses, { spec: { ingressClassName: "traefik", tls: [{ hosts: ["a.example.com"] }], rules: [{ host: "a.example.com", http: { paths: [{ path: "api", pathType: "Prefix", backend: { service: { name: "s", port: { number: 80 } } } }] } }] } });
    expect(messages(ingresses, ing)).toEqual(['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']);
    expect(cells(ingresses, ing).slice(0, 5)).toEqual(["x", "traefik", "a.example.com", "", "80, 443"]);
    const np = make(networkpolicies, { spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } });
    expect((np.spec as Record<string, unknown>).policyTypes).toEqual(["Ingress", "Egress"]);
    expect(cells(networkpolicies, np)[1]).toBe("<none>");
    const eps = make(endpointslices, { addressType: "IPv4", ports: [{ port: 80 }, { name: "x" }], endpoints: [{ addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.2"] }, { addresses: ["10.0.0.3"] }, { addresses: ["10.0.0.4"] }] });
    expect(cells(endpointslices, eps).slice(1, 4)).toEqual(["IPv4", "80,x", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more..."]);
    const pdb = make(poddisruptionbudgets, { spec: { minAvailable: 1, maxUnavailable: "50%" } });
    expect(messages(poddisruptionbudgets, pdb)).toContain("spec: Invalid value: {\"minAvailable\":1,\"maxUnavailable\":\"50%\"}: minAvailable and maxUnavailable cannot be both set");
    expect(cells(poddisruptionbudgets, pdb).slice(1, 4)).toEqual(["1", "50%", 0]);
    const pc = make(priorityclasses, { value: 2_000_000_001 }, "high");
    expect(messages(priorityclasses, pc)).toEqual(["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"]);
    expect(columns(priorityclasses)).toEqual(["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"]);
    const hooks = make(validatingwebhookconfigurations, { webhooks: [{ name: "a.b.c", clientConfig: { service: { namespace: "n", name: "s" } }, admissionReviewVersions: ["v1"], sideEffects: "None", rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }] }] });
    expect((hooks.webhooks as Record<string, unknown>[])[0]).toMatchObject({ failurePolicy: "Fail", matchPolicy: "Equivalent", timeoutSeconds: 10, clientConfig: { service: { port: 443 } }, rules: [{ scope: "*" }] });
    expect(messages(validatingwebhookconfigurations, hooks)).toEqual([]);
  });
});
