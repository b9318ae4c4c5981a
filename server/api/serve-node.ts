/**
 * The Node transport: an HTTPS server (node:https) in front of the fetch handler, through
 * @hono/node-server's request listener, and WebSocket upgrades through `ws` (loaded by the first
 * upgrade: an idle server does not hold its 14 modules). It asks for client
 * certificates without requiring them, so that a verified certificate authenticates its holder
 * and bearer tokens work too.
 */
import type { IncomingMessage } from "node:http";
import { createServer, type Server } from "node:https";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { getRequestListener } from "@hono/node-server";
import type { WebSocket } from "ws";
import type { ApiHandlers, PeerInfo } from "./app.ts";
import type { ListenOptions, RunningServer } from "./serve.ts";
import type { RawConnectionLike, RawUpgradeAcceptance, WebSocketLike } from "./upgrade.ts";

function peerOf(socket: TLSSocket): PeerInfo | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const cn = cert.subject.CN;
  const o = cert.subject.O;
  const organizations = Array.isArray(o) ? o : o ? [o] : [];
  return { clientCertificate: { commonName: Array.isArray(cn) ? cn[0] : cn ?? "", organizations } };
}

function wrap(ws: WebSocket): WebSocketLike {
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    onMessage: (listener) => ws.on("message", (data, isBinary) => listener(isBinary ? new Uint8Array(data as Buffer) : String(data))),
    onClose: (listener) => ws.on("close", listener),
  };
}

/** Writes a refused upgrade's answer on the raw socket (no WebSocket was opened). */
async function refuse(socket: Duplex, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  let head = `HTTP/1.1 ${response.status} ${response.statusText || "Error"}\r\n`;
  response.headers.forEach((v, k) => (head += `${k}: ${v}\r\n`));
  head += `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head), body]));
}

/**
 * A raw upgrade (SPDY/3.1 for port-forward): answer 101 and hand the socket's bytes over, the
 * bytes already read past the request (`head`) first.
 */
function switchRaw(socket: Duplex, head: Buffer, acceptance: RawUpgradeAcceptance): void {
  let response = `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${acceptance.upgrade}\r\n`;
  for (const [k, v] of Object.entries(acceptance.headers)) response += `${k}: ${v}\r\n`;
  socket.write(`${response}\r\n`);
  (socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  socket.on("error", () => socket.destroy());
  const connection: RawConnectionLike = {
    write: (bytes) => void (socket.writable && socket.write(bytes)),
    close: () => socket.end(),
    onData: (listener) => {
      if (head.length > 0) listener(new Uint8Array(head));
      socket.on("data", (chunk: Buffer) => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    },
    onClose: (listener) => socket.once("close", listener),
  };
  acceptance.open(connection);
}

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) for (const item of v) headers.append(k, item);
    else if (v !== undefined) headers.set(k, v);
  }
  return new Request(`https://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, { method: req.method, headers });
}

export function serveNode(handlers: ApiHandlers, options: ListenOptions): Promise<RunningServer> {
  const listener = getRequestListener((request, env) => {
    const socket = (env as { incoming: { socket: TLSSocket } }).incoming.socket;
    return handlers.fetch(request, peerOf(socket));
  });
  const server: Server = createServer({
    key: options.tls.key,
    cert: options.tls.cert,
    ca: options.tls.clientCA,
    requestCert: options.tls.clientCA !== undefined,
    rejectUnauthorized: false,
    // Watches stay open for up to an hour; the default 5 s keep-alive would cut idle clients.
    keepAliveTimeout: 65_000,
  }, listener);
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const result = await handlers.upgrade(toRequest(req), peerOf(socket as TLSSocket));
      if (result instanceof Response) return refuse(socket, result);
      if (result.kind === "raw") return switchRaw(socket, head, result);
      // `ws` refuses subprotocols that are not RFC 7230 tokens, such as port-forward's
      // `SPDY/3.1+portforward.k8s.io` (gorilla, upstream's, takes them): hand it a token instead
      // and write the real name into the 101 answer.
      const chosen = result.protocol;
      const stand = chosen !== undefined && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(chosen) ? "k3ts-subprotocol" : undefined;
      if (stand) req.headers["sec-websocket-protocol"] = stand;
      const { WebSocketServer } = await import("ws");
      const wss = new WebSocketServer({ noServer: true, handleProtocols: () => stand ?? chosen ?? false });
      if (stand) wss.on("headers", (headers: string[]) => {
        const i = headers.findIndex((h) => h.toLowerCase() === `sec-websocket-protocol: ${stand}`);
        if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${chosen}`;
      });
      wss.handleUpgrade(req, socket, head, (ws) => result.open(wrap(ws)));
    })().catch(() => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      resolve({
        port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
