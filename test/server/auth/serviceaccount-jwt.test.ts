import { describe, expect, it } from "vitest";
import { decodeBase64Url, encodeBase64Url } from "../../../server/auth/base64url.ts";
import { generateKeyPair } from "../../../server/auth/keys.ts";
import {
  keyId,
  openIdConfiguration,
  serviceAccountJwks,
  signServiceAccountToken,
  verifyServiceAccountToken,
} from "../../../server/auth/serviceaccount-jwt.ts";

const ISSUER = "https://kubernetes.default.svc.cluster.local";
const T0 = new Date("2030-01-01T00:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const decode = (part: string) => JSON.parse(new TextDecoder().decode(decodeBase64Url(part)));

async function setup() {
  const keys = await generateKeyPair();
  const signer = { issuer: ISSUER, ...keys };
  const verify = { issuers: [ISSUER], publicKeys: [keys.publicKey] };
  return { keys, signer, verify };
}

const request = {
  namespace: "default",
  name: "builder",
  uid: "sa-uid",
  audiences: [ISSUER, "k3ts"],
  expirationSeconds: 3600,
  pod: { name: "web-1", uid: "pod-uid" },
  node: { name: "node-a", uid: "node-uid" },
  now: T0,
};

describe("ServiceAccount JWT", () => {
  it("signs the upstream claims and verifies them", async () => {
    const { signer, verify, keys } = await setup();
    const token = await signServiceAccountToken(signer, request);
    const [header, payload] = token.split(".");
    expect(decode(header!)).toEqual({ alg: "ES256", kid: await keyId(keys.publicKey) });
    const claims = decode(payload!);
    expect(claims).toMatchObject({
      iss: ISSUER,
      sub: "system:serviceaccount:default:builder",
      aud: [ISSUER, "k3ts"],
      iat: T0.getTime() / 1000,
      nbf: T0.getTime() / 1000,
      exp: T0.getTime() / 1000 + 3600,
      "kubernetes.io": {
        namespace: "default",
        serviceaccount: { name: "builder", uid: "sa-uid" },
        pod: { name: "web-1", uid: "pod-uid" },
        node: { name: "node-a", uid: "node-uid" },
      },
    });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    const result = await verifyServiceAccountToken(token, { ...verify, now: at(60) });
    expect(result).toEqual({ ok: true, claims });
  });

  it("rejects expired, not-yet-valid, wrong-audience and foreign-key tokens", async () => {
    const { signer, verify } = await setup();
    const token = await signServiceAccountToken(signer, request);
    expect(await verifyServiceAccountToken(token, { ...verify, now: at(3600 + 59) })).toMatchObject({ ok: true });
    expect(await verifyServiceAccountToken(token, { ...verify, now: at(3600 + 61) }))
      .toEqual({ ok: false, ours: true, reason: "service account token has expired" });
    expect(await verifyServiceAccountToken(token, { ...verify, now: at(-120) }))
      .toEqual({ ok: false, ours: true, reason: "service account token is not valid yet" });
    expect(await verifyServiceAccountToken(token, { ...verify, audiences: ["vault"], now: T0 }))
      .toMatchObject({ ok: false, ours: true, reason: expect.stringMatching(/token audiences .* is invalid/) });
    expect(await verifyServiceAccountToken(token, { ...verify, audiences: ["k3ts"], now: T0 })).toMatchObject({ ok: true });

    const other = await generateKeyPair();
    expect(await verifyServiceAccountToken(token, { ...verify, publicKeys: [other.publicKey], now: T0 }))
      .toEqual({ ok: false, ours: true, reason: "invalid signature" });
    // Key rotation: the old key still verifies while it is listed.
    expect(await verifyServiceAccountToken(token, { ...verify, publicKeys: [other.publicKey, signer.publicKey], now: T0 }))
      .toMatchObject({ ok: true });
  });

  it("rejects tampered tokens and algorithm tricks, and leaves foreign tokens to others", async () => {
    const { signer, verify } = await setup();
    const token = await signServiceAccountToken(signer, request);
    const [header, payload, signature] = token.split(".") as [string, string, string];

    const claims = decode(payload);
    claims["kubernetes.io"].serviceaccount.name = "admin";
    claims.sub = "system:serviceaccount:default:admin";
    const forged = `${header}.${encodeBase64Url(JSON.stringify(claims))}.${signature}`;
    expect(await verifyServiceAccountToken(forged, { ...verify, now: T0 })).toEqual({ ok: false, ours: true, reason: "invalid signature" });

    const flipped = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11);
    expect(await verifyServiceAccountToken(`${header}.${payload}.${flipped}`, { ...verify, now: T0 })).toMatchObject({ ok: false, ours: true });

    const none = `${encodeBase64Url(JSON.stringify({ alg: "none" }))}.${payload}.`;
    expect(await verifyServiceAccountToken(none, { ...verify, now: T0 })).toMatchObject({ ok: false, ours: true, reason: expect.stringMatching(/unsupported/) });

    const foreignIssuer = await signServiceAccountToken({ ...signer, issuer: "https://elsewhere" }, request);
    expect(await verifyServiceAccountToken(foreignIssuer, { ...verify, now: T0 })).toMatchObject({ ok: false, ours: false });
    expect(await verifyServiceAccountToken("static-token", { ...verify, now: T0 })).toMatchObject({ ok: false, ours: false });
    expect(await verifyServiceAccountToken("a.b.c", { ...verify, now: T0 })).toMatchObject({ ok: false, ours: false });
  });

  it("signs and verifies RS256 too", async () => {
    const keys = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const token = await signServiceAccountToken({ issuer: ISSUER, ...keys }, request);
    expect(decode(token.split(".")[0]!).alg).toBe("RS256");
    expect(await verifyServiceAccountToken(token, { issuers: [ISSUER], publicKeys: [keys.publicKey], now: T0 })).toMatchObject({ ok: true });
    const jwks = await serviceAccountJwks([keys.publicKey]);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", e: "AQAB" });
  });

  it("publishes a JWKS that verifies the tokens, and the discovery document", async () => {
    const { signer } = await setup();
    const jwks = await serviceAccountJwks([signer.publicKey]);
    expect(jwks.keys).toHaveLength(1);
    const [jwk] = jwks.keys;
    expect(jwk).toMatchObject({ use: "sig", kty: "EC", crv: "P-256", alg: "ES256", kid: await keyId(signer.publicKey) });
    expect(Object.keys(jwk!)).not.toContain("d");

    // A relying party imports the published key and checks a token with it.
    const imported = await crypto.subtle.importKey("jwk", { kty: jwk!.kty, crv: jwk!.crv, x: jwk!.x, y: jwk!.y }, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
    const token = await signServiceAccountToken(signer, request);
    expect(await verifyServiceAccountToken(token, { issuers: [ISSUER], publicKeys: [imported], now: T0 })).toMatchObject({ ok: true });

    expect(openIdConfiguration({ issuer: ISSUER, publicKeys: [signer.publicKey] })).toEqual({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/openid/v1/jwks`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["ES256"],
    });
  });
});
