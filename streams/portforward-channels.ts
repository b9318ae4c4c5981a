/**
 * Port-forward over a WebSocket with channels, as the kubelet serves it at
 * `/portForward/{namespace}/{pod}?port=P[&port=Q]` (kubelet cri/streaming/portforward/websocket.go):
 * each port gets two channels, data (2i) and error (2i+1); the server's first message on each is
 * the port as 2 bytes little-endian, then the data channel carries the connection's bytes both
 * ways (the client's without that prefix) and the error channel at most one message,
 * `error forwarding port P to pod NAME, uid UID: ...`. The socket closes when every port's
 * connection has ended.
 *
 * This is how the API server reaches the port-forward of a node in another process: one socket
 * per forwarded connection (streams/remote.ts is the client, agent/kubelet/server/https.ts the
 * server). Besides upstream's v4.channel.k8s.io, v5.channel.k8s.io is taken with its close
 * message `[255, channel]` so that the client's end of input (a half-close) reaches the pod;
 * upstream's kubelet has no such thing for port-forward (its clients speak SPDY for that).
 *
 * It imports nothing of k3ts but the streams contract.
 */
import type { PortForwardConnection } from "./mod.ts";
import { ChannelCodec, type ChannelSocket, CLOSE } from "./remotecommand.ts";

/** What we speak, most preferred first. */
export const PORT_FORWARD_CHANNEL_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io"] as const;

/** The subprotocol to answer with; "" when none was offered (binary, as upstream); undefined when only others were. */
export function choosePortForwardChannelProtocol(offered: readonly string[]): string | undefined {
  if (offered.length === 0) return "";
  return offered.find((p) => (PORT_FORWARD_CHANNEL_PROTOCOLS as readonly string[]).includes(p));
}

/** The `port` query values (repeated or comma-separated), or the message upstream gives for bad ones. */
export function parsePortForwardPorts(values: readonly string[]): { ports: number[] } | { error: string } {
  if (values.length === 0) return { error: `query parameter "port" is required` };
  const ports: number[] = [];
  for (const value of values) {
    if (value === "") return { error: `query parameter "port" cannot be empty` };
    for (const p of value.split(",")) {
      if (!/^\d+$/.test(p) || Number(p) > 65535) return { error: `unable to parse "${value}" as a port` };
      if (Number(p) < 1) return { error: `port "${value}" must be > 0` };
      ports.push(Number(p));
    }
  }
  return { ports };
}

function portBytes(port: number): Uint8Array {
  return new Uint8Array([port & 0xff, port >> 8]);
}

export interface ServePortForwardChannelsOptions {
  protocol: string;
  ports: number[];
  forward(port: number): Promise<PortForwardConnection>;
  /** The error channel's message when forwarding `port` failed. */
  describeError(port: number, error: unknown): string;
}

