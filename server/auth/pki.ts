/**
 * The cluster's PKI, loaded from a FileStore or created there on first start:
 *   server-ca.crt/.key                 signs serving certificates; its PEM is what join tokens pin
 *   client-ca.crt/.key                 signs client certificates (admin, nodes, components)
 *   serving-kube-apiserver.crt/.key    the API server's TLS certificate
 *   service.key                        signs ServiceAccount tokens
 * File names follow k3s's server/tls directory. A restart reloads everything; only the serving
 * certificate is re-issued, when its names change, its CA changed or it nears expiry.
 */
import { X509Certificate } from "node:crypto";
import type { SubjectAltNames } from "./certificates.ts";
import type { FileStore } from "./file-store.ts";
import { exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem } from "./keys.ts";
import { normalizeIp, sameSubjectAltNames, type ServingNameOptions, servingSubjectAltNames } from "./serving-sans.ts";

// Certificates that exist are read and checked with node:crypto's X509Certificate (Node and Deno);
// certificates.ts and @peculiar/x509 (with reflect-metadata, tsyringe and the asn1 modules, about
// 10 MB of RSS) are imported only when a certificate must be issued.
const issuing = () => import("./certificates.ts");

export const PKI_FILES = {
  serverCaCert: "server-ca.crt",
  serverCaKey: "server-ca.key",
  clientCaCert: "client-ca.crt",
  clientCaKey: "client-ca.key",
  servingCert: "serving-kube-apiserver.crt",
  servingKey: "serving-kube-apiserver.key",
  serviceAccountKey: "service.key",
} as const;

const CA_DAYS = 3650; // as k3s
const LEAF_DAYS = 365; // as k3s
const RENEW_BEFORE_DAYS = 90; // k3s renews certificates that expire within 90 days

export interface PkiOptions extends ServingNameOptions {
  /** The clock; tests move it. */
  now?: () => Date;
}

/** A CA with the PEM text exactly as stored (join tokens hash these bytes). */
export interface LoadedCa {
  certificate: X509Certificate;
  keys: CryptoKeyPair;
  certPem: string;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  certificate: X509Certificate;
}

export interface Pki {
  serverCa: LoadedCa;
  clientCa: LoadedCa;
  serving: IssuedCertificate & { sans: SubjectAltNames };
  /** ServiceAccount token signing key pair (P-256, ES256). */
  serviceAccountKeys: CryptoKeyPair;
  /** Store names written during this load: empty on a plain restart. */
  written: string[];
  /** A client certificate for `user` (CN) in `groups` (O), signed by the client CA, with a fresh key. */
  issueClientCertificate(user: string, groups?: string[], options?: { days?: number }): Promise<IssuedCertificate>;
  /** A serving certificate for `commonName` with `sans`, signed by the server CA, with a fresh key (kubelets'). */
  issueServingCertificate(commonName: string, sans: SubjectAltNames, options?: { days?: number }): Promise<IssuedCertificate>;
}

