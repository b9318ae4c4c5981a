/**
 * A throwaway CA and a serving certificate for 127.0.0.1 only, written as PEM files, for tests
 * that put a TLS server on loopback (a registry, a module host) and tell the client to trust the CA.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { certificatePem, createCertificateAuthority, issueCertificate } from "../server/auth/certificates.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../server/auth/keys.ts";

export interface ServingCertificateFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Writes `<name>-ca.pem`, `<name>.pem` and `<name>-key.pem` into `dir`; valid for a day. */
export async function servingCertificate(dir: string, name = "server"): Promise<ServingCertificateFiles> {
  const now = new Date();
  const caKeys = await generateKeyPair();
  const ca = await createCertificateAuthority({ commonName: `k3ts-${name}-test-ca`, keys: caKeys, now, days: 1 });
  const keys = await generateKeyPair();
  const leaf = await issueCertificate({ ca: { certificate: ca, keys: caKeys }, publicKey: keys.publicKey, commonName: "127.0.0.1", usage: "server", sans: { dnsNames: [], ipAddresses: ["127.0.0.1"] }, now, days: 1 });
  const files = { caFile: join(dir, `${name}-ca.pem`), certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}-key.pem`) };
  writeFileSync(files.caFile, certificatePem(ca));
  writeFileSync(files.certFile, certificatePem(leaf));
  writeFileSync(files.keyFile, await exportPrivateKeyPem(keys.privateKey));
  return files;
}
