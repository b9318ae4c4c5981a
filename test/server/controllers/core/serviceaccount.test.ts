import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rootCaPublisher } from "../../../../server/controllers/root-ca-publisher.ts";
import { serviceAccountController } from "../../../../server/controllers/serviceaccount.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";

let t: TestServer;
let stop: AbortController;

beforeAll(async () => {
  t = await startTestServer();
  stop = await runControllers(t, [serviceAccountController, rootCaPublisher]);
});

afterAll(async () => {
  stop?.abort();
  await t?.stop();
});

describe("ServiceAccount controller and root CA publisher", () => {
  const sas = () => t.server.client.resource({ apiVersion: "v1", resource: "serviceaccounts" });
  const maps = () => t.server.client.resource<{ metadata: { name?: string }; data?: Record<string, string> }>({ apiVersion: "v1", resource: "configmaps" });

  it("existing namespaces get a default ServiceAccount and kube-root-ca.crt", async () => {
    for (const ns of ["default", "kube-system"]) {
      await eventually(() => sas().get("default", ns), `default SA in ${ns}`);
      await eventually(() => maps().get("kube-root-ca.crt", ns), `kube-root-ca.crt in ${ns}`);
    }
  });

  it("a new namespace gets both, as kubectl sees them", async () => {
    expect((await t.kubectl("create", "namespace", "sa-new")).code).toBe(0);
    await eventually(async () => (await t.kubectl("get", "sa", "default", "-n", "sa-new", "-o", "jsonpath={.metadata.name}")).stdout === "default", "default SA via kubectl");
    const cm = await eventually(() => maps().get("kube-root-ca.crt", "sa-new"), "kube-root-ca.crt");
    expect(cm.data?.["ca.crt"]).toBe(t.server.pki.serverCa.certPem);
  });

  it("recreates a deleted default ServiceAccount and repairs the ConfigMap", async () => {
    await t.server.client.resource({ apiVersion: "v1", resource: "namespaces" }).create({ metadata: { name: "sa-repair" } });
    const first = await eventually(() => sas().get("default", "sa-repair"), "default SA");
    await sas().delete("default", "sa-repair");
    await eventually(async () => {
      const again = await sas().get("default", "sa-repair");
      return again && again.metadata.uid !== first.metadata.uid;
    }, "default SA recreated");
    const cm = await eventually(() => maps().get("kube-root-ca.crt", "sa-repair"), "kube-root-ca.crt");
    await maps().update({ ...cm, data: { "ca.crt": "tampered" } });
    await eventually(async () => (await maps().get("kube-root-ca.crt", "sa-repair"))?.data?.["ca.crt"] === t.server.pki.serverCa.certPem, "ca.crt put back");
    await maps().delete("kube-root-ca.crt", "sa-repair");
    await eventually(() => maps().get("kube-root-ca.crt", "sa-repair"), "kube-root-ca.crt recreated");
  });
});
