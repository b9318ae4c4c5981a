/**
 * Node bearer tokens, issued beside the node certificate: Deno's HTTPS server does not show
 * client certificates to the application (server/api/serve-deno.ts), so an agent of a server
 * running on Deno authenticates with this token instead (and sends both; a verified certificate
 * wins). `k3ts-node.<node name>.<secret>`; the secret's SHA-256 is kept in the node's password
 * Secret under `token-hash`, so each join replaces the node's previous token.
 */
import type { Client, KubeObject } from "../../plugins/client.ts";
import { constantTimeEqual, sha256Hex } from "../auth/constant-time.ts";
import { nodeUsername, SYSTEM_NODES, type UserInfo } from "../auth/user.ts";
import { NODE_PASSWORD_NAMESPACE, nodePasswordSecretName } from "./node-password.ts";

const PREFIX = "k3ts-node.";
const TOKEN_HASH = "token-hash";

interface SecretJson extends KubeObject {
  data?: Record<string, string>;
}

/** Splits a node token; undefined for any other token. */
export function parseNodeToken(token: string): { nodeName: string; secret: string } | undefined {
  if (!token.startsWith(PREFIX)) return undefined;
  const rest = token.slice(PREFIX.length);
  const dot = rest.lastIndexOf(".");
  if (dot <= 0 || !/^[0-9a-f]{64}$/.test(rest.slice(dot + 1))) return undefined;
  return { nodeName: rest.slice(0, dot), secret: rest.slice(dot + 1) };
}

/** Makes a new token for the node and stores its hash (the node's password Secret must exist). */
export async function issueNodeToken(client: Client, nodeName: string): Promise<string> {
  const secret = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
  await client.resource<SecretJson>({ apiVersion: "v1", resource: "secrets" }).patch(
    nodePasswordSecretName(nodeName),
    { data: { [TOKEN_HASH]: btoa(await sha256Hex(secret)) } },
    { type: "merge", namespace: NODE_PASSWORD_NAMESPACE },
  );
  return `${PREFIX}${nodeName}.${secret}`;
}

/** The user of a node token, checked against the hash in the node's Secret (from the watch cache). */
export function nodeTokenLookup(secretOf: (namespace: string, name: string) => SecretJson | undefined): (token: string) => Promise<UserInfo | undefined> {
  return async (token) => {
    const parsed = parseNodeToken(token);
    if (!parsed) return undefined;
    const stored = secretOf(NODE_PASSWORD_NAMESPACE, nodePasswordSecretName(parsed.nodeName))?.data?.[TOKEN_HASH];
    if (!stored) return undefined;
    if (!(await constantTimeEqual(await sha256Hex(parsed.secret), atob(stored)))) return undefined;
    return { username: nodeUsername(parsed.nodeName), groups: [SYSTEM_NODES], extra: {} };
  };
}
