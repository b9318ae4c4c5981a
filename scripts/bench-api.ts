/**
 * API server benchmark: starts `k3ts server` (SQLite, in a temporary data dir, loopback only) as
 * its own process and measures, over HTTPS with keep-alive:
 *   GET, LIST (500 objects) and CREATE requests/s with 16 concurrent clients;
 *   watch fan-out: 1,000 watchers on one resource, write → event at every watcher, p50/p99;
 *   the server's RSS idle and holding 10,000 objects.
 * Prints a markdown table. Usage:
 *   node scripts/bench-api.ts [--seconds 5] [--watchers 1000] [--hold 10000] [--from dist|source]
 * `--from dist` (the default) runs `npm run build` first and starts `node dist/main.js`, as the
 * installed package does; `--from source` starts bin/k3ts.js from the checkout, which runs the
 * TypeScript source through Node's type stripping (about 30 MB more RSS).
 * The objects are pods when the server serves them, else ConfigMaps (the table says which).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { k3tsEntry, repo } from "./bench-support/entry.ts";
import { freePort } from "./bench-support/free-port.ts";
import { rssMiB as serverRss } from "./bench-support/rss.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "5" }, watchers: { type: "string", default: "1000" }, hold: { type: "string", default: "10000" }, from: { type: "string", default: "dist" } },
});
const FROM = values.from!;
const SECONDS = Number(values.seconds);
const WATCHERS = Number(values.watchers);
const HOLD = Number(values.hold);
const CONCURRENCY = 16;

const entryArgs = [k3tsEntry(FROM)];

const dir = mkdtempSync(join(tmpdir(), "k3ts-bench-api-"));
const port = await freePort();
const startServer = () => spawn(join(repo, "node_modules/.bin/node"), [...entryArgs, "server", "--data-dir", dir, "--bind-address", "127.0.0.1", "--https-listen-port", String(port), "--log-level", "warn"], { stdio: ["ignore", "ignore", "inherit"] });
let server = startServer();
const cleanup = () => {
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
};
process.on("exit", cleanup);

const rssMiB = () => serverRss(server.pid!);

// Wait for the kubeconfig and /readyz.
let ca = "";
let token = "";
for (let i = 0; i < 200; i++) {
  try {
    ca = readFileSync(join(dir, "server/tls/server-ca.crt"), "utf8");
    token = readFileSync(join(dir, "server/admin-token"), "utf8").trim();
    readFileSync(join(dir, "server/cred/admin.kubeconfig"));
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca });

interface Reply {
  status: number;
  body: string;
}
function call(method: string, path: string, body?: unknown, a: Agent = agent): Promise<Reply> {
  const contentType = method === "PATCH" ? "application/merge-patch+json" : "application/json";
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, method, path, agent: a, headers: { authorization: `Bearer ${token}`, "content-type": contentType, accept: "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => ok({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const NS = "bench";
await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
const havePods = (await call("GET", `/api/v1/namespaces/${NS}/pods`)).status === 200;
const resource = havePods ? "pods" : "configmaps";
function object(name: string): unknown {
  return havePods
    ? { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "bench" } }, spec: { containers: [{ name: "c", image: "busybox:local" }] } }
    : { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { app: "bench" } }, data: { a: "b".repeat(200) } };
}

await new Promise((r) => setTimeout(r, 1000));
const firstStartRss = rssMiB();

// A restart on the same data dir: the usual life of a server (its certificates exist). The rest
// of the run uses this process.
await new Promise<void>((ok) => {
  server.once("exit", () => ok());
  server.kill("SIGTERM");
});
agent.destroy();
server = startServer();
for (let i = 0; i < 200; i++) {
  const ready = await call("GET", "/readyz").then((r) => r.status === 200, () => false);
  if (ready) break;
  await new Promise((r) => setTimeout(r, 100));
}
await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench-2" } });
await new Promise((r) => setTimeout(r, 1000));
const idleRss = rssMiB();

let createdOk = 0;
/** Runs `op` from 16 workers for SECONDS; returns requests/s (every answer must be `want`). */
async function throughput(op: (i: number) => Promise<Reply>, want: number): Promise<number> {
  let n = 0;
  let failures = 0;
  const deadline = performance.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      const r = await op(n++);
      if (r.status !== want) failures++;
      else if (want === 201) createdOk++;
    }
  }));
  if (failures) console.error(`# ${failures} of ${n} requests failed`);
  return n / SECONDS;
}

