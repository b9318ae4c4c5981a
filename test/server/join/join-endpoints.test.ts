/**
 * The server's join endpoints and what they rest on: /cacerts gives the CA the token pins,
 * /v1-k3ts/node-credentials takes the join token (agent, server, or a live bootstrap token) and a
 * node password, stores its hash once and refuses another password for the same name; the node
 * certificate it issues authenticates as system:node:<name> in system:nodes; node passwords hash
 * and verify; bootstrap tokens expire.
 */
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashCaBundle } from "../../../server/auth/tokens.ts";
import { bootstrapTokenValid } from "../../../server/join/bootstrap-tokens.ts";
import { hashNodePassword, verifyNodePassword } from "../../../server/join/node-password.ts";
import { parseDuration } from "../../../server/token-command.ts";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ clusterCidr: "10.60.0.0/16", serviceCidr: "10.61.0.0/16" });
});
afterAll(async () => {
  await t?.stop();
});

function call(path: string, options: { method?: string; authorization?: string; body?: unknown; ca?: string; cert?: string; key?: string } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = body ? { "content-type": "application/json" } : {};
    if (options.authorization) headers.authorization = options.authorization;
    const r = request(t.url + path, { method: options.method ?? "GET", headers, ca: options.ca ?? t.server.pki.serverCa.certPem, cert: options.cert, key: options.key }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    r.on("error", reject);
    r.end(body);
  });
}

const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
const credentials = (authorization: string, nodeName: string, nodePassword: string) =>
  call("/v1-k3ts/node-credentials", { method: "POST", authorization, body: { nodeName, nodePassword } });

describe("join endpoints", () => {
  it("serves the CA the agent token pins, to anyone", async () => {
    const answer = await call("/cacerts");
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(t.server.pki.serverCa.certPem);
    expect(t.server.tokens.agent.startsWith(`K10${await hashCaBundle(answer.text)}::node:`)).toBe(true);
  });

  it("issues a node certificate for the agent token and the node password, and refuses another password for that name", async () => {
    const auth = basic("node", t.server.tokens.agentPassword);
    const first = await credentials(auth, "w1", "a".repeat(32));
    expect(first.status, first.text).toBe(200);
    const issued = JSON.parse(first.text) as { certificate: string; key: string; serverCa: string; nodeName: string };
    // The cluster's networks come along: the agent's bridge CNI masquerades what leaves the cluster CIDR.
    expect(issued).toMatchObject({ nodeName: "w1", serverCa: t.server.pki.serverCa.certPem, clusterCidr: "10.60.0.0/16", serviceCidr: "10.61.0.0/16" });
    // Again with the same password: the same node restarting.
    expect((await credentials(auth, "w1", "a".repeat(32))).status).toBe(200);
    const duplicate = await credentials(auth, "w1", "b".repeat(32));
    expect(duplicate.status).toBe(403);
    expect(JSON.parse(duplicate.text).message).toMatch(/^Node password rejected: node name "w1" is already taken.*--node-name.*kubectl -n kube-system delete secret w1\.node-password\.k3ts/);

    // The certificate is the node's identity.
    const whoami = await call("/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      method: "POST",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
      cert: issued.certificate,
      key: issued.key,
    });
    expect(whoami.status, whoami.text).toBe(201);
    expect(JSON.parse(whoami.text).status.userInfo).toMatchObject({ username: "system:node:w1", groups: expect.arrayContaining(["system:nodes"]) });
  });

  it("issues a bearer token for the node too (servers on Deno see no client certificates); a new join replaces it", async () => {
    const auth = basic("node", t.server.tokens.agentPassword);
    const whoami = (token: string) => call("/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      method: "POST",
      authorization: `Bearer ${token}`,
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    const first = JSON.parse((await credentials(auth, "tok.node-1", "e".repeat(32))).text) as { token: string };
    expect(first.token).toMatch(/^k3ts-node\.tok\.node-1\.[0-9a-f]{64}$/);
    const answer = await whoami(first.token);
    expect(answer.status, answer.text).toBe(201);
    expect(JSON.parse(answer.text).status.userInfo).toMatchObject({ username: "system:node:tok.node-1", groups: expect.arrayContaining(["system:nodes"]) });
    const second = JSON.parse((await credentials(auth, "tok.node-1", "e".repeat(32))).text) as { token: string };
    await new Promise((r) => setTimeout(r, 100)); // the watch cache follows the Secret's update
    expect((await whoami(first.token)).status).toBe(401);
    expect((await whoami(second.token)).status).toBe(201);
    expect((await whoami(first.token.replace(/.$/, (c) => (c === "0" ? "1" : "0")))).status).toBe(401);
  });

  it("takes the server token, refuses a wrong secret and bad input", async () => {
    expect((await credentials(basic("server", t.server.tokens.serverPassword), "w2", "c".repeat(32))).status).toBe(200);
    const wrong = await credentials(basic("node", "not-the-secret"), "w3", "c".repeat(32));
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text).message).toMatch(/join token's secret is not accepted/);
    expect((await credentials("", "w3", "c".repeat(32))).status).toBe(401);
    const auth = basic("node", t.server.tokens.agentPassword);
    expect((await credentials(auth, "Not_A_Name", "c".repeat(32))).status).toBe(400);
    expect((await credentials(auth, "w3", "short")).status).toBe(400);
    expect((await call("/v1-k3ts/node-credentials", { method: "GET", authorization: auth })).status).toBe(405);
  });

  it("takes a live bootstrap token and refuses an expired one", async () => {
    const secret = (id: string, token: string, expiration: string) => ({
      apiVersion: "v1",
      kind: "Secret",
      type: "bootstrap.kubernetes.io/token",
      metadata: { name: `bootstrap-token-${id}`, namespace: "kube-system" },
      stringData: { "token-id": id, "token-secret": token, expiration, "usage-bootstrap-authentication": "true" },
    });
    const secrets = t.server.client.resource({ apiVersion: "v1", resource: "secrets" });
    await secrets.create(secret("abcdef", "0123456789abcdef", new Date(Date.now() + 3_600_000).toISOString()));
    await secrets.create(secret("zyxwvu", "0123456789abcdef", new Date(Date.now() - 1000).toISOString()));
    expect((await credentials(basic("node", "abcdef.0123456789abcdef"), "w4", "d".repeat(32))).status).toBe(200);
    expect((await credentials(basic("node", "abcdef.0123456789abcdeX"), "w5", "d".repeat(32))).status).toBe(401);
    expect((await credentials(basic("node", "zyxwvu.0123456789abcdef"), "w5", "d".repeat(32))).status).toBe(401);
  });
});

