/**
 * The remote command protocol of exec and attach over WebSocket (k8s.io/apimachinery
 * util/remotecommand and util/httpstream/wsstream; client-go tools/remotecommand/websocket.go):
 * binary messages whose first byte is the channel — 0 stdin, 1 stdout, 2 stderr, 3 error (a
 * Status in JSON from v4 on), 4 resize (`{"Width":w,"Height":h}`, v3 on) — and, from v5, the
 * message `[255, channel]` that closes one stream (the client's end of stdin: kubectl cp,
 * `exec -i < file`). The base64 variants carry the same as text: the channel as an ASCII digit,
 * then the payload in base64.
 *
 * The session ends with the command: its output is copied out, the Status goes on channel 3 —
 * Success, or Failure with reason NonZeroExitCode and a cause {reason: ExitCode, message: "<code>"}
 * as the kubelet writes it (kubelet/cri/streaming/remotecommand/exec.go) — and the socket closes.
 */
import type { StreamSession, TerminalSize } from "./mod.ts";

/** The WebSocket the transport gives (server/api/upgrade.ts's WebSocketLike has this shape). */
export interface ChannelSocket {
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onMessage(listener: (data: string | Uint8Array) => void): void;
  onClose(listener: () => void): void;
}

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

/** What we speak, most preferred first (kube-apiserver's order). */
export const REMOTE_COMMAND_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
  "v4.base64.channel.k8s.io",
  "base64.channel.k8s.io",
] as const;

/**
 * The subprotocol to answer with: the first one the client offered that we speak; "" when the
 * client offered none (the unversioned channel protocol); undefined when it offered only others.
 */
export function chooseRemoteCommandProtocol(offered: readonly string[]): string | undefined {
  if (offered.length === 0) return "";
  return offered.find((p) => (REMOTE_COMMAND_PROTOCOLS as readonly string[]).includes(p));
}

/** The protocol's version number: 1 for the unversioned ones. */
export function protocolVersion(protocol: string): number {
  const m = /^v(\d+)\./.exec(protocol);
  return m ? Number(m[1]) : 1;
}

/** metav1.Status as the kubelet writes it on the error channel (no apiVersion/kind). */
export function exitStatus(exitCode: number, command?: string[]): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: "Success" };
  const what = command ? `error executing command [${command.join(" ")}], exit code ${exitCode}` : `exit code ${exitCode}`;
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: ${what}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
  };
}

/** A Failure Status for an error that ended the session early. */
export function errorStatus(message: string, code = 500): Record<string, unknown> {
  return { metadata: {}, status: "Failure", message, reason: code === 400 ? "BadRequest" : "InternalError", code };
}

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Frames channels over one socket in the chosen protocol. */
export class ChannelCodec {
  readonly version: number;
  readonly base64: boolean;
  constructor(protocol: string) {
    this.version = protocolVersion(protocol);
    this.base64 = protocol.includes("base64");
  }

  encode(channel: number, payload: Uint8Array): string | Uint8Array {
    if (this.base64) return String.fromCharCode(48 + channel) + toBase64(payload);
    const out = new Uint8Array(payload.length + 1);
    out[0] = channel;
    out.set(payload, 1);
    return out;
  }

  /** The channel and payload of a message; undefined for an empty or malformed one. */
  decode(data: string | Uint8Array): { channel: number; payload: Uint8Array } | undefined {
    if (typeof data === "string") {
      if (data.length === 0) return undefined;
      const channel = data.charCodeAt(0) - 48;
      try {
        return { channel, payload: this.base64 ? fromBase64(data.slice(1)) : new TextEncoder().encode(data.slice(1)) };
      } catch {
        return undefined;
      }
    }
    if (data.length === 0) return undefined;
    return { channel: data[0], payload: data.subarray(1) };
  }
}

export interface ServeSessionOptions {
  protocol: string;
  /** For the Status message of a non-zero exit. */
  command?: string[];
  /** How long output may keep flowing after the command exited (default 2 s). */
  drainMs?: number;
}

/**
 * Runs a session on a socket: stdin and resize from the client, stdout and stderr to it, then
 * the exit Status on channel 3 and a normal close. Resolves when the socket is done.
 */
export function serveSession(socket: ChannelSocket, session: StreamSession, options: ServeSessionOptions): Promise<void> {
  const codec = new ChannelCodec(options.protocol);
  let closed = false;
  const stdin = session.stdin?.getWriter();
  let stdinChain: Promise<unknown> = Promise.resolve();
  let stdinClosed = false;
  const closeStdin = () => {
    if (!stdin || stdinClosed) return;
    stdinClosed = true;
    stdinChain = stdinChain.then(() => stdin.close()).catch(() => {});
  };
  const send = (channel: number, payload: Uint8Array) => {
    if (closed) return;
    try {
      socket.send(codec.encode(channel, payload));
    } catch {
      // the peer went away; onClose follows
    }
  };
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  socket.onClose(() => {
    closed = true;
    closeStdin();
    session.close();
    done();
  });
  socket.onMessage((data) => {
    const m = codec.decode(data);
    if (!m) return;
    if (m.channel === STDIN) {
      if (!stdin || stdinClosed || m.payload.length === 0) return;
      const chunk = m.payload.slice();
      stdinChain = stdinChain.then(() => stdin.write(chunk)).catch(() => {});
    } else if (m.channel === RESIZE && codec.version >= 3) {
      try {
        const size = JSON.parse(new TextDecoder().decode(m.payload)) as { Width?: number; Height?: number };
        const s: TerminalSize = { width: Number(size.Width ?? 0), height: Number(size.Height ?? 0) };
        if (s.width > 0 && s.height > 0) session.resize?.(s);
      } catch {
        // a malformed resize is ignored, as the kubelet does
      }
    } else if (m.channel === CLOSE && codec.version >= 5) {
      if (m.payload[0] === STDIN) closeStdin();
    }
  });

  const pipe = async (stream: ReadableStream<Uint8Array> | undefined, channel: number) => {
    if (!stream) return;
    const reader = stream.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || closed) break;
        if (value.length) send(channel, value);
      }
    } catch {
      // the stream failed: what was sent is what the client gets
    } finally {
      reader.releaseLock();
    }
    return reader;
  };
  const outputs = Promise.all([pipe(session.stdout, STDOUT), pipe(session.stderr, STDERR)]);

  void (async () => {
    let status: Record<string, unknown>;
    try {
      const code = await session.exit;
      status = exitStatus(code, options.command);
    } catch (err) {
      status = errorStatus(String((err as Error)?.message ?? err));
    }
    // Output written just before the exit still goes out; a child that keeps stdout open does not hold the session.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drain = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.drainMs ?? 2000)));
    await Promise.race([outputs, drain]);
    clearTimeout(timer);
    if (codec.version >= 4) send(ERROR, new TextEncoder().encode(JSON.stringify(status)));
    else if (status.status !== "Success") send(ERROR, new TextEncoder().encode(String(status.message)));
    if (!closed) {
      closed = true;
      try {
        socket.close(1000, "");
      } catch {
        // already gone
      }
    }
    session.close();
    done();
  })();
  return finished;
}
