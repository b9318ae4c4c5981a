/** Client certificates signed by the client CA authenticate their holder (Node's TLS server verifies them). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:https";
import { certificatePem, createCertificateAuthority, issueCertificate } from "../../../server/auth/certificates.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../../../server/auth/keys.ts";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

function whoami(cert?: { certPem: string; keyPem: string }): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
      method: "POST",
      ca: t.server.pki.serverCa.certPem,
      ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
      headers: { "content-type": "application/json" },
    }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }));
  });
}

describe("client certificates", () => {
  it("authenticate the certificate's CN and O as user and groups", async () => {
    const cert = await t.server.pki.issueClientCertificate("jane", ["devs"]);
    const r = await whoami(cert);
    expect(r.status).toBe(201);
    expect(r.body.status).toMatchObject({ userInfo: { username: "jane", groups: expect.arrayContaining(["devs", "system:authenticated"]) } });
  });

  it("are not trusted when another CA signed them: the request is anonymous", async () => {
    const now = new Date();
    const foreignKeys = await generateKeyPair();
    const foreignCa = { keys: foreignKeys, certificate: await createCertificateAuthority({ commonName: "elsewhere", keys: foreignKeys, now, days: 1 }) };
    const leafKeys = await generateKeyPair();
    const leaf = await issueCertificate({ ca: foreignCa, publicKey: leafKeys.publicKey, commonName: "mallory", organizations: ["system:masters"], usage: "client", now, days: 1 });
    const forged = { certPem: certificatePem(leaf), keyPem: await exportPrivateKeyPem(leafKeys.privateKey) };
    const r = await whoami(forged);
    // Anonymous may not create reviews: 401, never mallory.
    expect(r.status).toBe(401);
    const anonymous = await whoami();
    expect(anonymous.status).toBe(401);
  });
});
