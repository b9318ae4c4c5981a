/**
 * Scale benchmark: starts `k3ts server --runtime fake --simulated-nodes N` (SQLite, a temporary
 * data dir, loopback only) as its own process, waits until every node is Ready, then creates
 * --deployments Deployments of --replicas pods each from 16 concurrent HTTPS clients (keep-alive)
 * and follows every pod with one watch until all are Running. Measures:
 *   time from the first create until every pod is Running;
 *   scheduler throughput: pods bound (spec.nodeName first seen in the watch) per second,
 *     sustained (bound / time from first to last binding) and peak (best one-second bin);
 *   mutating-call latency, client side: every Deployment create, plus a probe that updates a
 *     ConfigMap every 100 ms from the first create until all pods are Running (p50 / p99);
 *   server side: apiserver_request_duration_seconds from the server's /metrics (HTTP requests
 *     only; the in-process controllers, scheduler and kubelets write without HTTP, except for
 *     pods/binding), p50 / p99 of the mutating verbs by bucket;
 *   the server's RSS (VmRSS) and the database size (state.db + -wal) at the end.
 * Prints a markdown table. Usage:
 *   node scripts/bench-scale.ts [--nodes 1000] [--deployments 3000] [--replicas 10]
 *     [--from dist|source] [--cpu-prof DIR] [--timeout 600]
 * `--from dist` (the default) runs `npm run build` first and starts `node dist/main.js`;
 * `--from source` starts bin/k3ts.js from the checkout. `--cpu-prof DIR` runs the server under
 * `node --cpu-prof --cpu-prof-dir DIR` (the profile is written when the server exits).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { k3tsEntry, repo } from "./bench-support/entry.ts";
import { freePort } from "./bench-support/free-port.ts";
import { rssMiB as serverRss } from "./bench-support/rss.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000" },
    deployments: { type: "string", default: "3000" },
    replicas: { type: "string", default: "10" },
    from: { type: "string", default: "dist" },
    "cpu-prof": { type: "string" },
    timeout: { type: "string", default: "600" },
    "keep-dir": { type: "boolean", default: false },
  },
});
const FROM = values.from!;
const NODES = Number(values.nodes);
const DEPLOYMENTS = Number(values.deployments);
const REPLICAS = Number(values.replicas);
const PODS = DEPLOYMENTS * REPLICAS;
const TIMEOUT_MS = Number(values.timeout) * 1000;
const CONCURRENCY = 16;
const NS = "scale";
const t0 = performance.now();
const log = (msg: string) => console.error(`# [${((performance.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

const entry = k3tsEntry(FROM);
const nodeFlags = values["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", resolve(values["cpu-prof"])] : [];

const dir = mkdtempSync(join(tmpdir(), "k3ts-bench-scale-"));
const port = await freePort();
// A /14 gives 1,024 /24 node CIDRs (the default /16 gives 256). The fake runtime's pod IPs never
// leave the process.
const server = spawn(join(repo, "node_modules/.bin/node"), [
  ...nodeFlags, entry, "server", "--data-dir", dir, "--bind-address", "127.0.0.1", "--https-listen-port", String(port), "--log-level", "warn",
  "--runtime", "fake", "--simulated-nodes", String(NODES), "--cluster-cidr", "10.0.0.0/14", "--node-name", "bench",
], { stdio: ["ignore", "ignore", "inherit"] });
let exited = false;
server.on("exit", () => (exited = true));
const cleanup = () => {
  if (!exited) server.kill("SIGTERM");
  if (!values["keep-dir"]) rmSync(dir, { recursive: true, force: true });
};
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

const rssMiB = () => serverRss(server.pid!);
function dbMiB(): number {
  let bytes = 0;
  for (const f of readdirSync(join(dir, "server/db"), { withFileTypes: true })) if (f.isFile()) bytes += statSync(join(dir, "server/db", f.name)).size;
  return bytes / 1024 / 1024;
}

let ca = "";
let token = "";
for (let i = 0; i < 600 && !exited; i++) {
  try {
    ca = readFileSync(join(dir, "server/tls/server-ca.crt"), "utf8");
    token = readFileSync(join(dir, "server/admin-token"), "utf8").trim();
    readFileSync(join(dir, "server/cred/admin.kubeconfig"));
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
if (!token) throw new Error("the server wrote no admin token");
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca });
const probeAgent = new Agent({ keepAlive: true, maxSockets: 1, ca });
const watchAgent = new Agent({ keepAlive: true, maxSockets: 4, ca });

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

/**
 * Follows a watch as JSON lines, as an informer does: when the server ends it (a timeout, or a
 * client it thinks too slow) it is resumed from the last resourceVersion seen. Resolves once the
 * first stream is open; the returned function stops it.
 */
