/**
 * HTTPS to the API servers of one cluster, with node:https (Node and Deno's node compat both take
 * a CA, a client certificate and a key; Node's fetch takes no CA without undici): TLS pinned to
 * the cluster's server CA alone, a client certificate or a bearer token, and several server URLs.
 * A request that cannot reach the current server (refused, unreachable, reset before any answer)
 * is tried on the next one, so an agent rides out a server that goes away, as k3s's agent
 * load balancer does.
 */
import { Agent, request as httpsRequest } from "node:https";
import type { IncomingMessage } from "node:http";

export interface Credentials {
  /** The server CA (PEM): the only CA trusted. */
  ca: string;
  /** Client certificate and key (PEM), e.g. system:node:<name>. */
  cert?: string;
  key?: string;
  /** A bearer token (sent also beside a client certificate). */
  token?: string;
}

export interface TransportOptions extends Credentials {
  /** https://host:port of each server; the first one is tried first. */
  servers: string[];
  /** Sent as User-Agent (the API server takes it as the default field manager). */
  userAgent?: string;
  /** Called when the current server changes (for logs). */
  onSwitch?(from: string, to: string, error: Error): void;
}

export interface TransportRequest {
  method: string;
  /** Path and query, e.g. /api/v1/namespaces/default/pods?watch=true. */
  path: string;
  body?: string;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

/** An answer whose body is still to be read (a watch reads it as a stream). */
export interface TransportResponse {
  status: number;
  headers: IncomingMessage["headers"];
  body: IncomingMessage;
  server: string;
}

// Errors meaning "this server is not there": another server may answer.
const UNREACHABLE = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_SOCKET"]);
const CONNECT_TIMEOUT_MS = 10_000;

export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && UNREACHABLE.has(code);
}

export class Transport {
  readonly #o: TransportOptions;
  #servers: string[];
  #current = 0;
  readonly #agent: Agent;

  constructor(options: TransportOptions) {
    if (options.servers.length === 0) throw new Error("a transport needs at least one server URL");
    this.#o = options;
    this.#servers = [...options.servers];
    this.#agent = new Agent({ keepAlive: true, ca: options.ca, cert: options.cert, key: options.key });
  }

  /** The server requests go to now. */
  get server(): string {
    return this.#servers[this.#current]!;
  }

  get servers(): readonly string[] {
    return this.#servers;
  }

  /**
   * Replaces the list of servers (learned from the `kubernetes` Endpoints); the current one stays
   * current if it is still listed, so a working connection is not given up for a list change.
   */
  setServers(servers: string[]): void {
    if (servers.length === 0) return;
    const current = this.server;
    const next = [...new Set(servers)];
    if (!next.includes(current)) next.unshift(current); // kept until it fails: it may be a load balancer
    this.#servers = next;
    this.#current = next.indexOf(current);
  }

  /** Sends the request to the current server, then to each other one while they are unreachable. */
  async request(req: TransportRequest): Promise<TransportResponse> {
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < this.#servers.length; attempt++) {
      const server = this.server;
      try {
        return await this.#send(server, req);
      } catch (err) {
        if (req.signal?.aborted || !isUnreachable(err)) throw err;
        lastError = err as Error;
        this.#current = (this.#current + 1) % this.#servers.length;
        if (this.server !== server) this.#o.onSwitch?.(server, this.server, lastError);
      }
    }
    throw lastError ?? new Error("no server to send the request to");
  }

  /** Reads a whole answer's body as text. */
  async text(req: TransportRequest): Promise<{ status: number; text: string; headers: IncomingMessage["headers"] }> {
    const res = await this.request(req);
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    return { status: res.status, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") };
  }

  #send(server: string, req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: req.accept ?? "application/json" };
      if (this.#o.userAgent) headers["user-agent"] = this.#o.userAgent;
      // Both credentials when both are given: a server that verified the certificate goes by it, one
      // that cannot see certificates (Deno's) by the token.
      if (this.#o.token) headers.authorization = `Bearer ${this.#o.token}`;
      if (req.body !== undefined) {
        headers["content-type"] = req.contentType ?? "application/json";
        headers["content-length"] = String(Buffer.byteLength(req.body));
      }
      const r = httpsRequest(server + req.path, { method: req.method, headers, agent: this.#agent, signal: req.signal }, (res) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, server });
      });
      // A server that accepts nothing within the bound is as good as gone (SYN dropped).
      const timer = setTimeout(() => r.destroy(Object.assign(new Error(`no answer from ${server} within ${CONNECT_TIMEOUT_MS} ms`), { code: "ETIMEDOUT" })), CONNECT_TIMEOUT_MS);
      r.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      r.end(req.body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
