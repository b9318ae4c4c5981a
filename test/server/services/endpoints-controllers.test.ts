/**
 * The EndpointSlice and Endpoints controllers against a test server: pods (given Running and
 * Ready through the status subresource, as a kubelet would) selected by a Service appear in
 * its EndpointSlice and Endpoints, leave when not ready, named target ports resolve per pod,
 * slices hold at most the configured number of endpoints and are updated in place, headless
 * and publishNotReadyAddresses Services behave as upstream's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../../plugins/client.ts";
import { endpointSliceController } from "../../../server/controllers/endpointslice/mod.ts";
import { endpointsController } from "../../../server/controllers/endpoints.ts";
import { eventually, runControllers } from "../controllers/run-controllers.ts";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
let controllers: AbortController;
const NS = "ep-test";
const PODS = { apiVersion: "v1", resource: "pods" };
const SERVICES = { apiVersion: "v1", resource: "services" };
const SLICES = { apiVersion: "discovery.k8s.io/v1", resource: "endpointslices" };
const ENDPOINTS = { apiVersion: "v1", resource: "endpoints" };

beforeAll(async () => {
  t = await startTestServer();
  await t.server.client.resource({ apiVersion: "v1", resource: "namespaces" }).create({ metadata: { name: NS } });
  await t.server.client.resource({ apiVersion: "v1", resource: "nodes" }).create({ metadata: { name: "node-a", labels: { "topology.kubernetes.io/zone": "zone-1" } } });
  controllers = await runControllers(t, [endpointSliceController({ maxEndpointsPerSlice: 3 }), endpointsController()]);
});
afterAll(async () => {
  controllers?.abort();
  await t?.stop();
});

let ipCounter = 10;

/** A pod as the kubelet leaves it: Running, with an IP, Ready or not. */
async function pod(name: string, labels: Record<string, string>, ready: boolean, ports: Array<{ name: string; containerPort: number }> = [{ name: "http", containerPort: 8080 }]): Promise<KubeObject> {
  const pods = t.server.client.resource(PODS);
  const created = await pods.create({ metadata: { name, namespace: NS, labels }, spec: { nodeName: "node-a", containers: [{ name: "main", image: "busybox", ports }] } });
  const ip = `10.42.0.${ipCounter++}`;
  return setReady({ ...created, status: { phase: "Running", podIP: ip, podIPs: [{ ip }] } }, ready);
}