let rewatches = 0;
let relists = 0;
function watch(path: string, fromRv: string, onEvent: (e: { type: string; object: any }) => void): Promise<() => void> {
  let stopped = false;
  let rv = fromRv;
  let current: { destroy(): void } | undefined;
  let expired = false;
  const relist = async () => {
    relists++;
    let cont = "";
    const listPath = path.replace(/[?&]watch=1/, "").replace(/[?&]allowWatchBookmarks=\w+/, "");
    do {
      const sep = listPath.includes("?") ? "&" : "?";
      const page = JSON.parse((await call("GET", `${listPath}${sep}limit=5000${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`, undefined, probeAgent)).body);
      for (const object of page.items) onEvent({ type: "MODIFIED", object });
      rv = page.metadata.resourceVersion;
      cont = page.metadata.continue ?? "";
    } while (cont);
  };
  const open = (first: boolean) => new Promise<void>((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, method: "GET", path: `${path}&resourceVersion=${rv}`, agent: watchAgent, headers: { authorization: `Bearer ${token}`, accept: "application/json" } }, (res) => {
      if (res.statusCode !== 200) return fail(new Error(`watch ${path}: ${res.statusCode}`));
      let buffered = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffered += chunk;
        let nl: number;
        let from = 0;
        while ((nl = buffered.indexOf("\n", from)) >= 0) {
          const e = JSON.parse(buffered.slice(from, nl));
          from = nl + 1;
          if (e.type === "ERROR") {
            // 410: the window moved past us; relist (as an informer does), then watch on.
            if (e.object?.code === 410) expired = true;
            else log(`watch error: ${JSON.stringify(e.object)}`);
            continue;
          }
          rv = e.object?.metadata?.resourceVersion ?? rv;
          if (e.type !== "BOOKMARK") onEvent(e);
        }
        buffered = buffered.slice(from);
      });
      res.on("end", () => {
        if (stopped) return;
        rewatches++;
        const again = expired ? relist().then(() => open(false)) : open(false);
        expired = false;
        void again.catch((err) => log(`re-watch failed: ${err}`));
      });
      ok();
    });
    current = req;
    req.on("error", (err) => (stopped ? undefined : first ? fail(err) : log(`watch: ${err}`)));
    req.end();
  });
  return open(true).then(() => () => {
    stopped = true;
    current?.destroy();
  });
}

