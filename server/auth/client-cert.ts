/**
 * For TLS adapters: checks a peer certificate (DER, as node:tls's getPeerCertificate().raw
 * gives it) against the client CA and reads the identity Kubernetes takes from it (CN = user,
 * each O = a group), the `clientCertificate` that authenticate.ts expects.
 */
import { isSignedBy, parseCertificatePem } from "./certificates.ts";
import { x509 } from "./x509-lib.ts";

export async function verifiedClientIdentity(
  der: Uint8Array,
  clientCaPem: string,
  now: Date = new Date(),
): Promise<{ commonName: string; organizations: string[]; sha256Fingerprint: string } | undefined> {
  const certificate = new x509.X509Certificate(der as Uint8Array<ArrayBuffer>);
  const ca = parseCertificatePem(clientCaPem);
  if (now < certificate.notBefore || now > certificate.notAfter) return undefined;
  if (!(await isSignedBy(certificate, ca))) return undefined;
  const usage = certificate.getExtension(x509.ExtendedKeyUsageExtension);
  if (usage && !usage.usages.map(String).includes(x509.ExtendedKeyUsage.clientAuth)) return undefined;
  const [commonName] = certificate.subjectName.getField("CN");
  if (!commonName) return undefined;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(certificate.rawData)));
  return {
    commonName,
    organizations: certificate.subjectName.getField("O"),
    sha256Fingerprint: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
  };
}
