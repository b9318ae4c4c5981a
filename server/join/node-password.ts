/**
 * Node passwords, after k3s's nodepassword package: each agent keeps a random password in its
 * data dir and sends it when it asks for credentials; the first request for a node name stores
 * its hash in the Secret kube-system/<node>.node-password.k3ts, and a later request for the same
 * name with another password is refused. So a second machine that happens to get the same host
 * name cannot take over the first one's node (k3s's most reported join problem: the message says
 * what to do).
 */
import type { Client, KubeObject } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";
import { constantTimeEqual } from "../auth/constant-time.ts";

export const NODE_PASSWORD_NAMESPACE = "kube-system";
export const NODE_PASSWORD_SECRET_TYPE = "k3ts.io/node-password";
const ITERATIONS = 100_000;

export function nodePasswordSecretName(nodeName: string): string {
  return `${nodeName}.node-password.k3ts`;
}

export class NodePasswordRejected extends Error {
  override name = "NodePasswordRejected";
  constructor(nodeName: string) {
    super(
      `Node password rejected: node name "${nodeName}" is already taken by another agent (duplicate host name), or the contents of ` +
        `<data-dir>/agent/node-password do not match the server's entry. Give this agent a unique name with --node-name, or, ` +
        `if this machine is that node reinstalled, delete its entry with: kubectl -n ${NODE_PASSWORD_NAMESPACE} delete secret ${nodePasswordSecretName(nodeName)}`,
    );
  }
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** `$pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64): a slow salted hash, as k3s stores one. */
export async function hashNodePassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `$pbkdf2-sha256$${ITERATIONS}$${b64(salt)}$${b64(await derive(password, salt, ITERATIONS))}`;
}

export async function verifyNodePassword(password: string, stored: string): Promise<boolean> {
  const [, scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iterations || !salt || !hash) return false;
  const actual = await derive(password, unb64(salt), Number(iterations));
  return constantTimeEqual(b64(actual), hash);
}

interface SecretJson extends KubeObject {
  data?: Record<string, string>;
}

/**
 * Checks `password` for `nodeName` against the stored hash, storing it if there is none yet.
 * Throws NodePasswordRejected on a mismatch.
 */
export async function verifyOrStoreNodePassword(client: Client, nodeName: string, password: string): Promise<"stored" | "verified"> {
  const secrets = client.resource<SecretJson>({ apiVersion: "v1", resource: "secrets" });
  const name = nodePasswordSecretName(nodeName);
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await secrets.get(name, NODE_PASSWORD_NAMESPACE);
    if (existing) {
      const stored = existing.data?.hash ? atob(existing.data.hash) : "";
      if (await verifyNodePassword(password, stored)) return "verified";
      throw new NodePasswordRejected(nodeName);
    }
    try {
      await secrets.create({
        apiVersion: "v1",
        kind: "Secret",
        type: NODE_PASSWORD_SECRET_TYPE,
        metadata: { name, namespace: NODE_PASSWORD_NAMESPACE, labels: { "k3ts.io/node-password": "true" } },
        data: { hash: btoa(await hashNodePassword(password)) },
      } as SecretJson);
      return "stored";
    } catch (err) {
      // Two agents under one name at once: the second finds the first one's entry and is checked against it.
      if (!isClientError(err, 409)) throw err;
    }
  }
  throw new NodePasswordRejected(nodeName);
}