describe("node passwords and bootstrap tokens", () => {
  it("hashes node passwords with a salt and verifies them", async () => {
    const a = await hashNodePassword("secret-password-1");
    const b = await hashNodePassword("secret-password-1");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\$pbkdf2-sha256\$\d+\$/);
    expect(await verifyNodePassword("secret-password-1", a)).toBe(true);
    expect(await verifyNodePassword("secret-password-2", a)).toBe(false);
    expect(await verifyNodePassword("secret-password-1", "garbage")).toBe(false);
  });

  it("checks a bootstrap token's secret, expiry and usage", async () => {
    const data = (extra: Record<string, string>) => ({
      type: "bootstrap.kubernetes.io/token",
      metadata: {},
      data: Object.fromEntries(Object.entries({ "token-id": "abcdef", "token-secret": "0123456789abcdef", "usage-bootstrap-authentication": "true", ...extra }).map(([k, v]) => [k, btoa(v)])),
    });
    const now = new Date("2026-01-01T00:00:00Z");
    expect(await bootstrapTokenValid(data({}), "abcdef", "0123456789abcdef", now)).toBe(true);
    expect(await bootstrapTokenValid(data({ expiration: "2026-01-01T01:00:00Z" }), "abcdef", "0123456789abcdef", now)).toBe(true);
    expect(await bootstrapTokenValid(data({ expiration: "2025-12-31T23:00:00Z" }), "abcdef", "0123456789abcdef", now)).toBe(false);
    expect(await bootstrapTokenValid(data({ "usage-bootstrap-authentication": "false" }), "abcdef", "0123456789abcdef", now)).toBe(false);
    expect(await bootstrapTokenValid(data({}), "abcdef", "0123456789abcdeX", now)).toBe(false);
    expect(await bootstrapTokenValid(undefined, "abcdef", "0123456789abcdef", now)).toBe(false);
  });

  it("reads token lifetimes as Go durations", () => {
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("0")).toBe(0);
    expect(() => parseDuration("1d")).toThrow(/--ttl/);
    expect(() => parseDuration("h")).toThrow(/--ttl/);
  });
});
