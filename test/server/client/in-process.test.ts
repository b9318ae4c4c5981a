/** The in-process Client: the API's semantics without HTTP, informers from the watch cache. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../../plugins/client.ts";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
const CM = { apiVersion: "v1", resource: "configmaps" };
const PODS = { apiVersion: "v1", resource: "pods" };

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("in-process client", () => {
  it("creates, reads, updates, patches and deletes with the API's rules", async () => {
    const client = t.server.client.as("tester");
    const cms = client.resource(CM);
    const created = await cms.create({ metadata: { name: "a", namespace: "default", labels: { x: "1" } }, data: { k: "v" } });
    expect(created).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", uid: expect.any(String) } });
    expect(created.metadata.managedFields).toEqual([expect.objectContaining({ manager: "tester", operation: "Update" })]);
    await expect(cms.create({ metadata: { name: "a", namespace: "default" } })).rejects.toMatchObject({ code: 409, reason: "AlreadyExists" });
    await expect(cms.create({ metadata: { name: "Bad", namespace: "default" } })).rejects.toMatchObject({ code: 422, reason: "Invalid" });
    const read = (await cms.get("a", "default"))!;
    read.data = { k: "w" };
    await cms.update(read);
    await expect(cms.update(read)).rejects.toMatchObject({ code: 409, reason: "Conflict" });
    const patched = await cms.patch("a", { data: { p: "1" } }, { type: "merge", namespace: "default" });
    expect(patched.data).toEqual({ k: "w", p: "1" });
    const listed = await cms.list({ namespace: "default", labelSelector: "x=1" });
    expect(listed.items.map((i) => i.metadata.name)).toEqual(["a"]);
    expect(await cms.delete("a", "default")).toMatchObject({ metadata: { name: "a" } });
    expect(await cms.get("a", "default")).toBeUndefined();
    expect(await cms.delete("a", "default")).toBeUndefined();
  });

  it("watches with selectors, from now or from a revision", async () => {
    const cms = t.server.client.resource(CM);
    const abort = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const e of cms.watch({ namespace: "default", labelSelector: "w=yes", signal: abort.signal })) {
        seen.push(`${e.type} ${e.object.metadata.name}`);
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await cms.create({ metadata: { name: "w1", namespace: "default", labels: { w: "yes" } } });
    await cms.create({ metadata: { name: "w2", namespace: "default", labels: { w: "no" } } });
    await cms.patch("w1", { metadata: { labels: { w: "no" } } }, { type: "merge", namespace: "default" });
    await until(() => seen.length >= 2);
    abort.abort();
    await watching;
    expect(seen).toEqual(["ADDED w1", "DELETED w1"]);
  });

  it("shares informers and keeps them current", async () => {
    const informer = t.server.client.informer<KubeObject>(CM, { namespace: "default" });
    expect(t.server.client.as("other").informer(CM, { namespace: "default" })).toBe(informer);
    const abort = new AbortController();
    await informer.start(abort.signal);
    const events: string[] = [];
    informer.on({ add: (o) => events.push(`add ${o.metadata.name}`), update: (_, n) => events.push(`update ${n.metadata.name}`), delete: (o) => events.push(`delete ${o.metadata.name}`) });
    const cms = t.server.client.resource(CM);
    await cms.create({ metadata: { name: "inf", namespace: "default" } });
    await cms.patch("inf", { data: { a: "b" } }, { type: "merge", namespace: "default" });
    await cms.delete("inf", "default");
    await until(() => events.includes("delete inf"));
    expect(events.filter((e) => e.endsWith(" inf"))).toEqual(["add inf", "update inf", "delete inf"]);
    expect(informer.get("w2", "default")?.metadata.name).toBe("w2");
    abort.abort();
  });

  it("posts to subresources (pods/binding)", async () => {
    const pods = t.server.client.resource(PODS);
    await pods.create({ metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    await pods.createSubresource("p", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "p" }, target: { apiVersion: "v1", kind: "Node", name: "n1" } }, "default");
    expect((await pods.get("p", "default"))?.spec).toMatchObject({ nodeName: "n1" });
    await expect(pods.createSubresource("p", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "p" }, target: { apiVersion: "v1", kind: "Node", name: "n2" } }, "default")).rejects.toMatchObject({ code: 409 });
  });
});
