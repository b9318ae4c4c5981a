/** A TCP port free on 127.0.0.1 right now (the benchmarks' servers listen on loopback only). */
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}
