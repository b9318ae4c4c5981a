/**
 * Issuing X.509 certificates: self-signed CAs and the leaves they sign (serving and client).
 * Pure functions of keys and names; where they are stored is pki.ts's business.
 */
import { EC_P256 } from "./keys.ts";
import { x509 } from "./x509-lib.ts";

export type Certificate = InstanceType<typeof x509.X509Certificate>;

/** A CA as the issuing code needs it: its certificate and signing key. */
export interface CertificateAuthority {
  certificate: Certificate;
  keys: CryptoKeyPair;
}

/** Subject Alternative Names, split the way X.509 stores them. */
export interface SubjectAltNames {
  dnsNames: string[];
  ipAddresses: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
// Backdated so that a peer whose clock is a little behind does not reject a fresh certificate.
const BACKDATE_MS = 5 * 60 * 1000;

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

/** A self-signed CA, valid for `days` (k3s uses 10 years). */
export async function createCertificateAuthority(options: {
  commonName: string;
  keys: CryptoKeyPair;
  now: Date;
  days: number;
}): Promise<Certificate> {
  return x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [options.commonName] }],
    keys: options.keys,
    signingAlgorithm: EC_P256,
    ...validity(options.now, options.days),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(options.keys.publicKey),
    ],
  });
}

/** A leaf certificate signed by `ca`, for a TLS server or a TLS client. */
export async function issueCertificate(options: {
  ca: CertificateAuthority;
  publicKey: CryptoKey;
  commonName: string;
  organizations?: string[];
  usage: "server" | "client";
  sans?: SubjectAltNames;
  now: Date;
  days: number;
}): Promise<Certificate> {
  const { ca } = options;
  const names = [
    ...(options.sans?.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(options.sans?.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  return x509.X509CertificateGenerator.create({
    // Kubernetes reads the user from CN and the groups from each O, so each group is its own RDN.
    subject: [{ CN: [options.commonName] }, ...(options.organizations ?? []).map((o) => ({ O: [o] }))],
    issuer: ca.certificate.subjectName,
    publicKey: options.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: EC_P256,
    ...validity(options.now, options.days),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        options.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
    ],
  });
}

export function parseCertificatePem(pem: string): Certificate {
  return new x509.X509Certificate(pem);
}

/** PEM text with a trailing newline, the bytes that are stored and hashed for join tokens. */
export function certificatePem(certificate: Certificate): string {
  return certificate.toString("pem") + "\n";
}

/** The SANs a certificate carries. */
export function subjectAltNamesOf(certificate: Certificate): SubjectAltNames {
  const extension = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  const result: SubjectAltNames = { dnsNames: [], ipAddresses: [] };
  for (const name of extension?.names.items ?? []) {
    if (name.type === "dns") result.dnsNames.push(name.value);
    if (name.type === "ip") result.ipAddresses.push(name.value);
  }
  return result;
}

/** Whether `certificate` was signed by `ca` (signature and issuer name; not the validity period). */
export async function isSignedBy(certificate: Certificate, ca: Certificate): Promise<boolean> {
  if (certificate.issuer !== ca.subject) return false;
  return certificate.verify({ publicKey: ca.publicKey, signatureOnly: true });
}