for (let i = 0; i < 500; i++) await call("POST", `/api/v1/namespaces/${NS}/${resource}`, object(`list-${i}`));
const getRate = await throughput(() => call("GET", `/api/v1/namespaces/${NS}/${resource}/list-7`), 200);
const listRate = await throughput(() => call("GET", `/api/v1/namespaces/${NS}/${resource}?limit=500`), 200);
const createRate = await throughput((i) => call("POST", `/api/v1/namespaces/${NS}/${resource}`, object(`create-${i}`)), 201);

// Watch fan-out: WATCHERS streams, then timed writes; latency = event arrival − write start.
const watchAgent = new Agent({ keepAlive: true, maxSockets: WATCHERS + 10, ca });
const latencies: number[] = [];
const sentAt = new Map<string, number>();
const seen = new Map<string, number>();
const watchers: { destroy(): void }[] = [];
const rv = JSON.parse((await call("GET", `/api/v1/namespaces/${NS}/${resource}?limit=1`)).body).metadata.resourceVersion;
await Promise.all(Array.from({ length: WATCHERS }, () => new Promise<void>((ok, fail) => {
  const req = request({ host: "127.0.0.1", port, method: "GET", path: `/api/v1/namespaces/${NS}/${resource}?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dfan`, agent: watchAgent, headers: { authorization: `Bearer ${token}` } }, (res) => {
    let buffered = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const event = JSON.parse(line);
        const key = event.object?.metadata?.resourceVersion as string;
        const at = performance.now();
        const stamp = event.object?.metadata?.annotations?.stamp as string | undefined;
        if (stamp && sentAt.has(stamp)) {
          latencies.push(at - sentAt.get(stamp)!);
          seen.set(stamp, (seen.get(stamp) ?? 0) + 1);
        }
        void key;
      }
    });
    ok();
  });
  req.on("error", fail);
  req.end();
  watchers.push(req);
})));
await new Promise((r) => setTimeout(r, 1000));
const WRITES = 20;
await call("POST", `/api/v1/namespaces/${NS}/${resource}`, { ...(object("fan") as object), metadata: { name: "fan", annotations: { stamp: "init" } } });
for (let i = 0; i < WRITES; i++) {
  const stamp = `w${i}`;
  sentAt.set(stamp, performance.now());
  await call("PATCH", `/api/v1/namespaces/${NS}/${resource}/fan`, { metadata: { annotations: { stamp } } }).catch(() => undefined);
  // Each write is awaited by every watcher before the next, so the figures are per write.
  const deadline = performance.now() + 10_000;
  while ((seen.get(stamp) ?? 0) < WATCHERS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
}
for (const w of watchers) w.destroy();
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
const delivered = latencies.length;

// RSS holding HOLD objects.
// (The CREATE figure may already have made more than HOLD; the table says how many are held.)
const existing = 500 + createdOk + 1;
let held = existing;
for (let i = 0; i < HOLD - existing; i += CONCURRENCY) {
  const batch = Math.min(CONCURRENCY, HOLD - existing - i);
  const replies = await Promise.all(Array.from({ length: batch }, (_, j) => call("POST", `/api/v1/namespaces/${NS}/${resource}`, object(`hold-${i + j}`))));
  held += replies.filter((r) => r.status === 201).length;
}
await new Promise((r) => setTimeout(r, 2000));
const heldRss = rssMiB();

const row = (what: string, value: string, goal: string) => console.log(`| ${what} | ${value} | ${goal} |`);
console.log(`\nk3ts API server, ${resource}, ${CONCURRENCY} clients over HTTPS keep-alive, ${SECONDS} s per figure (node ${process.version}, from ${FROM})\n`);
console.log("| measure | value | goal |\n| --- | --- | --- |");
row("GET requests/s", getRate.toFixed(0), "≥ 10,000");
row(`LIST (500 ${resource}) requests/s`, listRate.toFixed(1), "—");
row("CREATE requests/s", createRate.toFixed(0), "≥ 2,000");
row(`watch fan-out, ${WATCHERS} watchers: write → event p50 / p99 (ms)`, `${pct(50).toFixed(1)} / ${pct(99).toFixed(1)} (${delivered} of ${WATCHERS * WRITES} events)`, "p99 ≤ 100");
row("server RSS idle, first start (MiB)", firstStartRss.toFixed(1), "—");
row("server RSS idle, restarted (MiB)", idleRss.toFixed(1), "≤ 80");
row(`server RSS holding ${held} ${resource} (MiB)`, heldRss.toFixed(1), "—");
cleanup();
process.exit(0);
