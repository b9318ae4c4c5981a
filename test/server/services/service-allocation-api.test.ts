/**
 * Allocation through the API: the `kubernetes` Service holds the first address, a create's
 * response carries its clusterIP, concurrent creates get distinct addresses, node ports come
 * from the range, taken values are refused with upstream's messages, deletes and type changes
 * give values back, and kubectl sees all of it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../../plugins/client.ts";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
const SERVICES = { apiVersion: "v1", resource: "services" };
type Spec = { clusterIP: string; clusterIPs: string[]; ipFamilies: string[]; ports: Array<{ port: number; nodePort?: number }>; healthCheckNodePort?: number };
const spec = (o: KubeObject) => o.spec as Spec;

beforeAll(async () => {
  t = await startTestServer({ serviceCidr: "10.43.0.0/16", serviceNodePortRange: "30000-32767" });
});
afterAll(async () => {
  await t?.stop();
});

function svc(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...extra } };
}

describe("service allocation through the API", () => {
  it("the kubernetes Service holds the first address and points at the server", async () => {
    const client = t.server.client;
    const kubernetes = (await client.resource(SERVICES).get("kubernetes", "default"))!;
    expect(spec(kubernetes).clusterIP).toBe("10.43.0.1");
    expect(spec(kubernetes).ports).toEqual([expect.objectContaining({ name: "https", port: 443, protocol: "TCP", targetPort: t.server.port })]);
    const endpoints = (await client.resource({ apiVersion: "v1", resource: "endpoints" }).get("kubernetes", "default"))!;
    expect(endpoints.subsets).toEqual([{ addresses: [{ ip: expect.any(String) }], ports: [{ name: "https", port: t.server.port, protocol: "TCP" }] }]);
    const slice = (await client.resource({ apiVersion: "discovery.k8s.io/v1", resource: "endpointslices" }).get("kubernetes", "default"))!;
    expect(slice.metadata.labels).toMatchObject({ "kubernetes.io/service-name": "kubernetes" });
    const r = await t.kubectl("get", "svc", "kubernetes", "-o", "jsonpath={.spec.clusterIP}");
    expect(r.stdout).toBe("10.43.0.1");
  });

  it("a create's response carries its address; asking for the first one is refused", async () => {
    const services = t.server.client.resource(SERVICES);
    const created = await services.create(svc("alpha"));
    expect(spec(created).clusterIP).toMatch(/^10\.43\.\d+\.\d+$/);
    expect(spec(created).clusterIP).not.toBe("10.43.0.1");
    expect(spec(created).clusterIPs).toEqual([spec(created).clusterIP]);
    expect(spec(created).ipFamilies).toEqual(["IPv4"]);
    await expect(services.create(svc("beta", { clusterIP: "10.43.0.1" }))).rejects.toMatchObject({
      code: 422,
      message: 'Service "beta" is invalid: spec.clusterIPs: Invalid value: []string{"10.43.0.1"}: failed to allocate IP 10.43.0.1: provided IP is already allocated',
    });
    await expect(services.create(svc("gamma", { clusterIP: "10.50.0.1" }))).rejects.toMatchObject({ code: 422, message: expect.stringContaining("The range of valid IPs is 10.43.0.0/16") });
    const asked = await services.create(svc("delta", { clusterIP: "10.43.0.10" }));
    expect(spec(asked).clusterIP).toBe("10.43.0.10");
  });

  it("50 concurrent creates get 50 distinct addresses", async () => {
    const services = t.server.client.resource(SERVICES);
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => services.create(svc(`many-${i}`))));
    const ips = created.map((o) => spec(o).clusterIP);
    expect(new Set(ips).size).toBe(50);
    const stored = await services.list({ namespace: "default" });
    const all = stored.items.map((o) => spec(o).clusterIP).filter((ip) => ip && ip !== "None");
    expect(new Set(all).size).toBe(all.length);
  });

  it("headless and ExternalName Services get no address", async () => {
    const services = t.server.client.resource(SERVICES);
    const headless = await services.create(svc("headless", { clusterIP: "None" }));
    expect(spec(headless).clusterIP).toBe("None");
    const external = await services.create({ apiVersion: "v1", kind: "Service", metadata: { name: "ext", namespace: "default" }, spec: { type: "ExternalName", externalName: "example.com" } });
    expect(spec(external).clusterIP).toBeUndefined();
  });

  it("node ports come from the range; a taken one is refused; delete gives it back", async () => {
    const services = t.server.client.resource(SERVICES);
    const np = await services.create(svc("np", { type: "NodePort" }));
    const port = spec(np).ports[0].nodePort!;
    expect(port).toBeGreaterThanOrEqual(30000);
    expect(port).toBeLessThanOrEqual(32767);
    await services.create(svc("fixed", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    await expect(services.create(svc("clash", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }))).rejects.toMatchObject({
      code: 422,
      message: 'Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    });
    // The refused create kept nothing: its address is free again.
    await services.delete("fixed", "default");
    const again = await services.create(svc("clash", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    expect(spec(again).ports[0].nodePort).toBe(30080);
  });

  it("updates keep the address; a type change gives node ports back", async () => {
    const services = t.server.client.resource(SERVICES);
    const created = await services.create(svc("changer", { type: "NodePort", ports: [{ port: 80, nodePort: 30090 }] }));
    const updated = await services.patch("changer", { metadata: { labels: { x: "1" } } }, { type: "merge", namespace: "default" });
    expect(spec(updated).clusterIP).toBe(spec(created).clusterIP);
    const toClusterIP = await services.patch("changer", { spec: { type: "ClusterIP" } }, { type: "merge", namespace: "default" });
    expect(spec(toClusterIP).ports[0].nodePort).toBeUndefined();
    const taker = await services.create(svc("taker", { type: "NodePort", ports: [{ port: 80, nodePort: 30090 }] }));
    expect(spec(taker).ports[0].nodePort).toBe(30090);
    // The address stays for the Service's life.
    await expect(services.patch("changer", { spec: { clusterIP: "10.43.200.200", clusterIPs: ["10.43.200.200"] } }, { type: "merge", namespace: "default" })).rejects.toMatchObject({ code: 422 });
  });

  it("a LoadBalancer with externalTrafficPolicy Local gets a health-check node port", async () => {
    const services = t.server.client.resource(SERVICES);
    const lb = await services.create(svc("lb", { type: "LoadBalancer", externalTrafficPolicy: "Local" }));
    expect(spec(lb).healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(spec(lb).ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(spec(lb).healthCheckNodePort).not.toBe(spec(lb).ports[0].nodePort);
  });

  it("a dry run shows an address without taking it", async () => {
    const services = t.server.client.resource(SERVICES);
    const dry = await services.create(svc("dry", { clusterIP: "10.43.0.50" }), { dryRun: true });
    expect(spec(dry).clusterIP).toBe("10.43.0.50");
    const real = await services.create(svc("wet", { clusterIP: "10.43.0.50" }));
    expect(spec(real).clusterIP).toBe("10.43.0.50");
  });

  it("kubectl: expose prints a ClusterIP service; create service nodeport gets a port in range", async () => {
    const dep = await t.kubectl("create", "deployment", "web", "--image=busybox", "--port=8080");
    expect(dep.code, dep.stderr).toBe(0);
    const exposed = await t.kubectl("expose", "deploy", "web", "--port", "80", "--target-port", "8080", "-o", "jsonpath={.spec.clusterIP}");
    expect(exposed.code, exposed.stderr).toBe(0);
    expect(exposed.stdout).toMatch(/^10\.43\.\d+\.\d+$/);
    const np = await t.kubectl("create", "service", "nodeport", "np2", "--tcp=80:8080");
    expect(np.code, np.stderr).toBe(0);
    const port = await t.kubectl("get", "svc", "np2", "-o", "jsonpath={.spec.ports[0].nodePort}");
    expect(port.stdout).toMatch(/^3[0-2][0-9]{3}$/);
    const clash = await t.kubectl("create", "service", "nodeport", "np3", "--tcp=80:8080", `--node-port=${port.stdout}`);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain(`spec.ports[0].nodePort: Invalid value: ${port.stdout}: provided port is already allocated`);
  });
});