export async function loadOrCreatePki(store: FileStore, options: PkiOptions): Promise<Pki> {
  const now = options.now ?? (() => new Date());
  const written: string[] = [];
  const write = async (name: string, content: string, secret: boolean) => {
    await store.write(name, content, { secret });
    written.push(name);
  };

  const loadOrCreateKey = async (name: string): Promise<CryptoKeyPair> => {
    const existing = await store.read(name);
    if (existing !== undefined) return importPrivateKeyPem(existing);
    const keys = await generateKeyPair();
    await write(name, await exportPrivateKeyPem(keys.privateKey), true);
    return keys;
  };

  const loadOrCreateCa = async (certName: string, keyName: string, prefix: string): Promise<LoadedCa> => {
    const keyPem = await store.read(keyName);
    const certPem = await store.read(certName);
    if (keyPem !== undefined && certPem !== undefined) {
      return { keys: await importPrivateKeyPem(keyPem), certificate: new X509Certificate(certPem), certPem };
    }
    if (keyPem !== undefined || certPem !== undefined) {
      // Never silently replace half of a CA: every token and kubeconfig pins the old one.
      throw new Error(`PKI: ${keyPem === undefined ? keyName : certName} is missing while its pair exists`);
    }
    const keys = await generateKeyPair();
    const issued = now();
    // The timestamp in the name, as k3s does, tells CA generations apart.
    const commonName = `${prefix}@${Math.floor(issued.getTime() / 1000)}`;
    const { certificatePem, createCertificateAuthority } = await issuing();
    const pem = certificatePem(await createCertificateAuthority({ commonName, keys, now: issued, days: CA_DAYS }));
    await write(keyName, await exportPrivateKeyPem(keys.privateKey), true);
    await write(certName, pem, false);
    return { keys, certificate: new X509Certificate(pem), certPem: pem };
  };

  const serverCa = await loadOrCreateCa(PKI_FILES.serverCaCert, PKI_FILES.serverCaKey, "k3ts-server-ca");
  const clientCa = await loadOrCreateCa(PKI_FILES.clientCaCert, PKI_FILES.clientCaKey, "k3ts-client-ca");
  const serviceAccountKeys = await loadOrCreateKey(PKI_FILES.serviceAccountKey);

  const sans = servingSubjectAltNames(options);
  const servingKeys = await loadOrCreateKey(PKI_FILES.servingKey);
  const servingKeyPem = (await store.read(PKI_FILES.servingKey))!;
  const existingPem = await store.read(PKI_FILES.servingCert);
  let serving: IssuedCertificate | undefined;
  if (existingPem !== undefined) {
    const certificate = new X509Certificate(existingPem);
    if (await servingCertificateCurrent(certificate, serverCa, servingKeys, sans, now())) {
      serving = { certPem: existingPem, keyPem: servingKeyPem, certificate };
    }
  }
  if (serving === undefined) {
    const { certificatePem, issueCertificate, parseCertificatePem } = await issuing();
    const issued = await issueCertificate({
      ca: { certificate: parseCertificatePem(serverCa.certPem), keys: serverCa.keys },
      publicKey: servingKeys.publicKey,
      commonName: "k3ts",
      organizations: ["k3ts"],
      usage: "server",
      sans,
      now: now(),
      days: LEAF_DAYS,
    });
    const certPem = certificatePem(issued);
    await write(PKI_FILES.servingCert, certPem, false);
    serving = { certPem, keyPem: servingKeyPem, certificate: new X509Certificate(certPem) };
  }

  return {
    serverCa,
    clientCa,
    serving: { ...serving, sans: subjectAltNamesOf(serving.certificate) },
    serviceAccountKeys,
    written,
    async issueClientCertificate(user, groups = [], issueOptions = {}) {
      const keys = await generateKeyPair();
      const { certificatePem, issueCertificate, parseCertificatePem } = await issuing();
      const certificate = await issueCertificate({
        ca: { certificate: parseCertificatePem(clientCa.certPem), keys: clientCa.keys },
        publicKey: keys.publicKey,
        commonName: user,
        organizations: groups,
        usage: "client",
        now: now(),
        days: issueOptions.days ?? LEAF_DAYS,
      });
      const certPem = certificatePem(certificate);
      return { certificate: new X509Certificate(certPem), certPem, keyPem: await exportPrivateKeyPem(keys.privateKey) };
    },
    async issueServingCertificate(commonName, names, issueOptions = {}) {
      const keys = await generateKeyPair();
      const { certificatePem, issueCertificate, parseCertificatePem } = await issuing();
      const certificate = await issueCertificate({
        ca: { certificate: parseCertificatePem(serverCa.certPem), keys: serverCa.keys },
        publicKey: keys.publicKey,
        commonName,
        usage: "server",
        sans: names,
        now: now(),
        days: issueOptions.days ?? LEAF_DAYS,
      });
      const certPem = certificatePem(certificate);
      return { certificate: new X509Certificate(certPem), certPem, keyPem: await exportPrivateKeyPem(keys.privateKey) };
    },
  };
}

/** A serving certificate is kept when it names exactly `sans`, is ours, matches its key and is not near expiry. */
async function servingCertificateCurrent(
  certificate: X509Certificate,
  ca: LoadedCa,
  keys: CryptoKeyPair,
  sans: SubjectAltNames,
  now: Date,
): Promise<boolean> {
  if (!sameSubjectAltNames(subjectAltNamesOf(certificate), sans)) return false;
  if (certificate.validToDate.getTime() - now.getTime() < RENEW_BEFORE_DAYS * 24 * 60 * 60 * 1000) return false;
  // Signed by the CA: issuer name and signature, not the validity period.
  if (certificate.issuer !== ca.certificate.subject || !certificate.verify(ca.certificate.publicKey)) return false;
  const stored = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const inCertificate = certificate.publicKey.export({ type: "spki", format: "der" }); // SubjectPublicKeyInfo DER
  return stored.length === inCertificate.length && stored.every((b, i) => b === inCertificate[i]);
}

/**
 * The SANs a certificate carries, from node:crypto's `subjectAltName` text ("DNS:a, IP Address:b";
 * a value with special characters comes JSON-quoted), IPs spelled as normalizeIp spells them.
 */
export function subjectAltNamesOf(certificate: X509Certificate): SubjectAltNames {
  const result: SubjectAltNames = { dnsNames: [], ipAddresses: [] };
  for (const match of (certificate.subjectAltName ?? "").matchAll(/([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const value = match[2]!.startsWith('"') ? (JSON.parse(match[2]!) as string) : match[2]!;
    if (match[1] === "DNS") result.dnsNames.push(value);
    if (match[1] === "IP Address") result.ipAddresses.push(normalizeIp(value) ?? value);
  }
  return result;
}
