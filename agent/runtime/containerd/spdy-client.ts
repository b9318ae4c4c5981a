/**
 * Exec and attach over SPDY/3.1, the other protocol of CRI's stream server, for what the
 * WebSocket v4 protocol cannot do: end stdin while the command runs (`kubectl exec -i < file`,
 * `kubectl cp` into a pod). Kubernetes' remotecommand over SPDY: an HTTP/1.1 upgrade with
 * X-Stream-Protocol-Version v4.channel.k8s.io, then one SPDY stream per channel (a `streamtype`
 * header: error, stdin, stdout, stderr, resize), data frames, and FIN to half-close.
 *
 * Only the client side, and only what remotecommand uses. Header blocks must be zlib streams
 * (one per connection); we write ours as stored deflate blocks without the SPDY dictionary (a
 * zlib header without FDICT is valid, and Go's reader accepts it), and we never need to read the
 * server's header blocks (SYN_REPLY only confirms a stream we opened), so no dictionary is needed.
 * The framing (frames, name/value blocks, stored blocks, the frame reader) is protocols/spdy's.
 */
import { Buffer } from "node:buffer";
import { connect, type Socket } from "node:net";
import {
  encodeFrame, encodeNameValueBlock, FLAG_FIN, FrameReader, StoredHeaderCompressor,
} from "../../../protocols/spdy/mod.ts";
import type { StreamSession, TerminalSize } from "../mod.ts";
import { exitCodeFromStatus } from "./stream-client.ts";

const encoder = new TextEncoder();

function pushStream(): { stream: ReadableStream<Uint8Array>; push(d: Uint8Array): void; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c), cancel: () => void (ended = true) });
  return {
    stream,
    push: (d) => !ended && d.length > 0 && controller.enqueue(d),
    end: () => {
      if (ended) return;
      ended = true;
      controller.close();
    },
  };
}

/** Connects and upgrades to SPDY/3.1; resolves with the socket and any bytes past the HTTP response. */
function upgrade(url: URL): Promise<{ socket: Socket; rest: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) || 80 });
    let buffered = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.once("error", fail);
    socket.once("connect", () => {
      socket.write([
        `POST ${url.pathname}${url.search} HTTP/1.1`,
        `Host: ${url.host}`,
        "Connection: Upgrade",
        "Upgrade: SPDY/3.1",
        "X-Stream-Protocol-Version: v4.channel.k8s.io",
        "Content-Length: 0",
        "", "",
      ].join("\r\n"));
    });
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      socket.off("error", fail);
      const head = buffered.subarray(0, end).toString("latin1");
      const status = head.split("\r\n")[0] ?? "";
      if (!/^HTTP\/1\.[01] 101/.test(status)) return fail(new Error(`the runtime's stream server refused the SPDY upgrade: ${status}`));
      const protocol = /^x-stream-protocol-version:\s*(\S+)/im.exec(head)?.[1];
      if (protocol !== "v4.channel.k8s.io") return fail(new Error(`the runtime's stream server chose protocol ${protocol ?? "(none)"}, not v4.channel.k8s.io`));
      resolve({ socket, rest: new Uint8Array(buffered.subarray(end + 4)) });
    };
    socket.on("data", onData);
  });
}

export interface SpdySessionOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Opens an exec or attach session at the stream server's URL over SPDY/3.1. */
export async function dialSpdySession(urlText: string, options: SpdySessionOptions): Promise<StreamSession> {
  const { socket, rest } = await upgrade(new URL(urlText));
  const zlib = new StoredHeaderCompressor();
  let nextId = 1;
  const ids: Record<string, number> = {};
  const open = (type: string) => {
    const id = nextId;
    nextId += 2;
    ids[type] = id;
    const block = zlib.compress(encodeNameValueBlock({ streamtype: type }));
    socket.write(encodeFrame({ type: "syn_stream", streamId: id, associatedToStreamId: 0, priority: 0, slot: 0, flags: 0, headerBlock: block }));
  };
  // The error stream first, as Kubernetes' client does: the server answers on it at the end.
  open("error");
  if (options.stdin) open("stdin");
  if (options.stdout) open("stdout");
  if (options.stderr && !options.tty) open("stderr");
  if (options.tty) open("resize");

  const stdout = pushStream();
  const stderr = pushStream();
  let errorText = "";
  const decoder = new TextDecoder();
  let settle!: { resolve(code: number): void; reject(error: Error): void };
  const exit = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
  const reader = new FrameReader();

  const consume = (chunk: Uint8Array) => {
    for (const frame of reader.push(chunk)) {
      // Echo pings; everything else (SYN_REPLY, SETTINGS, WINDOW_UPDATE) needs no answer here. A
      // reset stream or a going-away server ends the session; the close handler settles it.
      if (frame.type === "ping") socket.write(encodeFrame(frame));
      if (frame.type !== "data") continue;
      const { streamId: id, data: payload, flags } = frame;
      if (id === ids.stdout) stdout.push(payload);
      else if (id === ids.stderr) stderr.push(payload);
      else if (id === ids.error) errorText += decoder.decode(payload, { stream: true });
      if (flags & FLAG_FIN) {
        if (id === ids.stdout) stdout.end();
        if (id === ids.stderr) stderr.end();
      }
    }
  };
  socket.on("data", (chunk: Buffer) => {
    try {
      consume(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch {
      socket.destroy(); // a malformed frame: the close handler settles the session
    }
  });
  socket.on("error", () => {});
  socket.once("close", () => {
    stdout.end();
    stderr.end();
    try {
      settle.resolve(exitCodeFromStatus(errorText));
    } catch (error) {
      settle.reject(error as Error);
    }
  });
  consume(rest);

  const send = (type: string, data: Uint8Array, flags = 0) => {
    const id = ids[type];
    if (id !== undefined && !socket.destroyed) socket.write(encodeFrame({ type: "data", streamId: id, flags, data }));
  };
  return {
    stdin: options.stdin
      ? new WritableStream<Uint8Array>({
        write: (chunk) => send("stdin", chunk),
        // SPDY can half-close: the command sees end of input and goes on.
        close: () => send("stdin", new Uint8Array(0), FLAG_FIN),
      })
      : undefined,
    stdout: options.stdout ? stdout.stream : undefined,
    stderr: options.stderr && !options.tty ? stderr.stream : undefined,
    resize: options.tty ? (size: TerminalSize) => send("resize", encoder.encode(JSON.stringify({ Width: size.width, Height: size.height }))) : undefined,
    exit,
    close: () => socket.destroy(),
  };
}
