/**
 * The API server as kubectl 1.32 sees it: discovery, CRUD, apply, patches, selectors, tables,
 * errors and watch — real kubectl against a real server on SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

const ok = (...args: string[]): Promise<string> => t.kubectlOk(...args);

describe("kubectl against k3ts", () => {
  it("serves version and discovery", async () => {
    expect(JSON.parse(await ok("version", "-o", "json")).serverVersion.gitVersion).toBe("v1.32.0+k3ts");
    expect(await ok("api-resources", "--no-headers")).toMatch(/^configmaps +cm +v1 +true +ConfigMap/m);
    expect(await ok("get", "ns", "-o", "name")).toContain("namespace/kube-system");
  });

  it("applies, re-applies unchanged, and reconfigures", async () => {
    const file = join(t.dir, "cm.yaml");
    await writeFile(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default, labels: {app: web}}\ndata: {color: blue}\n");
    expect(await ok("apply", "-f", file)).toBe("configmap/app created");
    expect(await ok("apply", "-f", file)).toBe("configmap/app unchanged");
    await writeFile(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default, labels: {app: web}}\ndata: {color: green}\n");
    expect(await ok("apply", "-f", file)).toBe("configmap/app configured");
    expect(await ok("get", "cm", "app", "-o", "jsonpath={.data.color}")).toBe("green");
    expect(await ok("get", "cm", "app", "-o", "jsonpath={.metadata.uid} {.metadata.resourceVersion}")).toMatch(/^[0-9a-f-]{36} \d+$/);
  });

  it("prints the kind's table columns", async () => {
    expect(await ok("get", "cm", "-n", "default")).toMatch(/^NAME +DATA +AGE\napp +1 +\d+s/);
  });

  it("selects by label and field", async () => {
    const other = join(t.dir, "other.yaml");
    await writeFile(other, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: default, labels: {app: db}}\n");
    await ok("apply", "-f", other);
    expect(await ok("get", "cm", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")).toBe("app");
    expect(await ok("get", "cm", "-l", "app in (web,db)", "-o", "jsonpath={.items[*].metadata.name}")).toBe("app other");
    expect(await ok("get", "cm", "--field-selector", "metadata.name=other", "-o", "jsonpath={.items[*].metadata.name}")).toBe("other");
    const bad = await t.kubectl("get", "cm", "--field-selector", "data.x=1");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("field label not supported: data.x");
  });

  it("patches with every patch type", async () => {
    await ok("patch", "cm", "app", "--type", "merge", "-p", '{"data":{"size":"4"}}');
    await ok("patch", "cm", "app", "--type", "json", "-p", '[{"op":"add","path":"/data/extra","value":"x"}]');
    await ok("patch", "cm", "app", "-p", '{"data":{"smp":"y"}}');
    expect(await ok("get", "cm", "app", "-o", "jsonpath={.data.size}{.data.extra}{.data.smp}")).toBe("4xy");
    const failing = await t.kubectl("patch", "cm", "app", "--type", "json", "-p", '[{"op":"test","path":"/data/extra","value":"nope"}]');
    expect(failing.code).not.toBe(0);
  });

  it("records server-side apply managers", async () => {
    const file = join(t.dir, "ssa.yaml");
    await writeFile(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\ndata: {color: red}\n");
    await ok("apply", "--server-side", "--field-manager=acc", "--force-conflicts", "-f", file);
    expect(await ok("get", "cm", "app", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}")).toMatch(/(^| )acc( |$)/);
  });

  it("refuses bad input with the upstream reason", async () => {
    const bad = join(t.dir, "bad.yaml");
    await writeFile(bad, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name, namespace: default}\n");
    const invalid = await t.kubectl("create", "-f", bad);
    expect(invalid.stderr).toMatch(/is invalid: metadata.name: Invalid value: "Bad_Name"/);
    const unknown = join(t.dir, "unknown.yaml");
    await writeFile(unknown, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: strict, namespace: default}\nnotAField: 1\n");
    const strict = await t.kubectl("create", "--validate=strict", "-f", unknown);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toMatch(/unknown field|notAField/);
    expect((await t.kubectl("get", "cm", "nope")).stderr).toContain('configmaps "nope" not found');
    const exists = await t.kubectl("create", "-f", join(t.dir, "other.yaml"));
    expect(exists.stderr).toContain("AlreadyExists");
    const stale = await ok("get", "cm", "app", "-o", "json");
    await ok("patch", "cm", "app", "--type", "merge", "-p", '{"data":{"bump":"1"}}');
    const staleFile = join(t.dir, "stale.json");
    await writeFile(staleFile, stale);
    const conflict = await t.kubectl("replace", "-f", staleFile);
    expect(conflict.stderr).toMatch(/Conflict|modified/);
  });

  it("holds an object with a finalizer until it is removed", async () => {
    await ok("patch", "cm", "other", "--type", "merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}');
    await ok("delete", "cm", "other", "--wait=false");
    expect(await ok("get", "cm", "other", "-o", "jsonpath={.metadata.deletionTimestamp}")).toMatch(/^\d{4}-/);
    await ok("patch", "cm", "other", "--type", "merge", "-p", '{"metadata":{"finalizers":null}}');
    const gone = await t.kubectl("get", "cm", "other");
    expect(gone.stderr).toContain("NotFound");
  });

  it("streams a change to a watcher", async () => {
    const watcher = spawn("kubectl", ["get", "cm", "app", "--watch-only", "-o", "name"], { env: { ...process.env, KUBECONFIG: t.kubeconfigPath } });
    let out = "";
    watcher.stdout.on("data", (d) => (out += d));
    await new Promise((r) => setTimeout(r, 1500));
    await ok("patch", "cm", "app", "--type", "merge", "-p", '{"data":{"watched":"yes"}}');
    for (let i = 0; i < 100 && !out.includes("configmap/app"); i++) await new Promise((r) => setTimeout(r, 100));
    watcher.kill();
    expect(out).toContain("configmap/app");
  });
});
