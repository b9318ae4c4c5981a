/**
 * API semantics not covered by the kubectl and client-node suites: bookmarks and initial events,
 * field validation warnings, size limits, generateName, list option validation, and 410 for a
 * continue token whose revision was compacted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
const JSON_HEADERS = { "content-type": "application/json" };
const cm = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...extra } });

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe("request semantics", () => {
  it("names objects from generateName", async () => {
    const r = await t.request("POST", "/api/v1/namespaces/default/configmaps", { body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "gen-" } }), headers: JSON_HEADERS });
    expect(r.status).toBe(201);
    expect(JSON.parse(String(r.body)).metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it("warns about unknown fields under fieldValidation=Warn and drops them", async () => {
    const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "warned" }, data: { a: "b" }, bogus: 1 });
    const r = await t.request("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Warn", { body, headers: JSON_HEADERS });
    expect(r.status).toBe(201);
    expect(String(r.headers["warning"])).toContain('unknown field \\"bogus\\"');
    expect(JSON.parse(String(r.body)).bogus).toBeUndefined();
    const strict = await t.request("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", { body: body.replace("warned", "strict"), headers: JSON_HEADERS });
    expect(strict.status).toBe(400);
    expect(JSON.parse(String(strict.body)).message).toContain('strict decoding error: unknown field "bogus"');
  });

  it("refuses a body over 3 MiB with 413", async () => {
    const big = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "big" }, data: { a: "x".repeat(3 * 1024 * 1024 + 10) } });
    const r = await t.request("POST", "/api/v1/namespaces/default/configmaps", { body: big, headers: JSON_HEADERS });
    expect(r.status).toBe(413);
    expect(JSON.parse(String(r.body)).reason).toBe("RequestEntityTooLarge");
  });

  it("validates list options as upstream does", async () => {
    const r = await t.request("GET", "/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact");
    expect(r.status).toBe(422);
    expect(JSON.parse(String(r.body)).message).toContain("resourceVersionMatch is forbidden unless resourceVersion is provided");
    const bad = await t.request("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=abc");
    expect(bad.status).toBe(400);
  });

  it("sends initial events, the initial-events-end bookmark, and ends at timeoutSeconds", async () => {
    await t.request("POST", "/api/v1/namespaces/default/configmaps", { body: cm("watched"), headers: JSON_HEADERS });
    const r = await t.request("GET", "/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=&timeoutSeconds=1&fieldSelector=metadata.name%3Dwatched");
    expect(r.status).toBe(200);
    const events = String(r.body).trim().split("\n").map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "watched" } } });
    expect(events[1]).toMatchObject({ type: "BOOKMARK", object: { kind: "ConfigMap", metadata: { annotations: { "k8s.io/initial-events-end": "true" } } } });
    expect(events[1].object.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it("hands a watch a burst of large events whole and in order, the watch left open", async () => {
    // 8 ConfigMaps of 1.5 MiB created at once: the watch's pending events are handed to the
    // response as one chunk per read, so nothing may be lost, split or reordered in between.
    const big = (i: number) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `burst-${i}`, labels: { burst: "yes" } }, data: { a: String(i).repeat(1536 * 1024) } });
    const watch = t.request("GET", "/api/v1/namespaces/default/configmaps?watch=1&labelSelector=burst%3Dyes&timeoutSeconds=3");
    await new Promise((r) => setTimeout(r, 200));
    const created = await Promise.all(Array.from({ length: 8 }, (_, i) => t.request("POST", "/api/v1/namespaces/default/configmaps", { body: big(i), headers: JSON_HEADERS })));
    expect(created.map((r) => r.status)).toEqual(Array(8).fill(201));
    const r = await watch;
    expect(r.status).toBe(200);
    const events = String(r.body).trim().split("\n").map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toEqual(Array(8).fill("ADDED"));
    const revisions = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    for (const e of events) expect(e.object.data.a).toBe(e.object.metadata.name.slice("burst-".length).repeat(1536 * 1024));
  });

  it("answers 410 Expired, with a fresh token, for a continue token whose revision was compacted", async () => {
    for (let i = 0; i < 4; i++) await t.request("POST", "/api/v1/namespaces/default/configmaps", { body: cm(`page-${i}`), headers: JSON_HEADERS });
    const first = JSON.parse(String((await t.request("GET", "/api/v1/namespaces/default/configmaps?limit=2")).body));
    expect(first.metadata.continue).toBeTruthy();
    expect(first.metadata.remainingItemCount).toBeGreaterThan(0);
    // Writes after the first page, then compaction past its revision.
    await t.request("POST", "/api/v1/namespaces/default/configmaps", { body: cm("later"), headers: JSON_HEADERS });
    await t.datastore.compact(await t.datastore.currentRevision());
    const next = await t.request("GET", `/api/v1/namespaces/default/configmaps?limit=2&continue=${first.metadata.continue}`);
    expect(next.status).toBe(410);
    const status = JSON.parse(String(next.body));
    expect(status.reason).toBe("Expired");
  });

  it("answers 405 MethodNotAllowed for a verb the resource does not serve", async () => {
    const review = await t.request("PUT", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x", { body: "{}", headers: JSON_HEADERS });
    expect(review.status).toBe(405);
    expect(JSON.parse(String(review.body)).reason).toBe("MethodNotAllowed");
    const binding = await t.request("DELETE", "/api/v1/namespaces/default/pods/x/binding");
    expect(binding.status).toBe(405);
    const postToObject = await t.request("POST", "/api/v1/namespaces/default/configmaps/x", { body: cm("x"), headers: JSON_HEADERS });
    expect(postToObject.status).toBe(405);
  });
});
