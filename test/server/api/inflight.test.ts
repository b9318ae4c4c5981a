/** Inflight limits: past them, 429 TooManyRequests with Retry-After, and the slot comes back. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request as httpsRequest } from "node:https";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ inflight: { readOnly: 400, mutating: 1 } });
});
afterAll(async () => {
  await t?.stop();
});

describe("inflight limits", () => {
  it("answers 429 while the mutating slot is held, and serves again once it is free", async () => {
    // A create whose body never finishes holds the only mutating slot.
    const held = httpsRequest(`${t.url}/api/v1/namespaces/default/configmaps`, {
      method: "POST",
      ca: t.server.pki.serverCa.certPem,
      headers: { authorization: `Bearer ${t.token}`, "content-type": "application/json", "content-length": "1000" },
    });
    held.on("error", () => {});
    held.write('{"apiVersion":"v1",');
    await new Promise((r) => setTimeout(r, 300));
    const refused = await t.request("POST", "/api/v1/namespaces/default/configmaps", {
      body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }),
      headers: { "content-type": "application/json" },
    });
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toBe("1");
    expect(JSON.parse(String(refused.body))).toMatchObject({ reason: "TooManyRequests", code: 429 });
    // Reads have their own limit.
    expect((await t.request("GET", "/api/v1/namespaces/default/configmaps")).status).toBe(200);
    held.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const accepted = await t.request("POST", "/api/v1/namespaces/default/configmaps", {
      body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }),
      headers: { "content-type": "application/json" },
    });
    expect(accepted.status).toBe(201);
  });
});
