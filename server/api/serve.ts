/**
 * Serves the API's fetch handler over HTTPS on whichever runtime we run on; the
 * runtime-specific parts are the two small adapters beside this file.
 */
import type { ApiHandlers } from "./app.ts";

export interface ListenOptions {
  port: number;
  hostname: string;
  tls: { key: string; cert: string; clientCA?: string };
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export async function serveHttps(handler: ApiHandlers, options: ListenOptions): Promise<RunningServer> {
  if ("Deno" in globalThis) {
    const { serveDeno } = await import("./serve-deno.ts");
    return serveDeno(handler, options);
  }
  const { serveNode } = await import("./serve-node.ts");
  return serveNode(handler, options);
}
