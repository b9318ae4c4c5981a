/**
 * WebSocket upgrades, independent of the runtime: the app decides (after authentication and
 * authorization) whether a request may become a WebSocket and what runs on it; the Node and Deno
 * transports only carry out the handshake and wrap their socket in this small interface.
 */
export interface WebSocketLike {
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onMessage(listener: (data: string | Uint8Array) => void): void;
  onClose(listener: () => void): void;
}

/** The app's yes to a WebSocket: the subprotocol to answer with, and what to do once the socket is open. */
export interface UpgradeAcceptance {
  kind?: "websocket";
  protocol?: string;
  open(socket: WebSocketLike): void;
}

// --- raw upgrades (port-forward's SPDY/3.1: protocols/spdy, handlers/pod-portforward.ts)

/** The connection after a non-WebSocket upgrade (`Upgrade: SPDY/3.1`): plain bytes both ways. */
export interface RawConnectionLike {
  write(bytes: Uint8Array): void;
  close(): void;
  onData(listener: (bytes: Uint8Array) => void): void;
  onClose(listener: () => void): void;
}

/**
 * The app's yes to a raw upgrade: the transport answers `101 Switching Protocols` with
 * `Connection: Upgrade`, `Upgrade: <upgrade>` and `headers`, then hands over the socket. Only the
 * Node transport can (Deno.serve gives no raw socket): under Deno the request is refused.
 */
export interface RawUpgradeAcceptance {
  kind: "raw";
  upgrade: string;
  headers: Record<string, string>;
  open(connection: RawConnectionLike): void;
}

/** What an upgrade handler may answer besides a refusing Response. */
export type AnyUpgradeAcceptance = UpgradeAcceptance | RawUpgradeAcceptance;

/** `Upgrade: SPDY/3.1` (kubectl's port-forward, exec and attach without WebSocket). */
export function isSpdyUpgrade(request: Request): boolean {
  return (request.headers.get("upgrade") ?? "").toLowerCase().startsWith("spdy/");
}

/**
 * Why a SPDY/3.1 upgrade is refused where the transport has no raw upgrade: Deno.serve only
 * upgrades to WebSocket (Deno 2 has no Deno.upgradeHttp), so such a request reaches the plain
 * HTTP handler of the subresource, which answers this.
 */
export const SPDY_UNSERVED_MESSAGE =
  "unable to upgrade connection: this API server runs under Deno, whose HTTP server (Deno.serve) cannot switch a connection to SPDY/3.1; use the WebSocket protocols (kubectl 1.30+ does unless KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false or KUBECTL_PORT_FORWARD_WEBSOCKETS=false)";
// --- end raw upgrades

/** The subprotocols the client offered (Sec-WebSocket-Protocol), in its order. */
export function offeredProtocols(request: Request): string[] {
  return (request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter(Boolean);
}

export function isWebSocketUpgrade(request: Request): boolean {
  return (request.headers.get("upgrade") ?? "").toLowerCase() === "websocket";
}
