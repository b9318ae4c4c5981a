/**
 * The server side of Kubernetes' port-forward protocol, `portforward.k8s.io`, over a SPDY
 * session (the kubelet's, k8s.io/kubelet cri/streaming/portforward/httpstream.go, in behaviour):
 * for each connection the client forwards, it opens two streams with the headers `streamType`
 * (`error` or `data`), `port` and `requestID` (the pair's key). The error stream comes first and
 * the client half-closes it at once; the data stream carries the connection's bytes both ways.
 * When both are there the port is dialled; when the pod's side ends, the data stream and then
 * the error stream are finished (the client waits for both). An error reaches the client as text
 * on the error stream: `error forwarding port 8080 to pod NAME, uid UID: ...`.
 *
 * Requests without a requestID (clients before 1.6) are paired by stream id, as upstream does.
 * It imports nothing of k3ts: `forward(port)` is whatever dials the port.
 */
import { RST_PROTOCOL_ERROR } from "./frames.ts";
import { headerValue } from "./headers.ts";
import { SpdySession, type SpdyStream, type SpdyTransport } from "./session.ts";

export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";
/** The WebSocket subprotocol prefix of SPDY tunnelled in WebSocket (client-go's tunneling dialer). */
export const SPDY_TUNNELING_PREFIX = "SPDY/3.1+";

/** One connection to the forwarded port (the shape of the Runtime contract's PortForwardStream). */
export interface ForwardedConnection {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  close(): void;
}

export interface PortForwardServerOptions {
  /** Dials the port (inside the pod's network namespace). */
  forward(port: number): Promise<ForwardedConnection>;
  /** What the client reads on the error stream when forwarding fails. */
  describeError(port: number, error: unknown): string;
  /** How long a pair may wait for its second stream (upstream: 30 s). */
  streamCreationTimeoutMs?: number;
  /** Called for each forwarding failure (for the server's log). */
  onError?(port: number, error: unknown): void;
}

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer?: ReturnType<typeof setTimeout>;
}

const encoder = new TextEncoder();

/** Serves port-forward requests on a new server-side SPDY session over `transport`. */
export function servePortForward(transport: SpdyTransport, options: PortForwardServerOptions): SpdySession {
  const pairs = new Map<string, Pair>();
  const timeoutMs = options.streamCreationTimeoutMs ?? 30_000;
  const active = new Set<ForwardedConnection>();

  const onStream = (stream: SpdyStream) => {
    const portText = headerValue(stream.headers, "port") ?? "";
    const type = headerValue(stream.headers, "streamType") ?? "";
    const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535) || (type !== "data" && type !== "error")) {
      // Upstream's stream handler rejects such a stream; the connection resets it.
      stream.reset(RST_PROTOCOL_ERROR);
      return;
    }
    stream.reply();
    let requestId = headerValue(stream.headers, "requestID");
    if (requestId === undefined || requestId === "") requestId = String(type === "error" ? stream.id : stream.id - 2);
    let pair = pairs.get(requestId);
    if (!pair) {
      const created: Pair = {};
      pair = created;
      pairs.set(requestId, created);
      created.timer = setTimeout(() => {
        pairs.delete(requestId);
        const message = `timed out waiting for streams of request ${requestId}`;
        if (created.error) {
          created.error.write(encoder.encode(message));
          created.error.end();
        }
        created.data?.reset();
      }, timeoutMs);
    }
    if (pair[type]) {
      const message = `error processing stream for request ${requestId}: ${type} stream already assigned`;
      if (pair.error && type !== "error") pair.error.write(encoder.encode(message));
      stream.reset(RST_PROTOCOL_ERROR);
      return;
    }
    pair[type] = stream;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      void forward(pair.data, pair.error, port);
    }
  };

  const forward = async (data: SpdyStream, error: SpdyStream, port: number) => {
    let connection: ForwardedConnection | undefined;
    // The client writes nothing on the error stream: drain it so that its window stays open.
    void error.readable.pipeTo(new WritableStream()).catch(() => {});
    try {
      connection = await options.forward(port);
      active.add(connection);
      const conn = connection;
      // Client -> pod: the client's FIN ends the pod connection's writing side.
      const up = data.readable.pipeTo(conn.writable).catch(() => {
        conn.close();
      });
      // Pod -> client: when the pod's side ends, so does the data stream.
      const reader = conn.readable.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          data.write(value);
        }
      } finally {
        reader.releaseLock();
      }
      data.end();
      // The client's side may still be open (it waits for our FIN); do not wait on it forever.
      await Promise.race([up, new Promise((r) => setTimeout(r, 0))]);
    } catch (err) {
      options.onError?.(port, err);
      error.write(encoder.encode(options.describeError(port, err)));
      data.end();
    } finally {
      if (connection) {
        active.delete(connection);
        connection.close();
      }
      error.end();
    }
  };

  const session = new SpdySession(transport, {
    role: "server",
    onStream,
    onClose: () => {
      for (const pair of pairs.values()) clearTimeout(pair.timer);
      pairs.clear();
      for (const c of active) c.close();
      active.clear();
    },
  });
  return session;
}

/** The port-forward protocol a client's list names (WebSocket subprotocols or X-Stream-Protocol-Version values). */
export function choosePortForwardProtocol(offered: readonly string[], tunneled: boolean): string | undefined {
  const wanted = tunneled ? SPDY_TUNNELING_PREFIX + PORT_FORWARD_PROTOCOL : PORT_FORWARD_PROTOCOL;
  return offered.find((p) => p === wanted);
}
