/**
 * WATCH over WebSocket, as kube-apiserver serves it: the same events as the HTTP stream, one
 * per message — JSON text, or base64 text under the `base64.binary.k8s.io` subprotocol.
 */
import { offeredProtocols, type UpgradeAcceptance } from "../upgrade.ts";

const BASE64 = "base64.binary.k8s.io";

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Turns an HTTP watch response (newline-delimited events) into a WebSocket session. */
export function watchOverWebSocket(request: Request, watch: Response): UpgradeAcceptance {
  const base64 = offeredProtocols(request).includes(BASE64);
  return {
    protocol: base64 ? BASE64 : undefined,
    open(socket) {
      const reader = watch.body!.getReader();
      let closed = false;
      socket.onClose(() => {
        closed = true;
        void reader.cancel().catch(() => {});
      });
      const decoder = new TextDecoder();
      let buffered = "";
      void (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done || closed) break;
            buffered += decoder.decode(value, { stream: true });
            let newline: number;
            while ((newline = buffered.indexOf("\n")) >= 0) {
              const line = buffered.slice(0, newline);
              buffered = buffered.slice(newline + 1);
              socket.send(base64 ? toBase64(new TextEncoder().encode(line)) : line);
            }
          }
        } finally {
          if (!closed) socket.close(1000, "watch ended");
        }
      })();
    },
  };
}
