/**
 * The join endpoints, after k3s's /cacerts and /v1-k3s/client-kubelet.crt: served outside the
 * resource tree, open to anonymous callers at the authorization step (joinPathsAuthorizer), and
 * authenticated here with the join token instead.
 *
 *   GET  /cacerts                     the server CA (PEM, the exact bytes the token's hash pins)
 *   POST /v1-k3ts/node-credentials    Basic node:<token secret>, JSON {nodeName, nodePassword}:
 *                                     a client certificate for system:node:<name> in system:nodes,
 *                                     and a kubelet serving certificate signed by the server CA
 *                                     for the node name and {addresses} (IPs), as k3s's
 *                                     serving-kubelet.crt
 */
import { isIP } from "node:net";
import type { Client } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import type { Authorizer } from "../auth/authorizer.ts";
import type { Pki } from "../auth/pki.ts";
import { joinRole, type ServerTokens } from "../auth/tokens.ts";
import { nodeUsername, SYSTEM_NODES } from "../auth/user.ts";
import { BOOTSTRAP_TOKEN_PATTERN, type BootstrapSecret, bootstrapTokenValid } from "./bootstrap-tokens.ts";
import { NodePasswordRejected, verifyOrStoreNodePassword } from "./node-password.ts";
import { issueNodeToken } from "./node-tokens.ts";

export const CACERTS_PATH = "/cacerts";
export const NODE_CREDENTIALS_PATH = "/v1-k3ts/node-credentials";
const JOIN_PATHS = new Set([CACERTS_PATH, NODE_CREDENTIALS_PATH]);

// A DNS-1123 subdomain, as Node names must be.
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** What an agent gets back from /v1-k3ts/node-credentials. */
export interface NodeCredentials {
  nodeName: string;
  /** Client certificate (PEM) for system:node:<name>, O=system:nodes, and its key. */
  certificate: string;
  key: string;
  /** A bearer token for the same identity (for servers that cannot see client certificates: Deno). */
  token: string;
  /** The server CA (PEM), which the agent already pinned. */
  serverCa: string;
  /** The kubelet's serving certificate (server CA; SANs: the node name and its addresses) and key. */
  servingCertificate: string;
  servingKey: string;
  /** The client CA (PEM): the kubelet endpoint accepts the API server's client certificate by it. */
  clientCa: string;
  /**
   * The server's --cluster-cidr and --service-cidr, as k3s's agents read them from the server's
   * config: an agent's bridge CNI masquerades what leaves the cluster CIDR. Absent when the server
   * was not given them (tests).
   */
  clusterCidr?: string;
  serviceCidr?: string;
}

export interface JoinRoutesOptions {
  pki: Pki;
  tokens: Pick<ServerTokens, "serverPassword" | "agentPassword">;
  /** The in-process client (the server's own rights): node password Secrets. */
  client: () => Client;
  /** A bootstrap token's Secret from the watch cache. */
  bootstrapSecret(id: string): BootstrapSecret | undefined;
  log: Logger;
  /** The cluster's networks, passed on to agents (NodeCredentials). */
  clusterCidr?: string;
  serviceCidr?: string;
}

/** The join paths need no Kubernetes identity: the handler checks the join token itself. */
export const joinPathsAuthorizer: Authorizer = async (attributes) =>
  !attributes.isResourceRequest && JOIN_PATHS.has(attributes.path) ? { decision: "allow", reason: "join endpoint" } : { decision: "noOpinion", reason: "" };

function status(code: number, reason: string, message: string): Response {
  return new Response(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code }), {
    status: code,
    headers: { "Content-Type": "application/json" },
  });
}

/** Who presents the join token: the server and agent passwords, or a live bootstrap token (as user node). */
async function joinCaller(authorization: string | null, o: JoinRoutesOptions): Promise<"server" | "node" | undefined> {
  const role = await joinRole(authorization, o.tokens);
  if (role) return role;
  const match = /^basic\s+(\S+)$/i.exec(authorization ?? "");
  if (!match) return undefined;
  let decoded: string;
  try {
    decoded = atob(match[1]!);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  const user = decoded.slice(0, colon);
  const bootstrap = BOOTSTRAP_TOKEN_PATTERN.exec(decoded.slice(colon + 1));
  if (colon < 0 || !bootstrap || (user !== "node" && user !== "")) return undefined;
  const [, id, secret] = bootstrap;
  return (await bootstrapTokenValid(o.bootstrapSecret(id!), id!, secret!)) ? "node" : undefined;
}

export function joinRoutes(o: JoinRoutesOptions): Record<string, (request: Request) => Promise<Response>> {
  return {
    [CACERTS_PATH]: async (request) => {
      if (request.method !== "GET") return status(405, "MethodNotAllowed", "GET only");
      return new Response(o.pki.serverCa.certPem, { headers: { "Content-Type": "application/x-pem-file" } });
    },
    [NODE_CREDENTIALS_PATH]: async (request) => {
      if (request.method !== "POST") return status(405, "MethodNotAllowed", "POST only");
      if (!(await joinCaller(request.headers.get("authorization"), o))) {
        return status(401, "Unauthorized", "the join token's secret is not accepted by this server (check --token: the server's <data-dir>/server/agent-token, or a token from k3ts token create that has not expired)");
      }
      let body: { nodeName?: unknown; nodePassword?: unknown; addresses?: unknown };
      try {
        body = await request.json() as typeof body;
      } catch {
        return status(400, "BadRequest", "expected a JSON body {nodeName, nodePassword}");
      }
      const { nodeName, nodePassword } = body;
      if (typeof nodeName !== "string" || nodeName.length > 253 || !NODE_NAME.test(nodeName)) {
        return status(400, "BadRequest", `invalid node name ${JSON.stringify(nodeName)}: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`);
      }
      if (typeof nodePassword !== "string" || nodePassword.length < 16) return status(400, "BadRequest", "a node password of at least 16 characters is required");
      const addresses = body.addresses ?? [];
      if (!Array.isArray(addresses) || addresses.length > 32 || !addresses.every((a) => typeof a === "string" && isIP(a) !== 0)) {
        return status(400, "BadRequest", "addresses must be a list of IP addresses");
      }
      try {
        const outcome = await verifyOrStoreNodePassword(o.client(), nodeName, nodePassword);
        if (outcome === "stored") o.log.info("node password stored", { node: nodeName });
      } catch (err) {
        if (err instanceof NodePasswordRejected) {
          o.log.warn("node password rejected", { node: nodeName });
          return status(403, "Forbidden", err.message);
        }
        throw err;
      }
      const issued = await o.pki.issueClientCertificate(nodeUsername(nodeName), [SYSTEM_NODES]);
      o.log.info("node credentials issued", { node: nodeName });
      const serving = await o.pki.issueServingCertificate(nodeName, { dnsNames: [nodeName], ipAddresses: [...new Set(addresses as string[])] });
      const token = await issueNodeToken(o.client(), nodeName);
      const answer: NodeCredentials = {
        nodeName,
        certificate: issued.certPem,
        key: issued.keyPem,
        token,
        serverCa: o.pki.serverCa.certPem,
        servingCertificate: serving.certPem,
        servingKey: serving.keyPem,
        clientCa: o.pki.clientCa.certPem,
        clusterCidr: o.clusterCidr,
        serviceCidr: o.serviceCidr,
      };
      return new Response(JSON.stringify(answer), { headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
    },
  };
}
