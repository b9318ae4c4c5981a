/**
 * The remote command protocol of exec and attach over SPDY/3.1 (kubectl's fallback when the
 * WebSocket upgrade fails, and its only way with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false), in
 * the kubelet's behaviour (kubelet cri/streaming/remotecommand/httpstream.go; client-go
 * tools/remotecommand/v2.go..v4.go):
 *
 * - the request offers `X-Stream-Protocol-Version` values; the first one (in the client's order)
 *   we speak is answered in the 101 (none offered: 400, none shared: 403, as httpstream.Handshake);
 * - the client then opens one SPDY stream per `streamType` header: error first, then stdin,
 *   stdout, stderr (not with a tty) and, from v3 with a tty, resize (JSON TerminalSize objects
 *   one after another); the session starts when all the expected streams are there;
 * - the client half-closes stdin at its end of input; stdout and stderr end with a FIN from us;
 * - at the end the error stream carries, from v4, the v1 Status of the exit (Failure with reason
 *   NonZeroExitCode and cause ExitCode, streams/remotecommand.ts's exitStatus), before v4 only
 *   the message of a failure; then the connection closes.
 *
 * It imports nothing of k3ts but the streams contract and the SPDY library.
 */
import { SpdySession, type SpdyStream, type SpdyTransport } from "../protocols/spdy/session.ts";
import { headerValue } from "../protocols/spdy/headers.ts";
import type { StreamSession, TerminalSize } from "./mod.ts";
import { errorStatus, exitStatus, protocolVersion } from "./remotecommand.ts";

/** What we speak over SPDY, most preferred first (client-go's remotecommand.SupportedStreamingProtocols). */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = ["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"] as const;

/** The header the protocols are offered in and the chosen one answered in. */
export const STREAM_PROTOCOL_HEADER = "X-Stream-Protocol-Version";

export type SpdyProtocolChoice = { protocol: string } | { refusal: { code: 400 | 403; message: string } };

/** Upstream's httpstream.Handshake: the first offered protocol we speak, or why not. */
export function chooseSpdyRemoteCommandProtocol(offered: readonly string[]): SpdyProtocolChoice {
  if (offered.length === 0) return { refusal: { code: 400, message: `unable to upgrade: ${STREAM_PROTOCOL_HEADER} is required` } };
  const protocol = offered.find((p) => (SPDY_REMOTE_COMMAND_PROTOCOLS as readonly string[]).includes(p));
  if (protocol) return { protocol };
  return {
    refusal: {
      code: 403,
      message: `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(" ")}], server accepts [${SPDY_REMOTE_COMMAND_PROTOCOLS.join(" ")}]`,
    },
  };
}

/** The values of a (possibly repeated, comma-separated) X-Stream-Protocol-Version header. */
export function offeredStreamProtocols(headerValueText: string | null): string[] {
  return (headerValueText ?? "").split(",").map((p) => p.trim()).filter(Boolean);
}

export interface SpdySessionIo {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ServeSpdySessionOptions {
  protocol: string;
  /** What the request asked for: it says how many streams the client opens. */
  io: SpdySessionIo;
  /** For the Status message of a non-zero exit. */
  command?: string[];
  /** How long the client has to open its streams (the kubelet's default: 30 s). */
  streamCreationTimeoutMs?: number;
  /** How long output may keep flowing after the command exited (default 2 s). */
  drainMs?: number;
  /** Called once when the session is over (for the caller's bookkeeping). */
  onDone?(): void;
}

type StreamType = "error" | "stdin" | "stdout" | "stderr" | "resize";
const STREAM_TYPES: readonly string[] = ["error", "stdin", "stdout", "stderr", "resize"];

const encoder = new TextEncoder();

/**
 * Serves an exec or attach session on a new server-side SPDY session over `transport` (the
 * upgraded connection). Feed the connection's bytes to the returned session's `receive` and its
 * end to `transportClosed`.
 */
export function serveSpdySession(transport: SpdyTransport, session: StreamSession, options: ServeSpdySessionOptions): SpdySession {
  const version = protocolVersion(options.protocol);
  const { io } = options;
  const expected = 1 + (io.stdin ? 1 : 0) + (io.stdout ? 1 : 0) + (io.stderr && !io.tty ? 1 : 0) + (io.tty && version >= 3 ? 1 : 0);
  const streams = new Map<StreamType, SpdyStream>();
  let received = 0;
  let started = false;
  let finished = false;

  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    session.close();
    options.onDone?.();
  };

