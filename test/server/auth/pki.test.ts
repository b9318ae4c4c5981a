import { X509Certificate, createHash } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { memoryFileStore } from "../../../server/auth/file-store.ts";
import { nodeFileStore } from "../../../server/auth/node-file-store.ts";
import { loadOrCreatePki, PKI_FILES, type Pki } from "../../../server/auth/pki.ts";
import { x509 } from "../../../server/auth/x509-lib.ts";
import { firstServiceIp, normalizeIp } from "../../../server/auth/serving-sans.ts";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const options = {
  hostname: "node-a",
  addresses: ["192.168.1.10", "fd00::10"],
  tlsSans: ["k3ts.example.com", "203.0.113.7"],
};

/** EKU and key usage, parsed with @peculiar/x509 (Deno's node:crypto reports keyUsage differently from Node's). */
function usages(pem: string): { eku: string[]; keyUsage: number; ca: boolean | undefined } {
  const cert = new x509.X509Certificate(pem);
  return {
    eku: (cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []).map(String),
    keyUsage: cert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0,
    ca: cert.getExtension(x509.BasicConstraintsExtension)?.ca,
  };
}

function sanList(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? "").split(", ");
}

describe("PKI", () => {
  it("creates CAs, a serving certificate with every SAN, and a client certificate", async () => {
    const store = memoryFileStore();
    const pki = await loadOrCreatePki(store, options);

    const serverCa = new X509Certificate(pki.serverCa.certPem);
    const clientCa = new X509Certificate(pki.clientCa.certPem);
    expect(serverCa.ca).toBe(true);
    expect(clientCa.ca).toBe(true);
    expect(serverCa.subject).toMatch(/^CN=k3ts-server-ca@\d+$/);
    expect(serverCa.fingerprint256).not.toBe(clientCa.fingerprint256);

    const serving = new X509Certificate(pki.serving.certPem);
    expect(serving.ca).toBe(false);
    expect(serving.checkIssued(serverCa)).toBe(true);
    expect(serving.verify(serverCa.publicKey)).toBe(true);
    expect(serving.verify(clientCa.publicKey)).toBe(false);
    expect(usages(pki.serving.certPem)).toEqual({ eku: [SERVER_AUTH], keyUsage: x509.KeyUsageFlags.digitalSignature, ca: false });
    expect(usages(pki.serverCa.certPem)).toEqual({
      eku: [],
      keyUsage: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
      ca: true,
    });
    expect(serving.checkPrivateKey(await import("node:crypto").then((c) => c.createPrivateKey(pki.serving.keyPem)))).toBe(true);
    const sans = sanList(serving);
    for (const dns of ["node-a", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
      "kubernetes.default.svc.cluster.local", "k3ts.example.com"]) {
      expect(sans).toContain(`DNS:${dns}`);
    }
    for (const ip of ["127.0.0.1", "192.168.1.10", "10.43.0.1", "203.0.113.7"]) expect(sans).toContain(`IP Address:${ip}`);
    expect(serving.checkIP("::1")).toBe("::1");
    expect(serving.checkIP("fd00::10")).toBe("fd00::10");
    expect(serving.checkIP("10.43.0.2")).toBeUndefined();
    expect(serving.checkHost("kubernetes.default.svc")).toBe("kubernetes.default.svc");
    expect(serving.checkHost("other.example.com")).toBeUndefined();

    const admin = await pki.issueClientCertificate("system:admin", ["system:masters"]);
    const adminCert = new X509Certificate(admin.certPem);
    expect(adminCert.subject).toBe("CN=system:admin\nO=system:masters");
    expect(adminCert.verify(clientCa.publicKey)).toBe(true);
    expect(usages(admin.certPem).eku).toEqual([CLIENT_AUTH]);
    const node = await pki.issueClientCertificate("system:node:node-a", ["system:nodes", "extra,group"]);
    // Each group is its own O, even one with a comma (node:crypto escapes it on Node but not on Deno).
    const nodeName = new x509.X509Certificate(node.certPem).subjectName;
    expect(nodeName.getField("CN")).toEqual(["system:node:node-a"]);
    expect(nodeName.getField("O")).toEqual(["system:nodes", "extra,group"]);

    for (const key of [PKI_FILES.serverCaKey, PKI_FILES.clientCaKey, PKI_FILES.servingKey, PKI_FILES.serviceAccountKey]) {
      expect(store.files.get(key)?.secret, key).toBe(true);
    }
    expect(store.files.get(PKI_FILES.serverCaCert)?.secret).toBe(false);
  });

  it("reloads on restart without regenerating, and re-issues only the serving certificate when SANs change", async () => {
    const store = memoryFileStore();
    const first = await loadOrCreatePki(store, options);
    expect(first.written.length).toBe(7);

    const second = await loadOrCreatePki(store, options);
    expect(second.written).toEqual([]);
    expect(second.serverCa.certPem).toBe(first.serverCa.certPem);
    expect(second.serving.certPem).toBe(first.serving.certPem);
    const jwk = async (p: Pki) => JSON.stringify(await crypto.subtle.exportKey("jwk", p.serviceAccountKeys.publicKey));
    expect(await jwk(second)).toBe(await jwk(first));

    const third = await loadOrCreatePki(store, { ...options, tlsSans: ["k3ts.example.com", "203.0.113.8"] });
    expect(third.written).toEqual([PKI_FILES.servingCert]);
    expect(third.serverCa.certPem).toBe(first.serverCa.certPem);
    const serving = new X509Certificate(third.serving.certPem);
    expect(serving.checkIP("203.0.113.8")).toBe("203.0.113.8");
    expect(serving.checkIP("203.0.113.7")).toBeUndefined();
    expect(serving.verify(new X509Certificate(first.serverCa.certPem).publicKey)).toBe(true);

    // Spelling an IPv6 SAN differently is not a change.
    const fourth = await loadOrCreatePki(store, { ...options, addresses: ["192.168.1.10", "fd00:0:0::10"], tlsSans: ["K3TS.example.com", "203.0.113.8"] });
    expect(fourth.written).toEqual([]);
  });

  it("re-issues a serving certificate that nears expiry", async () => {
    const store = memoryFileStore();
    const start = new Date("2030-01-01T00:00:00Z");
    await loadOrCreatePki(store, { ...options, now: () => start });
    const later = await loadOrCreatePki(store, { ...options, now: () => new Date("2030-06-01T00:00:00Z") });
    expect(later.written).toEqual([]);
    const renewed = await loadOrCreatePki(store, { ...options, now: () => new Date("2030-11-01T00:00:00Z") });
    expect(renewed.written).toEqual([PKI_FILES.servingCert]);
    expect(new X509Certificate(renewed.serving.certPem).validToDate.getTime()).toBeGreaterThan(new Date("2031-10-01").getTime());
  });

  it("refuses to replace half of a CA", async () => {
    const store = memoryFileStore();
    await loadOrCreatePki(store, options);
    store.files.delete(PKI_FILES.serverCaKey);
    await expect(loadOrCreatePki(store, options)).rejects.toThrow(/server-ca.key is missing/);
  });

  it("computes the first Service IP and normalizes addresses", () => {
    expect(firstServiceIp("10.43.0.0/16")).toBe("10.43.0.1");
    expect(firstServiceIp("10.43.7.9/16")).toBe("10.43.0.1");
    expect(firstServiceIp("2001:cafe:43::/112")).toBe("2001:cafe:43::1");
    expect(() => firstServiceIp("10.43.0.0")).toThrow();
    expect(normalizeIp("0:0:0:0:0:0:0:1")).toBe("::1");
    expect(normalizeIp("256.1.1.1")).toBeUndefined();
    expect(normalizeIp("localhost")).toBeUndefined();
  });
});

