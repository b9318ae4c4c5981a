/**
 * The kubelet's HTTPS endpoint (port 10250, as upstream and k3s): what an API server in another
 * process uses to reach this node's streams (streams/remote.ts is its client). Clients must
 * present a certificate of the cluster's client CA, and only the API server's
 * (CN kube-apiserver-kubelet-client, or group system:masters) is served. Paths after upstream's:
 *
 *   GET /containerLogs/{namespace}/{pod}/{container}?follow&previous&tailLines&timestamps&limitBytes&sinceTime&podUID
 *   GET /stats/summary
 *   WebSocket /exec/{namespace}/{pod}/{container}?command=..&stdin&stdout&stderr&tty&podUID   (v5.channel.k8s.io)
 *   WebSocket /attach/{namespace}/{pod}/{container}?stdin&stdout&stderr&tty&podUID
 *   WebSocket /portForward/{namespace}/{pod}?port=P&podUID   (channels, streams/portforward-channels.ts)
 *
 * Errors are JSON {code, message}. The same code runs under Deno: its Node compatibility (checked
 * with Deno 2.9) verifies client certificates against `ca` (socket.authorized,
 * getPeerCertificate) and hands `ws` the upgraded socket (test/agent/join/agent-deno.test.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { WebSocket, WebSocketServer } from "ws";
import { type NodeStreams, NodeStreamsError, type PodRef } from "../../../streams/mod.ts";
import { type ChannelSocket, chooseRemoteCommandProtocol, serveSession } from "../../../streams/remotecommand.ts";
import { choosePortForwardChannelProtocol, parsePortForwardPorts, servePortForwardChannels } from "../../../streams/portforward-channels.ts";

export const KUBELET_API_CLIENT = "kube-apiserver-kubelet-client";
export const DEFAULT_KUBELET_PORT = 10250;

export interface KubeletServerOptions {
  streams: NodeStreams;
  /** The kubelet's serving certificate (chain) and key, PEM. */
  cert: string;
  key: string;
  /** The cluster's client CA, PEM: callers' certificates must chain to it. */
  clientCa: string;
  port?: number;
  hostname?: string;
}

export interface RunningKubeletServer {
  port: number;
  close(): Promise<void>;
}

function allowed(socket: TLSSocket): boolean {
  if (!socket.authorized) return false;
  const subject = socket.getPeerCertificate()?.subject;
  if (!subject) return false;
  const o = subject.O;
  const groups = Array.isArray(o) ? o : o ? [o] : [];
  return subject.CN === KUBELET_API_CLIENT || groups.includes("system:masters");
}

function parse(url: URL): { kind: string; pod: PodRef; container: string } | undefined {
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length !== 4) return undefined;
  return { kind: parts[0], pod: { namespace: parts[1], name: parts[2], uid: url.searchParams.get("podUID") || undefined }, container: parts[3] };
}

/** `/portForward/{namespace}/{pod}` (upstream's path). */
function parsePortForward(url: URL): PodRef | undefined {
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length !== 3 || parts[0] !== "portForward") return undefined;
  return { namespace: parts[1], name: parts[2], uid: url.searchParams.get("podUID") || undefined };
}

/**
 * A WebSocket server for one upgrade. `ws` loads on the first exec, attach or port-forward, so
 * that an idle node holds neither it nor what it requires (zlib, node:http's server pieces).
 */
async function webSocketServer(protocol: string): Promise<WebSocketServer> {
  const { WebSocketServer } = await import("ws");
  return new WebSocketServer({ noServer: true, handleProtocols: () => protocol || false });
}

function wrapWebSocket(ws: WebSocket): ChannelSocket {
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    onMessage: (listener) => ws.on("message", (data, isBinary) => listener(isBinary ? new Uint8Array(data as Buffer) : String(data))),
    onClose: (listener) => ws.on("close", listener),
  };
}

const flag = (q: URLSearchParams, name: string) => ["true", "1", ""].includes(q.get(name) ?? "false");

function fail(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ code, message }));
}

function failure(err: unknown): { code: number; message: string } {
  if (err instanceof NodeStreamsError) return { code: err.code, message: err.message };
  return { code: 500, message: String((err as Error)?.message ?? err) };
}