// 1. The server is ready and every node is Ready.
for (let i = 0; i < 1200; i++) {
  if (exited) throw new Error("the server exited");
  const ready = await call("GET", "/readyz").then((r) => r.status === 200, () => false);
  if (ready) break;
  await new Promise((r) => setTimeout(r, 100));
}
log("server ready; waiting for the nodes");
const nodesStarted = performance.now();
let readyNodes = 0;
for (;;) {
  if (exited) throw new Error("the server exited");
  const list = JSON.parse((await call("GET", "/api/v1/nodes")).body);
  readyNodes = (list.items as any[]).filter((n) => n.spec?.podCIDR && n.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")).length;
  if (readyNodes >= NODES + 1) break;
  if (performance.now() - nodesStarted > TIMEOUT_MS) throw new Error(`only ${readyNodes} nodes Ready with a podCIDR`);
  await new Promise((r) => setTimeout(r, 1000));
}
const nodesSeconds = (performance.now() - nodesStarted) / 1000;
log(`${readyNodes} nodes Ready in ${nodesSeconds.toFixed(1)} s; RSS ${rssMiB().toFixed(0)} MiB`);
const idleRss = rssMiB();

await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
await call("POST", `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "probe" }, data: { n: "0" } });
await new Promise((r) => setTimeout(r, 1000));

// 2. One watch on the namespace's pods: binding and Running times per pod.
const boundAt = new Map<string, number>();
const running = new Set<string>();
const bins = new Map<number, number>();
let start = 0;
let firstBound = Infinity;
let lastBound = 0;
let allRunningAt = 0;
let onAllRunning!: () => void;
const allRunning = new Promise<void>((r) => (onAllRunning = r));
const rv = JSON.parse((await call("GET", `/api/v1/namespaces/${NS}/pods?limit=1`)).body).metadata.resourceVersion;
const stopWatch = await watch(`/api/v1/namespaces/${NS}/pods?watch=1&allowWatchBookmarks=true`, rv, (e) => {
  const pod = e.object;
  const uid = pod.metadata.uid as string;
  const now = performance.now();
  if (pod.spec?.nodeName && !boundAt.has(uid)) {
    boundAt.set(uid, now);
    firstBound = Math.min(firstBound, now);
    lastBound = now;
    const second = Math.floor((now - start) / 1000);
    bins.set(second, (bins.get(second) ?? 0) + 1);
  }
  if (e.type !== "DELETED" && pod.status?.phase === "Running") running.add(uid);
  else running.delete(uid);
  if (!allRunningAt && running.size >= PODS) {
    allRunningAt = now;
    onAllRunning();
  }
});

// 3. Deployments from 16 clients; a probe ConfigMap update every 100 ms until all pods Run.
const createLatencies: number[] = [];
const probeLatencies: number[] = [];
let failures = 0;
function deployment(i: number): unknown {
  const app = `app-${i}`;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: app, namespace: NS },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: { containers: [{ name: "c", image: "busybox:local", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
      },
    },
  };
}
start = performance.now();
log(`creating ${DEPLOYMENTS} Deployments × ${REPLICAS}`);
let probing = true;
const probe = (async () => {
  let n = 0;
  while (probing) {
    const at = performance.now();
    const r = await call("PUT", `/api/v1/namespaces/${NS}/configmaps/probe`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "probe" }, data: { n: String(++n) } }, probeAgent).catch(() => ({ status: 0, body: "" }));
    if (r.status === 200) probeLatencies.push(performance.now() - at);
    else failures++;
    await new Promise((res) => setTimeout(res, 100));
  }
})();
let next = 0;
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (next < DEPLOYMENTS) {
    const i = next++;
    const at = performance.now();
    const r = await call("POST", `/apis/apps/v1/namespaces/${NS}/deployments`, deployment(i));
    if (r.status === 201) createLatencies.push(performance.now() - at);
    else {
      failures++;
      if (failures < 5) log(`create ${i}: ${r.status} ${r.body.slice(0, 200)}`);
    }
  }
}));
const createdSeconds = (performance.now() - start) / 1000;
log(`created in ${createdSeconds.toFixed(1)} s; ${boundAt.size} bound, ${running.size} Running`);
const progress = setInterval(() => log(`${boundAt.size} bound, ${running.size} Running, RSS ${rssMiB().toFixed(0)} MiB`), 10_000);
const timedOut = await Promise.race([allRunning.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), TIMEOUT_MS).unref())]);
clearInterval(progress);
probing = false;
await probe;
stopWatch();
const endAt = allRunningAt || performance.now();
const totalSeconds = (endAt - start) / 1000;
await new Promise((r) => setTimeout(r, 2000));
const rss = rssMiB();
const db = dbMiB();

// Server-side request durations, mutating verbs (Prometheus text format).
const metricsReply = await call("GET", "/metrics");
const serverSide = new Map<string, { buckets: [number, number][]; count: number }>();
if (metricsReply.status === 200) {
  for (const line of metricsReply.body.split("\n")) {
    const m = /^apiserver_request_duration_seconds_bucket\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (!["POST", "PUT", "PATCH", "DELETE"].includes(labels.verb)) continue;
    const key = labels.verb;
    const entry = serverSide.get(key) ?? { buckets: [], count: 0 };
    const le = labels.le === "+Inf" ? Infinity : Number(labels.le);
    const existing = entry.buckets.find((b) => b[0] === le);
    if (existing) existing[1] += Number(m[2]);
    else entry.buckets.push([le, Number(m[2])]);
    serverSide.set(key, entry);
  }
}
function bucketQuantile(buckets: [number, number][], q: number): string {
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (!total) return "—";
  const want = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= want) {
      if (le === Infinity) return `> ${prevLe * 1000} ms`;
      // Linear interpolation inside the bucket, as Prometheus' histogram_quantile.
      const ms = (prevLe + ((le - prevLe) * (want - prevCount)) / Math.max(1, count - prevCount)) * 1000;
      return ms.toFixed(1);
    }
    prevLe = le;
    prevCount = count;
  }
  return "—";
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const creates = sorted(createLatencies);
const probes = sorted(probeLatencies);
const all = sorted([...createLatencies, ...probeLatencies]);
const bindSeconds = (lastBound - firstBound) / 1000;
const sustained = boundAt.size / Math.max(bindSeconds, 0.001);
const peak = Math.max(0, ...bins.values());
const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });

const row = (what: string, value: string, goal: string) => console.log(`| ${what} | ${value} | ${goal} |`);
console.log(`\nk3ts scale: ${fmt(NODES)} simulated nodes (+1), ${fmt(DEPLOYMENTS)} Deployments × ${REPLICAS} = ${fmt(PODS)} pods, SQLite, ${CONCURRENCY} clients over HTTPS keep-alive (node ${process.version}, from ${FROM})${timedOut ? " — TIMED OUT" : ""}\n`);
console.log("| measure | value | goal |\n| --- | --- | --- |");
row(`nodes Ready (${fmt(readyNodes)}) after the server was up`, `${nodesSeconds.toFixed(1)} s`, "—");
row("Deployments created", `${createdSeconds.toFixed(1)} s (${fmt(DEPLOYMENTS / createdSeconds)}/s)`, "—");
row("time until all pods Running (from the first create)", `${totalSeconds.toFixed(1)} s (${fmt(running.size)} of ${fmt(PODS)} Running)`, "≤ 180 s");
row("scheduler throughput, sustained (bound / first to last binding)", `${fmt(sustained)} pods/s (${fmt(boundAt.size)} in ${bindSeconds.toFixed(1)} s)`, "≥ 300 pods/s");
row("scheduler throughput, peak (best second)", `${fmt(peak)} pods/s`, "—");
row(`mutating calls, client side, p50 / p99 (ms): all ${fmt(all.length)}`, `${pct(all, 50).toFixed(1)} / ${pct(all, 99).toFixed(1)}`, "p99 ≤ 1,000");
row(`… Deployment creates (${fmt(creates.length)})`, `${pct(creates, 50).toFixed(1)} / ${pct(creates, 99).toFixed(1)} (max ${(creates.at(-1) ?? NaN).toFixed(0)})`, "—");
row(`… ConfigMap updates every 100 ms during the run (${fmt(probes.length)})`, `${pct(probes, 50).toFixed(1)} / ${pct(probes, 99).toFixed(1)} (max ${(probes.at(-1) ?? NaN).toFixed(0)})`, "—");
for (const [verb, e] of [...serverSide].sort()) {
  const count = e.buckets.find((b) => b[0] === Infinity)?.[1] ?? 0;
  row(`server side ${verb} (${fmt(count)} HTTP requests, whole run), p50 / p99 (ms, from buckets)`, `${bucketQuantile(e.buckets, 0.5)} / ${bucketQuantile(e.buckets, 0.99)}`, "—");
}
if (metricsReply.status !== 200) row("server side request durations", `/metrics answered ${metricsReply.status}`, "—");
row("failed mutating calls", String(failures), "0");
row("pod watch resumed after the server ended it (of which relists after a 410)", `${rewatches} (${relists})`, "—");
row("server RSS with the nodes Ready, before the pods (MiB)", idleRss.toFixed(0), "—");
row("server RSS at the end (MiB)", rss.toFixed(0), "≤ 1,536");
row("database size at the end (state.db + WAL, MiB)", db.toFixed(1), "≤ 500");
if (values["keep-dir"]) console.error(`# data dir kept: ${dir}`);
await new Promise<void>((ok) => {
  if (exited) return ok();
  server.once("exit", () => ok());
  server.kill("SIGTERM");
});
exited = true;
cleanup();
process.exit(timedOut ? 1 : 0);
