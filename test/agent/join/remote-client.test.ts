/**
 * The remote Client against a real API server (the test harness): the Client contract's
 * semantics over HTTPS, watches that reconnect, informers that relist after a 410, and fail-over
 * between server URLs. A loopback TCP relay in front of the server lets a test cut the
 * connection and keep it cut while the server's event window moves on.
 */
import { createServer, type Server, type Socket, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteClient } from "../../../agent/client/remote.ts";
import { Transport } from "../../../agent/client/transport.ts";
import type { KubeObject } from "../../../plugins/client.ts";
import { createLogger } from "../../../plugins/logger.ts";
import { freePort } from "../../cli/spawn.ts";
import { startTestServer, type TestServer } from "../../server/harness.ts";

let t: TestServer;
const CM = { apiVersion: "v1", resource: "configmaps" };
const PODS = { apiVersion: "v1", resource: "pods" };
const transports: Transport[] = [];

function client(servers = [t.url], fieldManager = "remote-test", log?: ReturnType<typeof createLogger>): RemoteClient {
  const transport = new Transport({ servers, ca: t.server.pki.serverCa.certPem, token: t.token });
  transports.push(transport);
  return new RemoteClient({ transport, fieldManager, log });
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP relay on loopback to the API server that can be cut (and its port kept) and restored. */
async function relay(target: number): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const listen = () => new Promise<void>((resolve) => {
    server = createServer((inbound) => {
      const outbound = connect(target, "127.0.0.1");
      sockets.add(inbound).add(outbound);
      inbound.pipe(outbound).pipe(inbound);
      const drop = () => {
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on("error", drop).on("close", drop);
      outbound.on("error", drop).on("close", drop);
    });
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const cut = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (!server) return resolve();
    server.close(() => resolve());
    server = undefined;
  });
  await listen();
  return { url: `https://127.0.0.1:${port}`, cut, restore: listen, close: cut };
}

beforeAll(async () => {
  // A small event window, so that a watch that was away for a few writes gets 410.
  t = await startTestServer({ watchCache: { maxEventsPerResource: 5, maxEventAgeMs: 0 } });
});
afterAll(async () => {
  for (const tr of transports) tr.close();
  await t?.stop();
});

describe("remote client", () => {
  it("creates, reads, updates, patches and deletes with the API's rules", async () => {
    const cms = client().resource(CM);
    const created = await cms.create({ metadata: { name: "a", namespace: "default", labels: { x: "1" } }, data: { k: "v" } } as KubeObject);
    expect(created).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", uid: expect.any(String) } });
    expect(created.metadata.managedFields).toEqual([expect.objectContaining({ manager: "remote-test", operation: "Update" })]);
    await expect(cms.create({ metadata: { name: "a", namespace: "default" } })).rejects.toMatchObject({ code: 409, reason: "AlreadyExists" });
    await expect(cms.create({ metadata: { name: "Bad", namespace: "default" } })).rejects.toMatchObject({ code: 422, reason: "Invalid" });
    const read = (await cms.get("a", "default"))!;
    read.data = { k: "w" };
    await cms.update(read);
    await expect(cms.update(read)).rejects.toMatchObject({ code: 409, reason: "Conflict" });
    const patched = await cms.patch("a", { data: { p: "1" } }, { type: "merge", namespace: "default" });
    expect(patched.data).toEqual({ k: "w", p: "1" });
    const strategic = await cms.patch("a", { data: { s: "2" } }, { type: "strategic", namespace: "default" });
    expect(strategic.data).toMatchObject({ s: "2" });
    const json = await cms.patch("a", [{ op: "remove", path: "/data/s" }], { type: "json", namespace: "default" });
    expect(json.data).toEqual({ k: "w", p: "1" });
    const applied = await cms.patch("a", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" }, data: { p: "applied" } }, { type: "apply", namespace: "default", fieldManager: "applier", force: true });
    expect(applied.data).toMatchObject({ p: "applied" });
    const listed = await cms.list({ namespace: "default", labelSelector: "x=1" });
    expect(listed.items.map((i) => [i.kind, i.metadata.name])).toEqual([["ConfigMap", "a"]]);
    expect(listed.resourceVersion).toMatch(/^\d+$/);
    expect(await cms.delete("a", "default")).toMatchObject({ metadata: { name: "a" } });
    expect(await cms.get("a", "default")).toBeUndefined();
    expect(await cms.delete("a", "default")).toBeUndefined();
  });

  it("pages lists, writes status and posts subresources", async () => {
    const c = client();
    const cms = c.resource(CM);
    for (let i = 0; i < 5; i++) await cms.create({ metadata: { name: `page-${i}`, namespace: "default", labels: { page: "yes" } } });
    const first = await cms.list({ namespace: "default", labelSelector: "page=yes", limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.continue).toBeTruthy();
    const second = await cms.list({ namespace: "default", labelSelector: "page=yes", limit: 2, continue: first.continue });
    expect(second.items).toHaveLength(2);

    const pods = c.resource(PODS);
    await pods.create({ metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }] } } as KubeObject);
    const bound = await pods.createSubresource("p", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "p" }, target: { kind: "Node", name: "somewhere" } } as KubeObject, "default");
    expect(bound).toMatchObject({ kind: "Status", status: "Success" });
    const pod = (await pods.get("p", "default"))!;
    pod.status = { phase: "Running" };
    expect(await pods.updateStatus(pod)).toMatchObject({ spec: { nodeName: "somewhere" }, status: { phase: "Running" } });
    expect(await pods.patch("p", { status: { phase: "Succeeded" } }, { type: "merge", subresource: "status", namespace: "default" })).toMatchObject({ status: { phase: "Succeeded" } });
  });

  it("watches from now (existing objects first) and from a resourceVersion; an expired version is a 410", async () => {
    const cms = client().resource(CM);
    await cms.create({ metadata: { name: "w0", namespace: "default", labels: { w: "yes" } } });
    const abort = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const e of cms.watch({ namespace: "default", labelSelector: "w=yes", signal: abort.signal })) seen.push(`${e.type} ${e.object.metadata.name} ${e.object.kind}`);
    })();
    await until("the initial ADDED", () => seen.length >= 1);
    await cms.create({ metadata: { name: "w1", namespace: "default", labels: { w: "yes" } } });
    await cms.patch("w1", { data: { x: "1" } }, { type: "merge", namespace: "default" });
    await cms.delete("w1", "default");
    await until("three events", () => seen.length >= 4);
    abort.abort();
    await watching;
    expect(seen).toEqual(["ADDED w0 ConfigMap", "ADDED w1 ConfigMap", "MODIFIED w1 ConfigMap", "DELETED w1 ConfigMap"]);

    const old = (await cms.list({ namespace: "default" })).resourceVersion;
    for (let i = 0; i < 8; i++) await cms.create({ metadata: { name: `churn-${i}`, namespace: "default" } });
    const expired = (async () => {
      for await (const _ of cms.watch({ namespace: "default", resourceVersion: old })) void _;
    })();
    await expect(expired).rejects.toMatchObject({ code: 410, reason: "Expired" });
  });

  it("keeps an informer current across a cut connection, relisting after a 410", async () => {
    const r = await relay(t.server.port);
    const messages: string[] = [];
    const log = createLogger({ level: "debug", format: "json", write: (line: string) => messages.push(line) });
    const c = client([r.url], "informer-test", log);
    const admin = client();
    const cms = admin.resource(CM);
    await cms.create({ metadata: { name: "keep", namespace: "kube-public" } });
    await cms.create({ metadata: { name: "gone", namespace: "kube-public" } });
    const informer = c.informer(CM, { namespace: "kube-public" });
    const events: string[] = [];
    informer.on({ add: (o) => events.push(`add ${o.metadata.name}`), update: (_, o) => events.push(`update ${o.metadata.name}`), delete: (o) => events.push(`delete ${o.metadata.name}`) });
    const abort = new AbortController();
    await informer.start(abort.signal);
    expect(informer.synced).toBe(true);
    expect(informer.list("kube-public").map((o) => o.metadata.name)).toEqual(expect.arrayContaining(["gone", "keep"]));
    expect(events).toEqual(expect.arrayContaining(["add gone", "add keep"]));
    expect(informer.get("keep", "kube-public")).toMatchObject({ kind: "ConfigMap", apiVersion: "v1" });

    await r.cut();
    await cms.delete("gone", "kube-public");
    await cms.patch("keep", { data: { v: "2" } }, { type: "merge", namespace: "kube-public" });
    for (let i = 0; i < 8; i++) await cms.create({ metadata: { name: `later-${i}`, namespace: "kube-public" } });
    await r.restore();
    await until("the informer caught up", () => informer.get("later-7", "kube-public") !== undefined && informer.get("gone", "kube-public") === undefined, 20_000);
    expect(informer.get("keep", "kube-public")?.data).toEqual({ v: "2" });
    expect(events).toEqual(expect.arrayContaining(["delete gone", "update keep", "add later-7"]));
    expect(messages.join("\n")).toMatch(/410/);

    // After the relist, the watch goes on.
    await cms.create({ metadata: { name: "after", namespace: "kube-public" } });
    await until("the event after the relist", () => informer.get("after", "kube-public") !== undefined);
    abort.abort();
    await r.close();
  }, 40_000);

  it("fails over to the next server when one is unreachable, and stays there", async () => {
    const dead = `https://127.0.0.1:${await freePort()}`;
    const switches: string[] = [];
    const transport = new Transport({ servers: [dead, t.url], ca: t.server.pki.serverCa.certPem, token: t.token, onSwitch: (from, to) => switches.push(`${from} -> ${to}`) });
    transports.push(transport);
    const c = new RemoteClient({ transport, fieldManager: "failover" });
    expect(await c.resource({ apiVersion: "v1", resource: "namespaces" }).get("default")).toMatchObject({ metadata: { name: "default" } });
    expect(transport.server).toBe(t.url);
    expect(switches).toEqual([`${dead} -> ${t.url}`]);
    transport.setServers([dead, t.url]);
    expect(transport.server).toBe(t.url);
  });

  it("trusts the cluster CA only", async () => {
    const { generateKeyPair } = await import("../../../server/auth/keys.ts");
    const { certificatePem, createCertificateAuthority } = await import("../../../server/auth/certificates.ts");
    const other = certificatePem(await createCertificateAuthority({ commonName: "other", keys: await generateKeyPair(), now: new Date(), days: 1 }));
    const transport = new Transport({ servers: [t.url], ca: other, token: t.token });
    transports.push(transport);
    await expect(new RemoteClient({ transport, fieldManager: "x" }).resource(CM).list()).rejects.toThrow(/certificate/);
  });
});
