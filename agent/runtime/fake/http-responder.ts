/**
 * What a simulated pod "listens" on, for port-forward through the fake runtime: the ports listed
 * in the pod's annotation `k3ts.io/fake-http-ports` ("8080" or "8080,9090") answer every HTTP
 * request on a connection with `200 OK` and the body of `k3ts.io/fake-http-body` (default:
 * "fake pod NAMESPACE/NAME port PORT\n"), then close the connection, as a tiny HTTP/1.0 server
 * would. Other ports refuse the connection, with the message a real runtime gives. In memory
 * only: no socket is opened.
 */
import type { PodSandboxStatus, PortForwardStream } from "../mod.ts";

export const HTTP_PORTS_ANNOTATION = "k3ts.io/fake-http-ports";
export const HTTP_BODY_ANNOTATION = "k3ts.io/fake-http-body";

/** Requests larger than this are answered 431 (no simulated pod needs more). */
const MAX_REQUEST_BYTES = 64 * 1024;

export function fakeHttpPorts(annotations: Record<string, string>): number[] {
  return (annotations[HTTP_PORTS_ANNOTATION] ?? "").split(",").map((p) => Number(p.trim())).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
}

/** A connection to `port` of the sandbox, or the refusal a real runtime reports. */
export function fakeHttpConnection(sandbox: PodSandboxStatus, port: number): PortForwardStream {
  if (!fakeHttpPorts(sandbox.annotations).includes(port)) {
    throw new Error(`failed to connect to localhost:${port} inside namespace "${sandbox.id}": dial tcp4 127.0.0.1:${port}: connect: connection refused`);
  }
  const { namespace, name } = sandbox.metadata;
  const body = sandbox.annotations[HTTP_BODY_ANNOTATION] ?? `fake pod ${namespace}/${name} port ${port}\n`;
  const encoder = new TextEncoder();
  let out!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      out.close();
    } catch {
      // Cancelled by the reader.
    }
  };
  const respond = (status: string, text: string) => {
    if (closed) return;
    const bytes = encoder.encode(text);
    out.enqueue(encoder.encode(`HTTP/1.0 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`));
    out.enqueue(bytes);
    close();
  };
  let request = "";
  const decoder = new TextDecoder();
  return {
    readable: new ReadableStream<Uint8Array>({ start: (c) => void (out = c), cancel: () => void (closed = true) }),
    writable: new WritableStream<Uint8Array>({
      write(chunk) {
        request += decoder.decode(chunk, { stream: true });
        if (request.includes("\r\n\r\n") || request.includes("\n\n")) respond("200 OK", body);
        else if (request.length > MAX_REQUEST_BYTES) respond("431 Request Header Fields Too Large", "request too large\n");
      },
      // The client ended its side before a whole request: nothing to answer.
      close,
    }),
    close,
  };
}
