/**
 * The allocators over a real datastore: requested and next values, exhaustion, dry runs,
 * release, concurrency, and a restart that finds every allocation where it was left.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Datastore } from "../../../datastore/mod.ts";
import { openSqliteDatastore } from "../../../datastore/sqlite/store.ts";
import { silentLogger } from "../../../plugins/logger.ts";
import { AllocationError } from "../../../server/services/allocator.ts";
import { ServiceNetworking } from "../../../server/services/service-networking.ts";
import type { KubeObject } from "../../../server/storage/object.ts";
import { ObjectStore } from "../../../server/storage/object-store.ts";
import { WatchCache } from "../../../server/storage/watch-cache.ts";

interface Fixture {
  dir: string;
  datastore: Datastore;
  cache: WatchCache;
  objects: ObjectStore;
}

const open: Fixture[] = [];

async function fixture(dir?: string): Promise<Fixture> {
  dir ??= await mkdtemp(join(tmpdir(), "k3ts-alloc-"));
  const datastore = await openSqliteDatastore({ path: join(dir, "state.db") });
  const cache = new WatchCache(datastore, silentLogger);
  await cache.start();
  const f = { dir, datastore, cache, objects: new ObjectStore(datastore, cache) };
  open.push(f);
  return f;
}

async function close(f: Fixture): Promise<void> {
  f.cache.stop();
  await f.datastore.close();
  open.splice(open.indexOf(f), 1);
}

afterEach(async () => {
  for (const f of [...open]) {
    await close(f);
    await rm(f.dir, { recursive: true, force: true });
  }
});

function networking(f: Fixture, serviceCidr = "10.43.0.0/16", nodePortRange = "30000-32767"): ServiceNetworking {
  return new ServiceNetworking({ objects: f.objects, cache: f.cache, serviceCidr, nodePortRange, log: silentLogger });
}

const owner = (name: string) => ({ namespace: "default", name, uid: `uid-${name}` });

function service(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default", uid: `uid-${name}`, creationTimestamp: "2026-01-01T00:00:00Z" }, spec: { ports: [{ port: 80, protocol: "TCP" }], ...spec } };
}

describe("IP allocator", () => {
  it("hands out distinct addresses, the upper band first, until the range is full", async () => {
    const f = await fixture();
    const { ips } = networking(f, "10.0.0.0/27").allocation.allocators; // 30 addresses, a static band of 16
    const first = await ips.allocateNext(owner("a"));
    expect(Number(first.split(".")[3])).toBeGreaterThan(16);
    const got = new Set([first]);
    for (let i = 1; i < 30; i++) got.add(await ips.allocateNext(owner(`s${i}`)));
    expect(got.size).toBe(30);
    await expect(ips.allocateNext(owner("late"))).rejects.toMatchObject({ kind: "full", message: "range is full" });
    await ips.release("10.0.0.5", owner("someone-else"));
    await expect(ips.allocateNext(owner("late"))).rejects.toBeInstanceOf(AllocationError);
    const holder = (await ips.records.get("10.0.0.5"))!.owner;
    await ips.release("10.0.0.5", holder);
    expect(await ips.allocateNext(owner("late"))).toBe("10.0.0.5");
  });

  it("reserves a requested address once, and refuses one outside the range", async () => {
    const f = await fixture();
    const { ips } = networking(f).allocation.allocators;
    await ips.allocate("10.43.0.10", owner("dns"));
    await ips.allocate("10.43.0.10", owner("dns")); // the same owner again: idempotent
    await expect(ips.allocate("10.43.0.10", owner("other"))).rejects.toMatchObject({ kind: "allocated", message: "provided IP is already allocated" });
    await expect(ips.allocate("10.44.0.1", owner("x"))).rejects.toMatchObject({
      kind: "not-in-range",
      message: "the provided IP (10.44.0.1) is not in the valid range. The range of valid IPs is 10.43.0.0/16",
    });
    await expect(ips.allocate("10.43.255.255", owner("x"))).rejects.toMatchObject({ kind: "not-in-range" });
  });

  it("a dry run takes nothing", async () => {
    const f = await fixture();
    const { ips } = networking(f, "10.0.0.0/30").allocation.allocators; // 2 addresses
    const a = await ips.allocateNext(owner("a"), true);
    expect(ips.records.isTaken(a)).toBe(false);
    await ips.allocate(a, owner("a"), true);
    expect(await ips.records.get(a)).toBeUndefined();
  });

  it("gives 50 concurrent callers 50 distinct addresses", async () => {
    const f = await fixture();
    const { ips } = networking(f, "10.0.0.0/26").allocation.allocators; // 62 addresses
    const got = await Promise.all(Array.from({ length: 50 }, (_, i) => ips.allocateNext(owner(`c${i}`))));
    expect(new Set(got).size).toBe(50);
  });

  it("two servers on one datastore never hand out one address twice", async () => {
    const f = await fixture();
    const g: Fixture = { ...f, cache: new WatchCache(f.datastore, silentLogger) };
    await g.cache.start();
    g.objects = new ObjectStore(f.datastore, g.cache);
    const a = networking(f, "10.0.0.0/28").allocation.allocators.ips; // 14 addresses
    const b = networking(g, "10.0.0.0/28").allocation.allocators.ips;
    const settled = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).allocateNext(owner(`h${i}`))));
    const values = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    expect(values.length).toBe(14);
    expect(new Set(values).size).toBe(14);
    expect(settled.filter((s) => s.status === "rejected").map((s) => (s as PromiseRejectedResult).reason.message)).toEqual(["range is full", "range is full"]);
    g.cache.stop();
  });

  it("finds its allocations again after a restart", async () => {
    const f = await fixture();
    const ips = networking(f).allocation.allocators.ips;
    const held = await Promise.all([1, 2, 3].map((i) => ips.allocateNext(owner(`r${i}`))));
    const dir = f.dir;
    await close(f);
    const again = await fixture(dir);
    const ips2 = networking(again).allocation.allocators.ips;
    for (const ip of held) {
      expect(ips2.records.isTaken(ip)).toBe(true);
      await expect(ips2.allocate(ip, owner("newcomer"))).rejects.toMatchObject({ kind: "allocated" });
    }
  });
});

describe("node port allocator", () => {
  it("reserves requested ports, refuses taken and out-of-range ones, fills up", async () => {
    const f = await fixture();
    const { ports } = networking(f, "10.43.0.0/16", "30000-30003").allocation.allocators;
    await ports.allocate("30001", owner("a"));
    await expect(ports.allocate("30001", owner("b"))).rejects.toMatchObject({ message: "provided port is already allocated" });
    await expect(ports.allocate("40000", owner("b"))).rejects.toMatchObject({ message: "provided port is not in the valid range. The range of valid ports is 30000-30003" });
    const rest = await Promise.all([0, 1, 2].map((i) => ports.allocateNext(owner(`p${i}`))));
    expect(rest.sort()).toEqual(["30000", "30002", "30003"]);
    await expect(ports.allocateNext(owner("late"))).rejects.toMatchObject({ message: "range is full" });
  });
});

describe("Service allocation (the write path's rules)", () => {
  it("a Service gets an IP, node ports shared by one service port across protocols, a health-check port", async () => {
    const f = await fixture();
    const { allocation } = networking(f);
    const svc = service("lb", {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      ports: [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }, { name: "web", port: 80, protocol: "TCP", nodePort: 30080 }],
    });
    await allocation.beginCreate(svc, false);
    const spec = svc.spec as { clusterIP: string; clusterIPs: string[]; ipFamilies: string[]; ports: Array<{ nodePort: number }>; healthCheckNodePort: number };
    expect(spec.clusterIPs).toEqual([spec.clusterIP]);
    expect(spec.ipFamilies).toEqual(["IPv4"]);
    expect(spec.ports[0].nodePort).toBe(spec.ports[1].nodePort);
    expect(spec.ports[2].nodePort).toBe(30080);
    expect(spec.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    await allocation.afterDelete(svc);
    const { ips, ports } = allocation.allocators;
    await f.cache.sync();
    expect(ips.records.isTaken(spec.clusterIP)).toBe(false);
    expect(ports.records.list()).toEqual([]);
  });

  it("upstream's messages for taken values, and nothing kept from a refused create", async () => {
    const f = await fixture();
    const { allocation } = networking(f);
    await allocation.beginCreate(service("first", { clusterIP: "10.43.0.1", type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30080 }] }), false);
    const clash = service("second", { clusterIP: "10.43.0.1", clusterIPs: ["10.43.0.1"] });
    await expect(allocation.beginCreate(clash, false)).rejects.toMatchObject({
      code: 422,
      message: 'Service "second" is invalid: spec.clusterIPs: Invalid value: []string{"10.43.0.1"}: failed to allocate IP 10.43.0.1: provided IP is already allocated',
    });
    const port = service("third", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30080 }] });
    await expect(allocation.beginCreate(port, false)).rejects.toMatchObject({
      code: 422,
      message: 'Service "third" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    });
    // The IP "third" took before its port was refused went back.
    expect(allocation.allocators.ips.records.list().map((r) => r.owner.name)).toEqual(["first"]);
  });

  it("a full range is a 500 as upstream answers", async () => {
    const f = await fixture();
    const { allocation } = networking(f, "10.0.0.0/30", "30000-30000");
    await allocation.beginCreate(service("a", {}), false);
    await allocation.beginCreate(service("b", {}), false);
    await expect(allocation.beginCreate(service("c", {}), false)).rejects.toMatchObject({ code: 500, message: "Internal error occurred: failed to allocate a serviceIP: range is full" });
    await allocation.beginCreate(service("np", { type: "NodePort", clusterIP: "None" }), false);
    await expect(allocation.beginCreate(service("np2", { type: "NodePort", clusterIP: "None" }), false)).rejects.toMatchObject({
      code: 500,
      message: "Internal error occurred: failed to allocate a nodePort: range is full",
    });
  });

  it("an update takes what the new type needs and gives back what it no longer uses once stored", async () => {
    const f = await fixture();
    const { allocation } = networking(f);
    const old = service("t", { type: "NodePort" });
    await allocation.beginCreate(old, false);
    const nodePort = (old.spec as { ports: Array<{ nodePort: number }> }).ports[0].nodePort;
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).type = "ClusterIP";
    delete (next.spec as { ports: Array<{ nodePort?: number }> }).ports[0].nodePort;
    const finish = await allocation.beginUpdate(next, old, false);
    expect(allocation.allocators.ports.records.isTaken(String(nodePort))).toBe(true);
    await finish(true);
    await f.cache.sync();
    expect(allocation.allocators.ports.records.isTaken(String(nodePort))).toBe(false);
    // ExternalName → ClusterIP gets an address; a failed write gives it back.
    const ext = service("ext", { type: "ExternalName", externalName: "example.com", ports: [] });
    const back = structuredClone(ext);
    (back.spec as Record<string, unknown>).type = "ClusterIP";
    const undo = await allocation.beginUpdate(back, ext, false);
    const ip = (back.spec as { clusterIP: string }).clusterIP;
    expect(allocation.allocators.ips.records.isTaken(ip)).toBe(true);
    await undo(false);
    await f.cache.sync();
    expect(allocation.allocators.ips.records.isTaken(ip)).toBe(false);
  });
});

describe("repair", () => {
  it("records what Services hold, reports duplicates and out-of-range values, releases leaks", async () => {
    const f = await fixture();
    const net = networking(f);
    const { ips, ports } = net.allocation.allocators;
    // A leaked record (its Service is gone), written long ago.
    await ips.allocate("10.43.7.7", owner("gone"));
    const services = [
      service("a", { clusterIP: "10.43.0.20", clusterIPs: ["10.43.0.20"], type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30500 }] }),
      { ...service("b", { clusterIP: "10.43.0.20", clusterIPs: ["10.43.0.20"] }), metadata: { name: "b", namespace: "default", uid: "uid-b", creationTimestamp: "2026-02-01T00:00:00Z" } },
      service("c", { clusterIP: "10.99.0.1", clusterIPs: ["10.99.0.1"] }),
    ];
    const { repairAllocations } = await import("../../../server/services/repair.ts");
    const findings = await repairAllocations({ allocators: net.allocation.allocators, services, portRange: "30000-32767", serviceCidr: "10.43.0.0/16", now: Date.now() + 3_600_000 });
    const summary = findings.map((x) => `${x.service.metadata.name} ${x.reason}: ${x.message}`).sort();
    expect(summary).toEqual([
      "a ClusterIPNotAllocated: Cluster IP [IPv4]:10.43.0.20 is not allocated; repairing",
      "a PortNotAllocated: Port 30500 is not allocated; repairing",
      "b ClusterIPAlreadyAllocated: Cluster IP [IPv4]:10.43.0.20 was assigned to multiple services; please recreate service",
      "c ClusterIPOutOfRange: Cluster IP [IPv4]:10.99.0.1 is not within the configured Service CIDR 10.43.0.0/16; please recreate service",
      "gone ClusterIPLeaked: Cluster IP [IPv4]:10.43.7.7 was allocated to a service that no longer uses it; released",
    ]);
    await f.cache.sync();
    expect(ips.records.isTaken("10.43.7.7")).toBe(false);
    expect((await ips.records.get("10.43.0.20"))?.owner.name).toBe("a");
    expect((await ports.records.get("30500"))?.owner.name).toBe("a");
    // A second pass finds nothing more to say (but b's duplicate, which stays until recreated).
    const again = await repairAllocations({ allocators: net.allocation.allocators, services, portRange: "30000-32767", serviceCidr: "10.43.0.0/16" });
    expect(again.map((x) => x.reason).sort()).toEqual(["ClusterIPAlreadyAllocated", "ClusterIPOutOfRange"]);
  });

  it("leaves young records alone: their create may still be on its way", async () => {
    const f = await fixture();
    const net = networking(f);
    await net.allocation.allocators.ips.allocate("10.43.9.9", owner("in-flight"));
    const { repairAllocations } = await import("../../../server/services/repair.ts");
    expect(await repairAllocations({ allocators: net.allocation.allocators, services: [], portRange: "30000-32767", serviceCidr: "10.43.0.0/16" })).toEqual([]);
  });
});
