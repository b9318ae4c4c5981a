import { createHash, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { certificatePem, createCertificateAuthority } from "../../../server/auth/certificates.ts";
import { constantTimeEqual } from "../../../server/auth/constant-time.ts";
import { memoryFileStore } from "../../../server/auth/file-store.ts";
import { EC_P256, generateKeyPair } from "../../../server/auth/keys.ts";
import { loadOrCreatePki } from "../../../server/auth/pki.ts";
import {
  formatToken,
  hashCaBundle,
  joinRole,
  loadOrCreateServerTokens,
  parseToken,
  TOKEN_FILES,
  TokenFormatError,
  verifyCaHash,
} from "../../../server/auth/tokens.ts";
import { x509 } from "../../../server/auth/x509-lib.ts";

const HASH = "a".repeat(64);
const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

describe("parseToken", () => {
  it("parses full, short and bootstrap tokens", () => {
    expect(parseToken(`K10${HASH}::server:s3cret`)).toEqual({ caHash: HASH, username: "server", password: "s3cret" });
    expect(parseToken(`K10${HASH}::node:pw:with:colons`)).toEqual({ caHash: HASH, username: "node", password: "pw:with:colons" });
    expect(parseToken("justapassword")).toEqual({ username: "", password: "justapassword" });
    expect(parseToken("K10::node:pw")).toEqual({ caHash: undefined, username: "node", password: "pw" });
    expect(parseToken("abcdef.0123456789abcdef")).toEqual({
      username: "", password: "", bootstrapToken: { id: "abcdef", secret: "0123456789abcdef" },
    });
    expect(parseToken(`K10${HASH}::abcdef.0123456789abcdef`).bootstrapToken?.id).toBe("abcdef");
  });

  it("rejects malformed tokens", () => {
    expect(() => parseToken("")).toThrow(TokenFormatError);
    expect(() => parseToken("K10abc::server:pw")).toThrow(/CA hash length/);
    expect(() => parseToken(`K10${HASH}::server:`)).toThrow(/invalid token format/);
    expect(() => parseToken(`K10${HASH}::nocolon`)).toThrow(/invalid token format/);
  });
});

describe("CA hash", () => {
  it("hashes a single CA as the literal PEM bytes, as k3s does", async () => {
    const pki = await loadOrCreatePki(memoryFileStore(), { hostname: "h" });
    const pem = pki.serverCa.certPem;
    expect(await hashCaBundle(pem)).toBe(sha256(pem));
    const token = await formatToken(pem, "server", "pw");
    expect(token).toBe(`K10${sha256(pem)}::server:pw`);
    expect(await verifyCaHash(parseToken(token), pem)).toEqual({ ok: true, actual: sha256(pem) });

    const other = await loadOrCreatePki(memoryFileStore(), { hostname: "h" });
    expect((await verifyCaHash(parseToken(token), other.serverCa.certPem)).ok).toBe(false);
    expect((await verifyCaHash(parseToken("pw"), other.serverCa.certPem)).ok).toBe(true); // short: no pinning
  });

  it("hashes a bundle as the DER of the root the first certificate chains to", async () => {
    const now = new Date();
    const rootKeys = await generateKeyPair();
    const root = await createCertificateAuthority({ commonName: "root", keys: rootKeys, now, days: 10 });
    const intermediateKeys = await generateKeyPair();
    const intermediate = await x509.X509CertificateGenerator.create({
      subject: "CN=intermediate",
      issuer: root.subjectName,
      publicKey: intermediateKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: EC_P256,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey)],
    });
    const bundle = certificatePem(intermediate) + certificatePem(root);
    const rootDer = new Uint8Array(new X509Certificate(certificatePem(root)).raw);
    expect(await hashCaBundle(bundle)).toBe(sha256(rootDer));
    expect(await hashCaBundle(bundle)).not.toBe(sha256(bundle));
    await expect(hashCaBundle("not a certificate")).rejects.toThrow();
  });
});

describe("server tokens", () => {
  it("creates, persists and reloads the server, agent and admin tokens", async () => {
    const pki = await loadOrCreatePki(memoryFileStore(), { hostname: "h" });
    const store = memoryFileStore();
    const tokens = await loadOrCreateServerTokens(store, { caBundle: pki.serverCa.certPem });
    const hash = sha256(pki.serverCa.certPem);
    expect(tokens.server).toBe(`K10${hash}::server:${tokens.serverPassword}`);
    expect(tokens.agent).toBe(`K10${hash}::node:${tokens.agentPassword}`);
    expect(tokens.serverPassword).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens.admin).toMatch(/^[0-9a-f]{64}$/);
    for (const file of Object.values(TOKEN_FILES)) expect(store.files.get(file)?.secret, file).toBe(true);
    expect(store.files.get(TOKEN_FILES.server)?.content).toBe(tokens.server + "\n");

    const again = await loadOrCreateServerTokens(store, { caBundle: pki.serverCa.certPem });
    expect(again).toEqual(tokens);
  });

  it("takes --token and --agent-token, and rejects a full token for another CA", async () => {
    const pki = await loadOrCreatePki(memoryFileStore(), { hostname: "h" });
    const other = await loadOrCreatePki(memoryFileStore(), { hostname: "h" });
    const tokens = await loadOrCreateServerTokens(memoryFileStore(), { caBundle: pki.serverCa.certPem, token: "mytoken", agentToken: "agentpw" });
    expect(tokens.serverPassword).toBe("mytoken");
    expect(tokens.agentPassword).toBe("agentpw");
    const full = await formatToken(pki.serverCa.certPem, "server", "fromfull");
    expect((await loadOrCreateServerTokens(memoryFileStore(), { caBundle: pki.serverCa.certPem, token: full })).serverPassword).toBe("fromfull");
    const foreign = await formatToken(other.serverCa.certPem, "server", "x");
    await expect(loadOrCreateServerTokens(memoryFileStore(), { caBundle: pki.serverCa.certPem, token: foreign })).rejects.toThrow(/CA hash/);
  });

  it("tells join credentials apart", async () => {
    const tokens = { serverPassword: "serverpw", agentPassword: "agentpw" };
    expect(await joinRole(basic("server", "serverpw"), tokens)).toBe("server");
    expect(await joinRole(basic("node", "agentpw"), tokens)).toBe("node");
    expect(await joinRole(basic("node", "serverpw"), tokens)).toBe("node");
    expect(await joinRole(basic("server", "agentpw"), tokens)).toBeUndefined();
    expect(await joinRole(basic("node", "wrong"), tokens)).toBeUndefined();
    expect(await joinRole(`Bearer K10${HASH}::node:agentpw`, tokens)).toBe("node");
    expect(await joinRole("Bearer serverpw", tokens)).toBe("server");
    expect(await joinRole("Basic !!!", tokens)).toBeUndefined();
    expect(await joinRole(null, tokens)).toBeUndefined();
  });

  it("compares secrets exactly", async () => {
    expect(await constantTimeEqual("abc", "abc")).toBe(true);
    expect(await constantTimeEqual("abc", "abd")).toBe(false);
    expect(await constantTimeEqual("abc", "abcd")).toBe(false);
    expect(await constantTimeEqual("", "")).toBe(true);
  });
});