describe("PKI on disk", () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps private keys 0600 and certificates 0644, and reloads them", async () => {
    dir = await mkdtemp(join(tmpdir(), "k3ts-pki-"));
    const tlsDir = join(dir, "server", "tls");
    const pki = await loadOrCreatePki(nodeFileStore(tlsDir), options);
    for (const key of [PKI_FILES.serverCaKey, PKI_FILES.clientCaKey, PKI_FILES.servingKey, PKI_FILES.serviceAccountKey]) {
      expect((await stat(join(tlsDir, key))).mode & 0o777, key).toBe(0o600);
    }
    expect((await stat(join(tlsDir, PKI_FILES.serverCaCert))).mode & 0o777).toBe(0o644);
    expect((await stat(tlsDir)).mode & 0o777).toBe(0o700);
    const again = await loadOrCreatePki(nodeFileStore(tlsDir), options);
    expect(again.written).toEqual([]);
    expect(again.serverCa.certPem).toBe(pki.serverCa.certPem);
    // The stored file is exactly the PEM that join tokens hash.
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(join(tlsDir, PKI_FILES.serverCaCert), "utf8")).toBe(pki.serverCa.certPem);
    expect(createHash("sha256").update(pki.serverCa.certPem).digest("hex")).toHaveLength(64);
  });
});

