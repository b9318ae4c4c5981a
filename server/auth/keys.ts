/**
 * ECDSA P-256 key pairs through crypto.subtle, stored as PKCS#8 PEM ("PRIVATE KEY"), which Node's
 * TLS, Deno and Go all read.
 */
import { pemBlocks, pemEncode } from "./pem.ts";

/** The algorithm for every key and signature this package makes: ECDSA P-256 with SHA-256. */
export const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  // Extractable, because the private key must be written to the store once.
  return (await crypto.subtle.generateKey(EC_P256, true, ["sign", "verify"])) as CryptoKeyPair;
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return pemEncode(der, "PRIVATE KEY") + "\n";
}

export async function exportPublicKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("spki", key);
  return pemEncode(der, "PUBLIC KEY") + "\n";
}

/** Reads a PKCS#8 P-256 key and derives its public half (web crypto cannot import one from the other directly). */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKeyPair> {
  const [der] = pemBlocks(pem);
  if (!der) throw new Error("no PEM block in private key");
  const privateKey = await crypto.subtle.importKey("pkcs8", der, EC_P256, true, ["sign"]);
  const { d: _d, key_ops: _ops, ...publicJwk } = await crypto.subtle.exportKey("jwk", privateKey);
  const publicKey = await crypto.subtle.importKey("jwk", publicJwk, EC_P256, true, ["verify"]);
  return { privateKey, publicKey };
}
