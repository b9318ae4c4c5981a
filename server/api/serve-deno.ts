/**
 * The Deno transport: Deno.serve with TLS in front of the fetch handler, and WebSocket upgrades
 * through Deno.upgradeWebSocket. Deno's server does not expose client certificates, so under
 * Deno clients authenticate with bearer tokens.
 */
import type { ApiHandlers } from "./app.ts";
import type { ListenOptions, RunningServer } from "./serve.ts";
import { isWebSocketUpgrade, type WebSocketLike } from "./upgrade.ts";

interface DenoServer {
  addr: { port: number };
  shutdown(): Promise<void>;
}
interface DenoApi {
  serve(
    options: { port: number; hostname: string; cert: string; key: string; onListen?: () => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): DenoServer;
  upgradeWebSocket(request: Request, options?: { protocol?: string }): { socket: WebSocket; response: Response };
}

function wrap(ws: WebSocket): WebSocketLike {
  ws.binaryType = "arraybuffer";
  return {
    send: (data) => ws.send(data as string | ArrayBufferView<ArrayBuffer>),
    close: (code, reason) => ws.close(code, reason),
    onMessage: (listener) => ws.addEventListener("message", (e) => listener(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer))),
    onClose: (listener) => ws.addEventListener("close", () => listener()),
  };
}

export function serveDeno(handlers: ApiHandlers, options: ListenOptions): Promise<RunningServer> {
  const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
  const server = deno.serve(
    { port: options.port, hostname: options.hostname, cert: options.tls.cert, key: options.tls.key, onListen: () => {} },
    async (request) => {
      if (!isWebSocketUpgrade(request)) return handlers.fetch(request, undefined);
      const result = await handlers.upgrade(request, undefined);
      if (result instanceof Response) return result;
      // Deno.serve has no raw upgrade (Deno 2 dropped Deno.upgradeHttp): a SPDY/3.1 request
      // (kubectl's fallback) goes to the fetch handler above, whose pods/exec, attach and
      // portforward answer a Status that says so (upgrade.ts's SPDY_UNSERVED_MESSAGE). kubectl's
      // own SPDY request never gets that far: it carries Content-Length: 0, and Deno's server
      // (checked with Deno 2.9) answers an upgrade request with a body length an empty 400 itself,
      // so kubectl prints a bare "Error from server:".
      if (result.kind === "raw") return new Response("raw upgrades are not served under Deno", { status: 400 });
      const { socket, response } = deno.upgradeWebSocket(request, result.protocol ? { protocol: result.protocol } : {});
      socket.addEventListener("open", () => result.open(wrap(socket)), { once: true });
      return response;
    },
  );
  return Promise.resolve({ port: server.addr.port, close: () => server.shutdown() });
}
