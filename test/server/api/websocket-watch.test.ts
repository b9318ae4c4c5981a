/** WATCH over WebSocket: JSON text messages, or base64 under base64.binary.k8s.io. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  const r = await t.request("POST", "/api/v1/namespaces/default/configmaps", {
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "first" } }),
    headers: { "content-type": "application/json" },
  });
  expect(r.status).toBe(201);
});
afterAll(async () => {
  await t?.stop();
});

function open(path: string, protocols: string[] = [], token = t.token): Promise<{ ws: WebSocket; messages: string[]; protocol: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${t.server.port}${path}`, protocols, { headers: { authorization: `Bearer ${token}` }, ca: t.server.pki.serverCa.certPem });
    const messages: string[] = [];
    ws.on("message", (data) => messages.push(String(data)));
    ws.once("open", () => resolve({ ws, messages, protocol: ws.protocol }));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("watch over WebSocket", () => {
  it("sends the initial state and then changes as JSON messages", async () => {
    const { ws, messages } = await open("/api/v1/namespaces/default/configmaps?watch=true");
    await until(() => messages.length >= 1);
    expect(JSON.parse(messages[0])).toMatchObject({ type: "ADDED", object: { metadata: { name: "first" } } });
    await t.request("POST", "/api/v1/namespaces/default/configmaps", {
      body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "second" } }),
      headers: { "content-type": "application/json" },
    });
    await until(() => messages.some((m) => JSON.parse(m).object.metadata.name === "second"));
    ws.close();
  });

  it("answers base64.binary.k8s.io with base64 messages", async () => {
    const { ws, messages, protocol } = await open("/api/v1/namespaces/default/configmaps?watch=true", ["base64.binary.k8s.io"]);
    expect(protocol).toBe("base64.binary.k8s.io");
    await until(() => messages.length >= 1);
    const event = JSON.parse(Buffer.from(messages[0], "base64").toString("utf8"));
    expect(event.type).toBe("ADDED");
    ws.close();
  });

  it("refuses a bad token before upgrading", async () => {
    await expect(open("/api/v1/namespaces/default/configmaps?watch=true", [], "wrong")).rejects.toThrow("refused with 401");
  });
});
