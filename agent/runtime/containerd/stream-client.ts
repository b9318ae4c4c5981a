/**
 * The client side of CRI's stream server (containerd's, on loopback): CRI Exec, Attach and
 * PortForward answer with a one-time URL, and this dials it with the web-standard WebSocket (Node
 * and Deno both have it) in Kubernetes' channel protocol — each binary message starts with its
 * channel: 0 stdin, 1 stdout, 2 stderr, 3 error (a metav1.Status when the command ends), 4 resize;
 * for port-forward, 0 data and 1 error, each opening with the port as two little-endian bytes.
 *
 * v5.channel.k8s.io adds a close signal (channel 255) so stdin can end without ending the
 * session; containerd 1.6 speaks v4, where closing stdin is only possible by closing everything.
 */
import type { PortForwardStream, StreamSession, TerminalSize } from "../mod.ts";

const CHANNEL_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
const STDIN = 0, STDOUT = 1, STDERR = 2, ERROR = 3, RESIZE = 4, CLOSE = 255;

function connect(url: string, protocols: string[]): Promise<WebSocket> {
  const ws = new WebSocket(url.replace(/^http/, "ws"), protocols);
  ws.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    const onOpen = () => {
      ws.removeEventListener("error", onError);
      resolve(ws);
    };
    const onError = () => {
      ws.removeEventListener("open", onOpen);
      reject(new Error(`could not connect to the runtime's stream server at ${url}`));
    };
    ws.addEventListener("open", onOpen, { once: true });
    ws.addEventListener("error", onError, { once: true });
  });
}

function frame(channel: number, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(data.length + 1);
  out[0] = channel;
  out.set(data, 1);
  return out;
}

/** A readable stream fed by pushes, closed once. */
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

/**
 * The exit code in the error channel's Status: Success is 0; NonZeroExitCode carries it in
 * details.causes[reason=ExitCode]. Anything else is an error (the command could not run).
 */
export function exitCodeFromStatus(text: string): number {
  if (text.trim() === "") return 0;
  let status: { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  try {
    status = JSON.parse(text);
  } catch {
    throw new Error(text.trim());
  }
  if (status.status === "Success") return 0;
  const code = status.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
  if (status.reason === "NonZeroExitCode" && code !== undefined) return Number(code);
  throw new Error(status.message ?? text.trim());
}

export interface ChannelSessionOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Opens an exec or attach session at the stream server's URL. */
export async function dialChannelSession(url: string, options: ChannelSessionOptions): Promise<StreamSession> {
  const ws = await connect(url, CHANNEL_PROTOCOLS);
  const v5 = ws.protocol === "v5.channel.k8s.io";
  const stdout = pushStream();
  const stderr = pushStream();
  let errorText = "";
  const decoder = new TextDecoder();
  let settle!: { resolve(code: number): void; reject(error: Error): void };
  const exit = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
  ws.addEventListener("message", (event) => {
    const data = new Uint8Array(event.data as ArrayBuffer);
    if (data.length === 0) return;
    const payload = data.subarray(1);
    if (data[0] === STDOUT) stdout.push(payload.slice());
    else if (data[0] === STDERR) stderr.push(payload.slice());
    else if (data[0] === ERROR) errorText += decoder.decode(payload, { stream: true });
  });
  ws.addEventListener("close", () => {
    stdout.end();
    stderr.end();
    try {
      settle.resolve(exitCodeFromStatus(errorText));
    } catch (error) {
      settle.reject(error as Error);
    }
  }, { once: true });
  const send = (channel: number, data: Uint8Array) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame(channel, data));
  };
  const stdin = options.stdin
    ? new WritableStream<Uint8Array>({
      write: (chunk) => send(STDIN, chunk),
      // v4 cannot end stdin alone: the session stays open until the command ends or close().
      close: () => v5 ? send(CLOSE, new Uint8Array([STDIN])) : undefined,
    })
    : undefined;
  return {
    stdin,
    stdout: options.stdout ? stdout.stream : undefined,
    stderr: options.stderr && !options.tty ? stderr.stream : undefined,
    resize: options.tty ? (size: TerminalSize) => send(RESIZE, new TextEncoder().encode(JSON.stringify({ Width: size.width, Height: size.height }))) : undefined,
    exit,
    close: () => ws.close(),
  };
}

/** Opens one forwarded connection to `port` in the sandbox, at the stream server's URL. */
export async function dialPortForward(url: string, port: number): Promise<PortForwardStream> {
  const target = `${url}${url.includes("?") ? "&" : "?"}port=${port}`;
  const ws = await connect(target, ["v4.channel.k8s.io"]);
  const data = pushStream();
  const seenPrefix = [false, false];
  let errorText = "";
  ws.addEventListener("message", (event) => {
    const bytes = new Uint8Array(event.data as ArrayBuffer);
    if (bytes.length === 0) return;
    const channel = bytes[0]!;
    let payload = bytes.subarray(1);
    // Each channel opens with the port number (uint16, little endian): not data.
    if (channel <= 1 && !seenPrefix[channel]) {
      seenPrefix[channel] = true;
      payload = payload.subarray(2);
    }
    if (channel === 0) data.push(payload.slice());
    else if (channel === 1) errorText += new TextDecoder().decode(payload);
  });
  ws.addEventListener("close", () => {
    data.end();
  }, { once: true });
  return {
    readable: data.stream,
    writable: new WritableStream<Uint8Array>({
      write: (chunk) => {
        if (errorText) throw new Error(`port-forward to ${port}: ${errorText}`);
        if (ws.readyState === WebSocket.OPEN) ws.send(frame(0, chunk));
      },
      close: () => ws.close(),
    }),
    close: () => ws.close(),
  };
}
