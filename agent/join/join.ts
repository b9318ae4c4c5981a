/**
 * Joins a server with a token, as k3s's agent does: pin the server's CA by the token's hash
 * (cacerts.ts), then ask for this node's credentials (a client certificate for
 * system:node:<name>), presenting the token's secret and the node password. A server that is not
 * up yet is waited for; a refusal (wrong CA, wrong secret, a node name taken by another machine)
 * ends the join with a message that says what to do.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { ConfigError } from "../../plugins/errors.ts";
import type { Logger } from "../../plugins/mod.ts";
import { parseToken, type ParsedToken, TokenFormatError } from "../../server/auth/tokens.ts";
import { isUnreachable } from "../client/transport.ts";
import { CaHashMismatch, checkCa, fetchCaUnverified } from "./cacerts.ts";
import { loadOrCreateNodePassword } from "./node-password.ts";

export interface JoinOptions {
  /** https://host:port */
  server: string;
  token: string;
  nodeName: string;
  /** The node's IPs: SANs of its kubelet serving certificate (beside the node name). */
  addresses?: string[];
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  /** Between attempts while the server is unreachable or starting (tests shorten it). */
  retryMs?: number;
}

export interface JoinedCluster {
  server: string;
  /** The pinned server CA (PEM). */
  ca: string;
  certificate: string;
  key: string;
  /** A bearer token for the node (for servers that cannot see client certificates). */
  token?: string;
  /** The kubelet's serving certificate (signed by the server CA) and key, PEM; absent from older servers. */
  servingCertificate?: string;
  servingKey?: string;
  /** The cluster's client CA (PEM): callers of the kubelet endpoint must chain to it. */
  clientCa?: string;
  /** The server's --cluster-cidr and --service-cidr (absent from older servers). */
  clusterCidr?: string;
  serviceCidr?: string;
}

/** The files a join leaves in <data-dir>/agent (k3s keeps the same under agent/). */
export const AGENT_FILES = {
  serverCa: "server-ca.crt",
  certificate: "client-kubelet.crt",
  key: "client-kubelet.key",
  servingCertificate: "serving-kubelet.crt",
  servingKey: "serving-kubelet.key",
  clientCa: "client-ca.crt",
} as const;

class Retry extends Error {}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** `Basic node:<secret>`: the token's user (node when it names none) and its secret. */
export function joinAuthorization(token: ParsedToken): string {
  const secret = token.bootstrapToken ? `${token.bootstrapToken.id}.${token.bootstrapToken.secret}` : token.password;
  const user = token.bootstrapToken ? "node" : token.username || "node";
  return `Basic ${btoa(`${user}:${secret}`)}`;
}

function post(url: string, ca: string, authorization: string, body: string, signal: AbortSignal): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = request(url, {
      method: "POST",
      ca,
      signal,
      timeout: 30_000,
      headers: { authorization, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    r.on("timeout", () => r.destroy(Object.assign(new Error("no answer within 30 s"), { code: "ETIMEDOUT" })));
    r.on("error", reject);
    r.end(body);
  });
}

function statusMessage(text: string): string {
  try {
    const s = JSON.parse(text) as { message?: string };
    if (s.message) return s.message;
  } catch {
    // not a Status
  }
  return text.trim().slice(0, 300);
}

export async function joinCluster(o: JoinOptions): Promise<JoinedCluster> {
  let token: ParsedToken;
  try {
    token = parseToken(o.token.trim());
  } catch (err) {
    if (err instanceof TokenFormatError) throw new ConfigError(`invalid --token: ${err.message} (expected K10<CA hash>::node:<secret>, a bootstrap token <id>.<secret>, or the bare secret)`);
    throw err;
  }
  const server = o.server.replace(/\/+$/, "");
  const nodePassword = loadOrCreateNodePassword(o.dataDir);
  const retryMs = o.retryMs ?? 2000;
  let warnedUnpinned = false;

  for (let attempt = 1; ; attempt++) {
    try {
      const fetched = await fetchCaUnverified(server, o.signal).catch((err) => {
        throw isUnreachable(err) ? new Retry(`${server} is not reachable (${(err as Error).message})`) : err;
      });
      if (fetched.status === 503 || fetched.status === 429) throw new Retry(`${server} is starting (${fetched.status})`);
      if (fetched.status !== 200) throw new ConfigError(`${server}/cacerts answered ${fetched.status}: is this a k3ts server? ${statusMessage(fetched.text)}`);
      const { ca, pinned } = await checkCa(server, fetched.text, token);
      if (!pinned && !warnedUnpinned) {
        warnedUnpinned = true;
        o.log.warn("the token has no CA hash (a short token): the server's CA is trusted without being checked; use the full K10... token from the server's <data-dir>/server/agent-token to pin it");
      }
      const answer = await post(`${server}/v1-k3ts/node-credentials`, ca, joinAuthorization(token), JSON.stringify({ nodeName: o.nodeName, nodePassword, addresses: o.addresses ?? [] }), o.signal).catch((err) => {
        throw isUnreachable(err) ? new Retry(`${server} is not reachable (${(err as Error).message})`) : err;
      });
      if (answer.status === 401) throw new ConfigError(`the server at ${server} refused the token: ${statusMessage(answer.text)}`);
      if (answer.status === 403) throw new ConfigError(statusMessage(answer.text));
      if (answer.status === 400 || answer.status === 404 || answer.status === 405) {
        throw new ConfigError(`the server at ${server} refused to issue node credentials (${answer.status}): ${statusMessage(answer.text)}`);
      }
      if (answer.status !== 200) throw new Retry(`node credentials: the server answered ${answer.status}: ${statusMessage(answer.text)}`);
      const credentials = JSON.parse(answer.text) as { certificate: string; key: string; token?: string; servingCertificate?: string; servingKey?: string; clientCa?: string; clusterCidr?: string; serviceCidr?: string };
      const dir = join(o.dataDir, "agent");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, AGENT_FILES.serverCa), ca, { mode: 0o644 });
      writeFileSync(join(dir, AGENT_FILES.certificate), credentials.certificate, { mode: 0o644 });
      writeFileSync(join(dir, AGENT_FILES.key), credentials.key, { mode: 0o600 });
      if (credentials.servingCertificate && credentials.servingKey) {
        writeFileSync(join(dir, AGENT_FILES.servingCertificate), credentials.servingCertificate, { mode: 0o644 });
        writeFileSync(join(dir, AGENT_FILES.servingKey), credentials.servingKey, { mode: 0o600 });
      }
      if (credentials.clientCa) writeFileSync(join(dir, AGENT_FILES.clientCa), credentials.clientCa, { mode: 0o644 });
      o.log.info("joined", { server, node: o.nodeName, caPinned: pinned });
      return {
        server,
        ca,
        certificate: credentials.certificate,
        key: credentials.key,
        token: credentials.token,
        servingCertificate: credentials.servingCertificate,
        servingKey: credentials.servingKey,
        clientCa: credentials.clientCa,
        clusterCidr: credentials.clusterCidr,
        serviceCidr: credentials.serviceCidr,
      };
    } catch (err) {
      if (err instanceof CaHashMismatch) throw new ConfigError(err.message);
      if (!(err instanceof Retry) || o.signal.aborted) throw err;
      o.log.info("waiting for the server to join", { reason: err.message, attempt });
      await wait(retryMs, o.signal);
    }
  }
}
