/**
 * SPDY/3.1, as Kubernetes uses it for exec, attach and port-forward (moby/spdystream on the
 * other side): framing, header blocks with zlib and the SPDY/3 dictionary, sessions with
 * multiplexed streams, and the server side of the port-forward protocol. A protocol library:
 * it imports nothing of k3ts (node:zlib and node:buffer only, which Deno provides).
 */
export * from "./dictionary.ts";
export * from "./frames.ts";
export * from "./headers.ts";
export * from "./session.ts";
export * from "./portforward.ts";
