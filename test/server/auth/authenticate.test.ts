import { describe, expect, it } from "vitest";
import { createAuthenticator, type LiveObject } from "../../../server/auth/authenticate.ts";
import { verifiedClientIdentity } from "../../../server/auth/client-cert.ts";
import { memoryFileStore } from "../../../server/auth/file-store.ts";
import { generateKeyPair } from "../../../server/auth/keys.ts";
import { loadOrCreatePki } from "../../../server/auth/pki.ts";
import { signServiceAccountToken } from "../../../server/auth/serviceaccount-jwt.ts";
import { createStaticTokenTable } from "../../../server/auth/static-tokens.ts";
import { x509 } from "../../../server/auth/x509-lib.ts";

const ISSUER = "https://kubernetes.default.svc.cluster.local";
const NOW = new Date("2030-01-01T00:00:00Z");
const headers = (authorization?: string) => new Headers(authorization ? { authorization } : {});

async function setup(objects: { sa?: LiveObject; pod?: LiveObject } = {}) {
  const keys = await generateKeyPair();
  const tokens = await createStaticTokenTable([
    { token: "admin-token", user: { username: "system:admin", groups: ["system:masters"], extra: {} } },
    { token: "node-a-token", user: { username: "system:node:node-a", groups: ["system:nodes"], extra: {} } },
  ]);
  const sa = "sa" in objects ? objects.sa : { uid: "sa-uid" };
  const pod = "pod" in objects ? objects.pod : { uid: "pod-uid" };
  const authenticate = createAuthenticator({
    tokens,
    serviceAccounts: {
      verify: { issuers: [ISSUER], publicKeys: [keys.publicKey] },
      lookups: {
        getServiceAccount: (namespace, name) => (namespace === "default" && name === "builder" ? sa : undefined),
        getPod: async (namespace, name) => (namespace === "default" && name === "web-1" ? pod : undefined),
      },
    },
    now: () => NOW,
  });
  const saToken = (extra: { pod?: { name: string; uid: string } } = {}) =>
    signServiceAccountToken({ issuer: ISSUER, ...keys }, {
      namespace: "default", name: "builder", uid: "sa-uid", audiences: [ISSUER], expirationSeconds: 3600, now: NOW, ...extra,
    });
  return { authenticate, saToken, tokens };
}