async function setReady(p: KubeObject, ready: boolean): Promise<KubeObject> {
  const pods = t.server.client.resource(PODS);
  const current = (await pods.get(p.metadata.name!, NS))!;
  const status = { ...(current.status as object), ...(p.status as object) } as Record<string, unknown>;
  status.conditions = [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") }];
  return pods.updateStatus({ ...current, status });
}

async function slicesOf(service: string): Promise<KubeObject[]> {
  return (await t.server.client.resource(SLICES).list({ namespace: NS, labelSelector: `kubernetes.io/service-name=${service}` })).items;
}

type SliceEndpoint = { addresses: string[]; conditions: { ready: boolean; serving: boolean; terminating: boolean }; nodeName?: string; zone?: string; targetRef?: { name: string } };
const endpointsIn = (slices: KubeObject[]) => slices.flatMap((s) => (s.endpoints as SliceEndpoint[] | null) ?? []);
const readyNames = (slices: KubeObject[]) => endpointsIn(slices).filter((e) => e.conditions.ready).map((e) => e.targetRef!.name).sort();

async function endpointsOf(service: string): Promise<{ ready: string[]; notReady: string[]; ports: unknown[] } | undefined> {
  const e = await t.server.client.resource(ENDPOINTS).get(service, NS);
  if (!e) return undefined;
  const subsets = (e.subsets as Array<{ addresses?: Array<{ targetRef: { name: string } }>; notReadyAddresses?: Array<{ targetRef: { name: string } }>; ports?: unknown[] }> | undefined) ?? [];
  return {
    ready: subsets.flatMap((s) => s.addresses ?? []).map((a) => a.targetRef.name).sort(),
    notReady: subsets.flatMap((s) => s.notReadyAddresses ?? []).map((a) => a.targetRef.name).sort(),
    ports: subsets.flatMap((s) => s.ports ?? []),
  };
}

describe("endpoints from Services and ready pods", () => {
  it("ready selected pods appear in the EndpointSlice and Endpoints, and leave when not ready", async () => {
    const w1 = await pod("web-1", { app: "web" }, true);
    await pod("web-2", { app: "web" }, true);
    await pod("other", { app: "other" }, true);
    const svc = await t.server.client.resource(SERVICES).create({ metadata: { name: "web", namespace: NS, labels: { tier: "front" } }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });

    await eventually(async () => JSON.stringify(readyNames(await slicesOf("web"))) === JSON.stringify(["web-1", "web-2"]), "both pods in the slice");
    const [slice] = await slicesOf("web");
    expect(slice.metadata.labels).toEqual({ tier: "front", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
    expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Service", name: "web", uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.addressType).toBe("IPv4");
    expect(slice.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    const e1 = endpointsIn([slice]).find((e) => e.targetRef?.name === "web-1")!;
    expect(e1).toMatchObject({ addresses: [(w1.status as { podIP: string }).podIP], conditions: { ready: true, serving: true, terminating: false }, nodeName: "node-a", zone: "zone-1" });

    await eventually(async () => JSON.stringify((await endpointsOf("web"))?.ready) === JSON.stringify(["web-1", "web-2"]), "both pods in Endpoints");
    expect((await endpointsOf("web"))!.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    const endpoints = (await t.server.client.resource(ENDPOINTS).get("web", NS))!;
    expect(endpoints.metadata.labels).toEqual({ tier: "front" });
    expect(endpoints.metadata.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"]).toMatch(/^\d{4}-/);

    await setReady(w1, false);
    await eventually(async () => JSON.stringify(readyNames(await slicesOf("web"))) === JSON.stringify(["web-2"]), "web-1 not ready in the slice");
    const notReady = endpointsIn(await slicesOf("web")).find((e) => e.targetRef?.name === "web-1")!;
    expect(notReady.conditions).toEqual({ ready: false, serving: false, terminating: false });
    await eventually(async () => {
      const e = await endpointsOf("web");
      return JSON.stringify(e?.ready) === JSON.stringify(["web-2"]) && JSON.stringify(e?.notReady) === JSON.stringify(["web-1"]);
    }, "web-1 in notReadyAddresses");
    // The slice was updated in place, not replaced.
    expect((await slicesOf("web")).map((s) => s.metadata.name)).toEqual([slice.metadata.name]);
  });

  it("named target ports resolve per pod; pods with other port numbers get their own slice", async () => {
    await pod("named-a", { app: "named" }, true, [{ name: "web", containerPort: 8080 }]);
    await pod("named-b", { app: "named" }, true, [{ name: "web", containerPort: 9090 }]);
    await pod("named-c", { app: "named" }, true, [{ name: "other", containerPort: 7070 }]);
    await t.server.client.resource(SERVICES).create({ metadata: { name: "named", namespace: NS }, spec: { selector: { app: "named" }, ports: [{ name: "web", port: 80, targetPort: "web" }] } });
    await eventually(async () => endpointsIn(await slicesOf("named")).length === 3, "three endpoints");
    const byPort = Object.fromEntries((await slicesOf("named")).map((s) => [JSON.stringify(s.ports), endpointsIn([s]).map((e) => e.targetRef!.name).sort()]));
    expect(byPort).toEqual({
      [JSON.stringify([{ name: "web", port: 8080, protocol: "TCP" }])]: ["named-a"],
      [JSON.stringify([{ name: "web", port: 9090, protocol: "TCP" }])]: ["named-b"],
      [JSON.stringify([])]: ["named-c"],
    });
    // Endpoints leaves out a pod that serves none of the Service's ports.
    await eventually(async () => (await endpointsOf("named"))?.ready.length === 2, "two addresses in Endpoints");
  });

  it("splits at the slice limit, refills in place, and keeps a placeholder when no pod is left", async () => {
    const names = ["big-1", "big-2", "big-3", "big-4", "big-5"];
    for (const n of names) await pod(n, { app: "big" }, true);
    await t.server.client.resource(SERVICES).create({ metadata: { name: "big", namespace: NS }, spec: { selector: { app: "big" }, ports: [{ port: 80, targetPort: 8080 }] } });
    await eventually(async () => endpointsIn(await slicesOf("big")).length === 5, "five endpoints");
    const slices = await slicesOf("big");
    expect(slices.length).toBe(2);
    expect(slices.every((s) => endpointsIn([s]).length <= 3)).toBe(true);
    const before = slices.map((s) => s.metadata.name).sort();
    await t.server.client.resource(PODS).delete("big-1", NS, { gracePeriodSeconds: 0 });
    await pod("big-6", { app: "big" }, true);
    await eventually(async () => JSON.stringify(endpointsIn(await slicesOf("big")).map((e) => e.targetRef!.name).sort()) === JSON.stringify(["big-2", "big-3", "big-4", "big-5", "big-6"]), "big-6 replaces big-1");
    expect((await slicesOf("big")).map((s) => s.metadata.name).sort()).toEqual(before);
    for (const n of [...names.slice(1), "big-6"]) await t.server.client.resource(PODS).delete(n, NS, { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const s = await slicesOf("big");
      return s.length === 1 && endpointsIn(s).length === 0;
    }, "one empty placeholder slice");
    await eventually(async () => (await t.server.client.resource(ENDPOINTS).get("big", NS))?.subsets === undefined, "Endpoints without subsets");
  });

  it("headless and publishNotReadyAddresses Services", async () => {
    await pod("hl-1", { app: "hl" }, false);
    await t.server.client.resource(SERVICES).create({ metadata: { name: "hl", namespace: NS }, spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: { app: "hl" }, ports: [{ port: 80, targetPort: 8080 }] } });
    await eventually(async () => readyNames(await slicesOf("hl")).length === 1, "a not-ready pod published as ready");
    const [slice] = await slicesOf("hl");
    expect(slice.metadata.labels?.["service.kubernetes.io/headless"]).toBe("");
    expect(endpointsIn([slice])[0].conditions).toEqual({ ready: true, serving: false, terminating: false });
    await eventually(async () => JSON.stringify((await endpointsOf("hl"))?.ready) === JSON.stringify(["hl-1"]), "published in Endpoints addresses");
    expect((await t.server.client.resource(ENDPOINTS).get("hl", NS))!.metadata.labels).toEqual({ "service.kubernetes.io/headless": "" });
  });

  it("a terminating pod stays in the slice as terminating, and leaves Endpoints", async () => {
    await pod("term-1", { app: "term" }, true);
    await t.server.client.resource(SERVICES).create({ metadata: { name: "term", namespace: NS }, spec: { selector: { app: "term" }, ports: [{ port: 80, targetPort: 8080 }] } });
    await eventually(async () => readyNames(await slicesOf("term")).length === 1, "the pod in the slice");
    await t.server.client.resource(PODS).delete("term-1", NS, { gracePeriodSeconds: 30 });
    await eventually(async () => endpointsIn(await slicesOf("term"))[0]?.conditions.terminating === true, "terminating condition");
    expect(endpointsIn(await slicesOf("term"))[0].conditions).toEqual({ ready: false, serving: true, terminating: true });
    await eventually(async () => (await endpointsOf("term"))?.ready.length === 0, "gone from Endpoints");
  });

  it("kubectl: expose a set of pods, then read the slice and Endpoints", async () => {
    await pod("kx-1", { app: "kx" }, true);
    await pod("kx-2", { app: "kx" }, true);
    const exposed = await t.kubectl("expose", "pod", "kx-1", "-n", NS, "--name", "kx", "--selector", "app=kx", "--port", "80", "--target-port", "8080");
    expect(exposed.code, exposed.stderr).toBe(0);
    const count = async (args: string[]) => (await t.kubectl(...args)).stdout.split("\n").filter(Boolean).length;
    await eventually(async () => (await count(["get", "endpointslices", "-n", NS, "-l", "kubernetes.io/service-name=kx", "-o", "jsonpath={range .items[*].endpoints[*]}{.addresses[0]}{\"\\n\"}{end}"])) === 2, "kubectl sees two slice endpoints");
    await eventually(async () => (await count(["get", "endpoints", "kx", "-n", NS, "-o", "jsonpath={range .subsets[*].addresses[*]}{.ip}{\"\\n\"}{end}"])) === 2, "kubectl sees two addresses");
    const table = await t.kubectl("get", "endpoints", "kx", "-n", NS);
    expect(table.stdout).toMatch(/kx\s+10\.42\.0\.\d+:8080,10\.42\.0\.\d+:8080/);
  });

  it("deleting the Service removes its slices and Endpoints; a selector-less Service is left alone", async () => {
    await t.server.client.resource(SERVICES).delete("web", NS);
    await eventually(async () => (await slicesOf("web")).length === 0, "slices removed");
    await eventually(async () => (await t.server.client.resource(ENDPOINTS).get("web", NS)) === undefined, "Endpoints removed");
    await t.server.client.resource(SERVICES).create({ metadata: { name: "manual", namespace: NS }, spec: { ports: [{ port: 80 }] } });
    await t.server.client.resource(ENDPOINTS).create({ metadata: { name: "manual", namespace: NS }, subsets: [{ addresses: [{ ip: "192.0.2.1" }], ports: [{ port: 80 }] }] });
    await new Promise((r) => setTimeout(r, 200));
    expect((await t.server.client.resource(ENDPOINTS).get("manual", NS))!.subsets).toEqual([{ addresses: [{ ip: "192.0.2.1" }], ports: [{ port: 80, protocol: "TCP" }] }]);
    expect(await slicesOf("manual")).toEqual([]);
  });
});
