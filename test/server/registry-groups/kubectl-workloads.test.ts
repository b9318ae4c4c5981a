/**
 * Workloads and RBAC as kubectl 1.32 sees them against k3ts: apply a Deployment and read its
 * table and defaults, generation across patches, scale; create a Job and read its generated
 * selector; a RoleBinding's roleRef cannot change.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

const ok = (...args: string[]): Promise<string> => t.kubectlOk(...args);

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        env: [{name: A, value: "1"}]
      - name: sidecar
        image: busybox
`;

describe("apps/v1 Deployment with kubectl", () => {
  it("applies, prints the deploy table and the defaults", async () => {
    const file = join(t.dir, "deploy.yaml");
    await writeFile(file, DEPLOYMENT);
    expect(await ok("apply", "-f", file)).toBe("deployment.apps/web created");
    expect(await ok("get", "deploy")).toMatch(/^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\nweb +0\/1 +0 +0 +\d+s$/);
    expect(await ok("get", "deploy", "-o", "wide")).toMatch(/^NAME +READY +UP-TO-DATE +AVAILABLE +AGE +CONTAINERS +IMAGES +SELECTOR\nweb +0\/1 +0 +0 +\d+s +nginx,sidecar +nginx:1.27,busybox +app=web$/);
    const d = JSON.parse(await ok("get", "deploy", "web", "-o", "json"));
    expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
    expect(d.spec).toMatchObject({ replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
    expect(d.spec.template.spec).toMatchObject({ restartPolicy: "Always", dnsPolicy: "ClusterFirst", schedulerName: "default-scheduler", terminationGracePeriodSeconds: 30, securityContext: {} });
    expect(d.spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File" });
    expect(d.spec.template.spec.containers[1].imagePullPolicy).toBe("Always");
    expect(d.metadata.generation).toBe(1);
    expect(await ok("get", "deploy", "web", "-o", "jsonpath={.spec.strategy.type}")).toBe("RollingUpdate");
  });

  it("moves generation on spec changes only; strategic merge keeps containers and merges env", async () => {
    await ok("patch", "deploy", "web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"B","value":"2"}]}]}}}}');
    const d = JSON.parse(await ok("get", "deploy", "web", "-o", "json"));
    expect(d.metadata.generation).toBe(2);
    expect(d.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(["nginx", "sidecar"]);
    expect(d.spec.template.spec.containers[0].env).toEqual([{ name: "B", value: "2" }, { name: "A", value: "1" }]);
    await ok("label", "deploy", "web", "tier=frontend");
    expect(await ok("get", "deploy", "web", "-o", "jsonpath={.metadata.generation} {.metadata.labels.tier}")).toBe("2 frontend");
  });

  it("scales through the scale subresource", async () => {
    expect(await ok("scale", "deploy", "web", "--replicas=3")).toBe("deployment.apps/web scaled");
    expect(await ok("get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.metadata.generation}")).toBe("3 3");
    const scale = JSON.parse((await t.request("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale")).body.toString());
    expect(scale).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 3 }, status: { replicas: 0, selector: "app=web" } });
  });

  it("refuses a selector that does not match, and a changed selector", async () => {
    const file = join(t.dir, "bad-deploy.yaml");
    await writeFile(file, DEPLOYMENT.replace("name: web, namespace", "name: bad, namespace").replace("selector: {matchLabels: {app: web}}", "selector: {matchLabels: {app: other}}"));
    const bad = await t.kubectl("create", "-f", file);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('The Deployment "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`');
    const changed = await t.kubectl("patch", "deploy", "web", "--type", "merge", "-p", '{"spec":{"selector":{"matchLabels":{"app":"web","x":"y"}},"template":{"metadata":{"labels":{"x":"y"}}}}}');
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toContain('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "x":"y"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
  });

  it("lists workloads under `all` with their short names", async () => {
    expect(await ok("api-resources", "--api-group=apps", "--no-headers")).toMatch(/^deployments +deploy +apps\/v1 +true +Deployment/m);
    expect(await ok("get", "all", "-o", "name")).toContain("deployment.apps/web");
  });
});

describe("batch/v1 Job with kubectl", () => {
  it("creates a Job with a generated selector and labels", async () => {
    expect(await ok("create", "job", "pi", "--image=perl:5.34")).toBe("job.batch/pi created");
    const job = JSON.parse(await ok("get", "job", "pi", "-o", "json"));
    const uid = job.metadata.uid;
    expect(job.spec.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
    expect(job.spec.template.metadata.labels).toEqual({ "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi", "controller-uid": uid, "job-name": "pi" });
    expect(job.metadata.labels).toEqual(job.spec.template.metadata.labels);
    expect(job.spec).toMatchObject({ backoffLimit: 6, completions: 1, parallelism: 1, completionMode: "NonIndexed", suspend: false, podReplacementPolicy: "TerminatingOrFailed" });
    expect(job.spec.manualSelector).toBeUndefined();
    expect(await ok("get", "jobs")).toMatch(/^NAME +STATUS +COMPLETIONS +DURATION +AGE\npi +Running +0\/1 +\d+s$/);
  });

  it("requires restartPolicy OnFailure or Never", async () => {
    const file = join(t.dir, "job.yaml");
    await writeFile(file, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: always, namespace: default}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: busybox}]\n");
    const bad = await t.kubectl("create", "-f", file);
    expect(bad.stderr).toContain('The Job "always" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"');
  });

  it("checks CronJob schedules", async () => {
    expect(await ok("create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *")).toBe("cronjob.batch/tick created");
    expect(await ok("get", "cj")).toMatch(/^NAME +SCHEDULE +TIMEZONE +SUSPEND +ACTIVE +LAST SCHEDULE +AGE\ntick +\*\/5 \* \* \* \* +<none> +False +0 +<none> +\d+s$/);
    const bad = await t.kubectl("create", "cronjob", "bad", "--image=busybox", "--schedule=61 * * * *");
    expect(bad.stderr).toContain("spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61");
  });
});

describe("rbac.authorization.k8s.io/v1 with kubectl", () => {
  it("prints roles and bindings and keeps roleRef fixed", async () => {
    await ok("create", "role", "reader", "--verb=get,list", "--resource=pods");
    await ok("create", "rolebinding", "read", "--role=reader", "--user=alice");
    expect(await ok("get", "role")).toMatch(/^NAME +CREATED AT\nreader +\d{4}-\d\d-\d\dT/);
    expect(await ok("get", "rolebinding", "-o", "wide")).toMatch(/^NAME +ROLE +AGE +USERS +GROUPS +SERVICEACCOUNTS\nread +Role\/reader +\d+s +alice/);
    const changed = await t.kubectl("patch", "rolebinding", "read", "--type", "merge", "-p", '{"roleRef":{"name":"other"}}');
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toContain('The RoleBinding "read" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef');
  });
});