describe("TLS handshake on loopback", () => {
  interface Outcome { authorized: boolean; peerCn?: string; error?: string }

  async function handshake(pki: Pki, client: tls.ConnectionOptions): Promise<{ client: Outcome; server?: Outcome }> {
    let serverOutcome: Outcome | undefined;
    const server = tls.createServer({
      cert: pki.serving.certPem,
      key: pki.serving.keyPem,
      ca: pki.clientCa.certPem,
      requestCert: true,
      rejectUnauthorized: false, // anonymous clients are allowed; the authenticator decides
    }, (socket) => {
      const peer = socket.getPeerCertificate();
      serverOutcome = { authorized: socket.authorized, peerCn: peer && "subject" in peer ? String(peer.subject?.CN) : undefined };
      socket.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const clientOutcome = await new Promise<Outcome>((resolve) => {
        const socket = tls.connect({ host: "127.0.0.1", port, ...client }, () => {
          socket.once("data", () => {
            resolve({ authorized: socket.authorized });
            socket.end();
          });
        });
        socket.once("error", (error: NodeJS.ErrnoException) => resolve({ authorized: false, error: error.code ?? error.message }));
      });
      return { client: clientOutcome, server: serverOutcome };
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it("serves with the generated certificate, trusted through the cluster CA, and reads client certificates", async () => {
    const pki = await loadOrCreatePki(memoryFileStore(), options);
    const admin = await pki.issueClientCertificate("system:admin", ["system:masters"]);

    const byIp = await handshake(pki, { ca: pki.serverCa.certPem, cert: admin.certPem, key: admin.keyPem });
    expect(byIp.client).toEqual({ authorized: true });
    expect(byIp.server).toEqual({ authorized: true, peerCn: "system:admin" });

    const byName = await handshake(pki, { ca: pki.serverCa.certPem, servername: "kubernetes.default.svc.cluster.local" });
    expect(byName.client).toEqual({ authorized: true });
    expect(byName.server?.authorized).toBe(false); // no client certificate

    const wrongName = await handshake(pki, { ca: pki.serverCa.certPem, servername: "evil.example.com" });
    expect(wrongName.client.error).toBe("ERR_TLS_CERT_ALTNAME_INVALID");

    const otherCluster = await loadOrCreatePki(memoryFileStore(), options);
    const untrusted = await handshake(pki, { ca: otherCluster.serverCa.certPem });
    expect(untrusted.client.authorized).toBe(false);
    expect(untrusted.client.error).toBeDefined();

    // A client certificate from another cluster's CA is not authorized.
    const foreign = await otherCluster.issueClientCertificate("system:admin", ["system:masters"]);
    const foreignClient = await handshake(pki, { ca: pki.serverCa.certPem, cert: foreign.certPem, key: foreign.keyPem });
    expect(foreignClient.server?.authorized).toBe(false);
  });
});