export function startKubeletServer(options: KubeletServerOptions): Promise<RunningKubeletServer> {
  const { streams } = options;
  const server: Server = createServer({ key: options.key, cert: options.cert, ca: options.clientCa, requestCert: true, rejectUnauthorized: false }, (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (!allowed(req.socket as TLSSocket)) return fail(res, (req.socket as TLSSocket).authorized ? 403 : 401, "Unauthorized");
      const url = new URL(req.url ?? "/", "https://kubelet");
      if (req.method !== "GET") return fail(res, 405, "method not allowed");
      if (url.pathname === "/stats/summary" || url.pathname === "/stats/summary/") {
        const summary = await streams.stats();
        res.writeHead(200, { "Content-Type": "application/json" });
        return res.end(JSON.stringify(summary));
      }
      if (url.pathname === "/healthz") return res.end("ok");
      const target = parse(url);
      if (!target || target.kind !== "containerLogs") return fail(res, 404, "not found");
      const q = url.searchParams;
      const abort = new AbortController();
      res.on("close", () => abort.abort());
      const since = q.get("sinceTime") ? Date.parse(q.get("sinceTime")!) : undefined;
      const number = (name: string) => (q.get(name) ? Number(q.get(name)) : undefined);
      const body = await streams.logs(target.pod, target.container, {
        follow: flag(q, "follow"),
        previous: flag(q, "previous"),
        timestamps: flag(q, "timestamps"),
        tailLines: number("tailLines"),
        limitBytes: number("limitBytes"),
        since: Number.isNaN(since) ? undefined : since,
        signal: abort.signal,
      });
      res.writeHead(200, { "Content-Type": "text/plain" });
      const reader = body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        res.write(value);
      }
      res.end();
    })().catch((err) => {
      if (res.headersSent) return res.destroy();
      const f = failure(err);
      fail(res, f.code, f.message);
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const refuse = (code: number, message: string) => {
        const body = JSON.stringify({ code, message });
        socket.end(`HTTP/1.1 ${code} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      };
      if (!allowed(socket as TLSSocket)) return refuse(401, "Unauthorized");
      const url = new URL(req.url ?? "/", "https://kubelet");
      const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim()).filter(Boolean);
      const forward = parsePortForward(url);
      if (forward) {
        const protocol = choosePortForwardChannelProtocol(offered);
        if (protocol === undefined) return refuse(400, "no supported subprotocol offered");
        const parsed = parsePortForwardPorts(url.searchParams.getAll("port"));
        if ("error" in parsed) return refuse(400, parsed.error);
        const pod = forward;
        const fullName = `${pod.name}_${pod.namespace}`;
        const wss = await webSocketServer(protocol);
        wss.handleUpgrade(req, socket, head, (ws) => {
          void servePortForwardChannels(wrapWebSocket(ws), {
            protocol,
            ports: parsed.ports,
            forward: (port) => {
              if (!streams.portForward) throw new NodeStreamsError(501, "this node does not serve port-forward");
              return streams.portForward(pod, port);
            },
            describeError: (port, err) => `error forwarding port ${port} to pod ${fullName}, uid ${pod.uid ?? ""}: ${failure(err).message}`,
          });
        });
        return;
      }
      const target = parse(url);
      if (!target || (target.kind !== "exec" && target.kind !== "attach")) return refuse(404, "not found");
      const protocol = chooseRemoteCommandProtocol(offered);
      if (protocol === undefined) return refuse(400, "no supported subprotocol offered");
      const q = url.searchParams;
      const tty = flag(q, "tty");
      const io = { stdin: flag(q, "stdin"), stdout: flag(q, "stdout"), stderr: flag(q, "stderr") && !tty, tty };
      const command = q.getAll("command");
      let session;
      try {
        session = target.kind === "exec" ? await streams.exec(target.pod, target.container, { ...io, command }) : await streams.attach(target.pod, target.container, io);
      } catch (err) {
        const f = failure(err);
        return refuse(f.code, f.message);
      }
      const opened = session;
      const wss = await webSocketServer(protocol);
      wss.handleUpgrade(req, socket, head, (ws) => {
        void serveSession(wrapWebSocket(ws), opened, { protocol, command: target.kind === "exec" ? command : undefined });
      });
    })().catch(() => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_KUBELET_PORT, options.hostname, () => {
      server.off("error", reject);
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : options.port ?? DEFAULT_KUBELET_PORT,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