  const spdy = new SpdySession(transport, {
    role: "server",
    onStream(stream) {
      // Every stream is accepted, as upstream's handler does; unknown types are then ignored.
      stream.reply();
      const type = headerValue(stream.headers, "streamType") ?? "";
      if (started || !STREAM_TYPES.includes(type) || streams.has(type as StreamType)) return;
      streams.set(type as StreamType, stream);
      received++;
      if (received === expected) start();
    },
    onClose: finish,
  });

  // Upstream cannot tell the client either: it logs and drops the connection.
  const timer = setTimeout(() => {
    if (!started) spdy.close();
  }, options.streamCreationTimeoutMs ?? 30_000);

  const start = () => {
    started = true;
    clearTimeout(timer);
    const error = streams.get("error");
    // The client writes nothing on the error stream: drain it so its window stays open.
    if (error) void error.readable.pipeTo(new WritableStream()).catch(() => {});
    // v1: upstream half-closes its (never written) side of stdin at once; stdin still flows in.
    if (version === 1) streams.get("stdin")?.end();
    feedStdin(streams.get("stdin"), session);
    const resize = streams.get("resize");
    if (resize) void readResizes(resize, (size) => session.resize?.(size));
    const outputs = Promise.all([
      copyOut(session.stdout, streams.get("stdout")),
      copyOut(session.stderr, streams.get("stderr")),
    ]);
    void (async () => {
      let status: Record<string, unknown>;
      try {
        status = exitStatus(await session.exit, options.command);
      } catch (err) {
        status = errorStatus(String((err as Error)?.message ?? err));
      }
      // Output written just before the exit still goes out; a child that keeps stdout open does not hold the session.
      let drainTimer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([outputs, new Promise<void>((r) => (drainTimer = setTimeout(r, options.drainMs ?? 2000)))]);
      clearTimeout(drainTimer);
      if (error) {
        if (version >= 4) error.write(encoder.encode(JSON.stringify(status)));
        else if (status.status !== "Success") error.write(encoder.encode(String(status.message)));
        error.end();
      }
      streams.get("stdout")?.end();
      streams.get("stderr")?.end();
      spdy.close();
      finish();
    })();
  };

  return spdy;
}

/** The client's stdin into the session's; its FIN closes the session's stdin. */
function feedStdin(stream: SpdyStream | undefined, session: StreamSession): void {
  if (!session.stdin) return;
  if (!stream) {
    void session.stdin.close().catch(() => {});
    return;
  }
  void stream.readable.pipeTo(session.stdin).catch(() => {});
}

/** Copies a session output to its stream (or drops it when the client did not ask for it). */
async function copyOut(output: ReadableStream<Uint8Array> | undefined, stream: SpdyStream | undefined): Promise<void> {
  if (!output) return;
  const reader = output.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (stream && value.length) stream.write(value);
    }
  } catch {
    // the output failed: what was sent is what the client gets
  } finally {
    reader.releaseLock();
  }
}

/** The resize stream: JSON TerminalSize objects ({"Width":w,"Height":h}) one after another. */
async function readResizes(stream: SpdyStream, onSize: (size: TerminalSize) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  const reader = stream.readable.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      // A TerminalSize has no nested object: each one ends at its first "}".
      for (let end = buffered.indexOf("}"); end >= 0; end = buffered.indexOf("}")) {
        const text = buffered.slice(0, end + 1);
        buffered = buffered.slice(end + 1);
        try {
          const size = JSON.parse(text) as { Width?: number; Height?: number };
          const s = { width: Number(size.Width ?? 0), height: Number(size.Height ?? 0) };
          if (s.width > 0 && s.height > 0) onSize(s);
        } catch {
          // a malformed size is skipped, as the kubelet stops decoding (it cannot resync)
        }
      }
    }
  } catch {
    // the stream was reset: no more resizes
  } finally {
    reader.releaseLock();
  }
}