describe("authenticator chain", () => {
  it("maps static tokens to their users and adds system:authenticated", async () => {
    const { authenticate } = await setup();
    expect(await authenticate({ headers: headers("Bearer admin-token") })).toEqual({
      ok: true, method: "token",
      user: { username: "system:admin", groups: ["system:masters", "system:authenticated"], extra: {} },
    });
    expect(await authenticate({ headers: headers("bearer   node-a-token ") })).toMatchObject({
      ok: true, user: { username: "system:node:node-a", groups: ["system:nodes", "system:authenticated"] },
    });
    // The table's own entry is not mutated by repeated authentication.
    const again = await authenticate({ headers: headers("Bearer admin-token") });
    expect(again.ok && again.user.groups).toEqual(["system:masters", "system:authenticated"]);
  });

  it("rejects unknown bearer tokens with 401 rather than falling back to anonymous", async () => {
    const { authenticate, tokens } = await setup();
    expect(await authenticate({ headers: headers("Bearer nope") })).toEqual({ ok: false, reason: "invalid bearer token" });
    await tokens.delete("admin-token");
    expect((await authenticate({ headers: headers("Bearer admin-token") })).ok).toBe(false);
  });

  it("authenticates live ServiceAccount tokens with upstream's user info", async () => {
    const { authenticate, saToken } = await setup();
    const result = await authenticate({ headers: headers(`Bearer ${await saToken({ pod: { name: "web-1", uid: "pod-uid" } })}`) });
    expect(result).toMatchObject({
      ok: true, method: "serviceaccount",
      user: {
        username: "system:serviceaccount:default:builder",
        uid: "sa-uid",
        groups: ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"],
        extra: {
          "authentication.kubernetes.io/pod-name": ["web-1"],
          "authentication.kubernetes.io/pod-uid": ["pod-uid"],
          "authentication.kubernetes.io/credential-id": [expect.stringMatching(/^JTI=/)],
        },
      },
    });
  });

  it("rejects tokens of deleted or re-created ServiceAccounts and Pods", async () => {
    const deleted = await setup({ sa: undefined });
    expect(await deleted.authenticate({ headers: headers(`Bearer ${await deleted.saToken()}`) }))
      .toEqual({ ok: false, reason: 'serviceaccounts "builder" not found' });
    const recreated = await setup({ sa: { uid: "other-uid" } });
    expect(await recreated.authenticate({ headers: headers(`Bearer ${await recreated.saToken()}`) }))
      .toMatchObject({ ok: false, reason: expect.stringMatching(/does not match claim/) });
    const terminating = await setup({ sa: { uid: "sa-uid", deletionTimestamp: new Date(NOW.getTime() - 120_000).toISOString() } });
    expect((await terminating.authenticate({ headers: headers(`Bearer ${await terminating.saToken()}`) })).ok).toBe(false);
    const podGone = await setup({ pod: undefined });
    expect(await podGone.authenticate({ headers: headers(`Bearer ${await podGone.saToken({ pod: { name: "web-1", uid: "pod-uid" } })}`) }))
      .toEqual({ ok: false, reason: "service account token has been invalidated" });
    const podReplaced = await setup({ pod: { uid: "new-pod" } });
    expect((await podReplaced.authenticate({ headers: headers(`Bearer ${await podReplaced.saToken({ pod: { name: "web-1", uid: "pod-uid" } })}`) })).ok).toBe(false);
  });

  it("uses verified client certificates, and falls back to anonymous without credentials", async () => {
    const { authenticate } = await setup();
    expect(await authenticate({ headers: headers(), clientCertificate: { commonName: "system:node:b", organizations: ["system:nodes"] } }))
      .toEqual({ ok: true, method: "x509", user: { username: "system:node:b", groups: ["system:nodes", "system:authenticated"], extra: {} } });
    expect(await authenticate({ headers: headers() })).toEqual({
      ok: true, method: "anonymous", user: { username: "system:anonymous", groups: ["system:unauthenticated"], extra: {} },
    });
    expect((await authenticate({ headers: headers("Basic Zm9vOmJhcg==") })).ok && "anonymous").toBe("anonymous");
    const closed = createAuthenticator({ anonymous: false });
    expect(await closed.call(null, { headers: headers() })).toEqual({ ok: false, reason: "no credentials" });
  });

  it("reads a client certificate's identity only when the client CA signed it", async () => {
    const pki = await loadOrCreatePki(memoryFileStore(), { hostname: "h" });
    const other = await loadOrCreatePki(memoryFileStore(), { hostname: "h" });
    const issued = await pki.issueClientCertificate("system:node:node-a", ["system:nodes"]);
    const der = new Uint8Array(new x509.X509Certificate(issued.certPem).rawData);
    expect(await verifiedClientIdentity(der, pki.clientCa.certPem)).toMatchObject({
      commonName: "system:node:node-a", organizations: ["system:nodes"], sha256Fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(await verifiedClientIdentity(der, other.clientCa.certPem)).toBeUndefined();
    expect(await verifiedClientIdentity(der, pki.clientCa.certPem, new Date(Date.now() + 400 * 86400_000))).toBeUndefined();
    // The serving certificate is for servers, not clients.
    const serving = new Uint8Array(new x509.X509Certificate(pki.serving.certPem).rawData);
    const servingWithClientCa = await verifiedClientIdentity(serving, pki.serverCa.certPem);
    expect(servingWithClientCa).toBeUndefined();
  });
});
