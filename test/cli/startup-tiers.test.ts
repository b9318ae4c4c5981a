/**
 * `k3ts server` starts on V8's interpreter and baseline compiler only, and turns the optimizing
 * compilers back on once it is up (plugins/platform.ts pauseOptimizingCompilers): an idle server
 * does not hold their code and threads, and a busy one is optimized as before. Watched through
 * V8's own `--trace-opt` output of the real CLI.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listenFlags, repo, start, type Running } from "./spawn.ts";

let k3ts: Running | undefined;
afterEach(async () => {
  k3ts?.child.kill("SIGKILL");
  await k3ts?.exited().catch(() => {});
  k3ts = undefined;
});

/** V8's `--trace-opt` line for a function compiled by Maglev or TurboFan. */
const OPTIMIZED = /^\[completed (compiling|optimizing) .*\(target (MAGLEV|TURBOFAN_JS)\).*$/gm;

/**
 * Node's type stripper (wasm-bindgen glue, `…Wasm0`): running the checkout's source, it turns
 * main.ts and its few imports into JavaScript before main() can pause the tiers.
 */
const TYPE_STRIPPER = /<JSFunction \w*Wasm0\b/;

function optimized(stdout: string): { maglev: string[]; turbofan: string[] } {
  const lines = (stdout.match(OPTIMIZED) ?? []).filter((line) => !TYPE_STRIPPER.test(line));
  return { maglev: lines.filter((l) => l.includes("(target MAGLEV)")), turbofan: lines.filter((l) => l.includes("(target TURBOFAN_JS)")) };
}

function get(port: number, path: string, ca: string, token: string, agent: Agent): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, agent, ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on("end", () => ok(res.statusCode ?? 0));
    });
    req.on("error", fail);
    req.end();
  });
}

describe("k3ts server's optimizing compilers", () => {
  it("stay off while the server starts and serve requests once it is up", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "k3ts-tiers-"));
    const listen = await listenFlags();
    const port = Number(listen.at(-1));
    k3ts = start([process.execPath, "--trace-opt", resolve(repo, "bin/k3ts.js"), "server", "--data-dir", dataDir, "--log-format", "json", ...listen]);
    await k3ts.waitForLine(/k3ts server is up/);
    // What V8 optimized before the server was up (the trace goes to standard output, written
    // before the "up" line). Without the pause: 4 TurboFan and over 100 Maglev compilations
    // (Node's module loader, CBOR decoding). With it, at most Node's path helpers while main.ts
    // and its few imports load, before main() runs.
    const startup = optimized(k3ts.output().stdout);
    expect(startup.turbofan).toEqual([]);
    expect(startup.maglev.length).toBeLessThanOrEqual(5);

    const ca = readFileSync(join(dataDir, "server/tls/server-ca.crt"), "utf8");
    const token = readFileSync(join(dataDir, "server/admin-token"), "utf8").trim();
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    try {
      // Enough requests for the request path to become hot: a bounded loop on loopback.
      for (let i = 0; i < 3000 && optimized(k3ts.output().stdout).maglev.length <= startup.maglev.length; i++) {
        expect(await get(port, "/api/v1/namespaces/default", ca, token, agent)).toBe(200);
      }
    } finally {
      agent.destroy();
    }
    expect(optimized(k3ts.output().stdout).maglev.length).toBeGreaterThan(startup.maglev.length);
  });
});