/** The kubelet's side: forwards each port's data channel to a connection; resolves when the socket is done. */
export function servePortForwardChannels(socket: ChannelSocket, options: ServePortForwardChannelsOptions): Promise<void> {
  const codec = new ChannelCodec(options.protocol);
  let closed = false;
  const send = (channel: number, payload: Uint8Array) => {
    if (closed) return;
    try {
      socket.send(codec.encode(channel, payload));
    } catch {
      // the peer went away; onClose follows
    }
  };
  const writers = new Map<number, { writer: WritableStreamDefaultWriter<Uint8Array>; chain: Promise<unknown>; ended: boolean }>();
  const pending = new Map<number, Uint8Array[]>();
  const connections = new Set<PortForwardConnection>();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  socket.onClose(() => {
    closed = true;
    for (const c of connections) c.close();
    done();
  });
  const endInput = (index: number) => {
    const w = writers.get(index);
    if (!w || w.ended) return;
    w.ended = true;
    w.chain = w.chain.then(() => w.writer.close()).catch(() => {});
  };
  socket.onMessage((data) => {
    const m = codec.decode(data);
    if (!m) return;
    if (m.channel === CLOSE && codec.version >= 5) {
      const channel = m.payload[0];
      if (channel !== undefined && channel % 2 === 0) {
        const w = writers.get(channel / 2);
        if (w) endInput(channel / 2);
        else (pending.get(channel / 2) ?? pending.set(channel / 2, []).get(channel / 2)!).push(new Uint8Array(0));
      }
      return;
    }
    // Only data channels take input; what comes on an error channel is ignored, as upstream's write-only channel.
    if (m.channel % 2 !== 0 || m.channel / 2 >= options.ports.length || m.payload.length === 0) return;
    const index = m.channel / 2;
    const chunk = m.payload.slice();
    const w = writers.get(index);
    if (!w) {
      // The connection is still being dialled: keep the bytes for it.
      (pending.get(index) ?? pending.set(index, []).get(index)!).push(chunk);
      return;
    }
    if (w.ended) return;
    w.chain = w.chain.then(() => w.writer.write(chunk)).catch(() => {});
  });

  const forwardOne = async (port: number, index: number) => {
    const dataChannel = index * 2;
    send(dataChannel, portBytes(port));
    send(dataChannel + 1, portBytes(port));
    let connection: PortForwardConnection | undefined;
    try {
      connection = await options.forward(port);
      if (closed) return;
      connections.add(connection);
      const entry = { writer: connection.writable.getWriter(), chain: Promise.resolve() as Promise<unknown>, ended: false };
      writers.set(index, entry);
      for (const chunk of pending.get(index) ?? []) {
        if (chunk.length === 0) endInput(index);
        else if (!entry.ended) entry.chain = entry.chain.then(() => entry.writer.write(chunk)).catch(() => {});
      }
      pending.delete(index);
      const reader = connection.readable.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done || closed) break;
          if (value.length) send(dataChannel, value);
        }
      } finally {
        reader.releaseLock();
      }
    } catch (err) {
      send(dataChannel + 1, new TextEncoder().encode(options.describeError(port, err)));
    } finally {
      if (connection) {
        connections.delete(connection);
        connection.close();
      }
    }
  };

  void Promise.all(options.ports.map((port, i) => forwardOne(port, i))).then(() => {
    if (closed) return;
    closed = true;
    try {
      socket.close(1000, "");
    } catch {
      // already gone
    }
    done();
  });
  return finished;
}

/** What upstream's kubelet puts before the reason; the API server adds its own (pods/portforward). */
const KUBELET_ERROR_PREFIX = /^error forwarding port \d+ to pod [^,]*, uid [^:]*: /;

/**
 * The client's side for one port (the socket must ask for exactly that port): the connection's
 * bytes. A failure on the error channel errors `readable` with the kubelet's reason.
 */
export function portForwardChannelsClient(socket: ChannelSocket, protocol: string): PortForwardConnection {
  const codec = new ChannelCodec(protocol);
  const skip = [2, 2];
  let errorText = "";
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  const end = (error?: Error) => {
    if (ended) return;
    ended = true;
    try {
      if (error) controller.error(error);
      else controller.close();
    } catch {
      // cancelled already
    }
  };
  const readable = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    cancel: () => {
      ended = true;
      socket.close(1000, "");
    },
  });
  socket.onMessage((data) => {
    const m = codec.decode(data);
    if (!m || m.channel > 1) return;
    let payload = m.payload;
    // The first two bytes of each channel are the port (the socket is for one port: not checked).
    if (skip[m.channel] > 0) {
      const n = Math.min(skip[m.channel], payload.length);
      skip[m.channel] -= n;
      payload = payload.subarray(n);
    }
    if (payload.length === 0) return;
    if (m.channel === 1) errorText += new TextDecoder().decode(payload);
    else if (!ended) controller.enqueue(payload.slice());
  });
  socket.onClose(() => end(errorText ? new Error(errorText.replace(KUBELET_ERROR_PREFIX, "")) : undefined));
  const send = (channel: number, payload: Uint8Array) => {
    try {
      socket.send(codec.encode(channel, payload));
    } catch {
      // the socket is gone: onClose ends the readable side
    }
  };
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => send(0, chunk),
    close: () => {
      if (codec.version >= 5) send(CLOSE, new Uint8Array([0]));
    },
    abort: () => socket.close(1000, ""),
  });
  return { readable, writable, close: () => socket.close(1000, "") };
}
