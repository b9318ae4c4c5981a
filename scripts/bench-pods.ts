/**
 * Pod benchmark: starts `k3ts server --runtime containerd` (as root; `--runtime fake` simulates
 * pods instead) as its own process on loopback, with a temporary data dir whose agent/images/
 * holds build/images/*.tar (k3s's airgap import, so busybox:local is present). Measures:
 *   pod startup latency: create → Running (first seen by a 50 ms poll of the pod list) of --pods
 *     pods created at once (busybox:local, imagePullPolicy Never), p50 / p99 / max, after one
 *     warm-up pod (so that the image and the pause image are unpacked);
 *   the RSS (VmRSS) of a `k3ts agent --runtime fake` process joined to the server, idle (no pods:
 *     it is tainted), --idle seconds after it is up: the agent without containerd;
 *   the floor (containerd only): --pods sandboxes, each with its container created and started,
 *     all at once straight through the project's CRI client on the server's containerd (no API
 *     server, no kubelet), after the warm-up pod: what containerd, runc and the CNI plugins
 *     alone take on this machine;
 *   containerd's RSS beside it: the server's containerd child with the pods deleted;
 *   the server's RSS at the end.
 * Prints a markdown table. Usage (from the project's root, after `npm run images`):
 *   node scripts/bench-pods.ts [--runtime containerd|fake] [--pods 30] [--idle 10]
 * NETWORK SAFETY, as ../shared/acceptance/run.sh: with containerd, the cluster CIDR 10.42.0.0/16
 * gets an `unreachable` route and the Service CIDR 10.43.0.0/16 is routed to an empty bridge of
 * its own (k3ts-bench-svc) before the server starts; both are removed at exit. The script talks
 * only to loopback.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repo } from "./bench-support/entry.ts";
import { freePort } from "./bench-support/free-port.ts";
import { rssMiB } from "./bench-support/rss.ts";
import { CriClient } from "../agent/runtime/containerd/cri-client.ts";
import { containerConfigToCri, sandboxConfigToCri } from "../agent/runtime/containerd/translate.ts";
import { containerConfig, sandboxConfig } from "../agent/kubelet/runtime-configs.ts";
import type { Pod } from "../agent/kubelet/types.ts";

const { values } = parseArgs({
  options: {
    runtime: { type: "string", default: "containerd" },
    pods: { type: "string", default: "30" },
    idle: { type: "string", default: "10" },
  },
});
const RUNTIME = values.runtime!;
if (RUNTIME !== "containerd" && RUNTIME !== "fake") throw new Error("--runtime is containerd or fake");
if (RUNTIME === "containerd" && process.getuid?.() !== 0) throw new Error("--runtime containerd needs root");
const PODS = Number(values.pods);
const IDLE_MS = Number(values.idle) * 1000;
const NS = "default";
const node = process.execPath;
const entry = join(repo, "bin/k3ts.js");
const t0 = performance.now();
const log = (msg: string) => console.error(`# [${((performance.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), "k3ts-bench-pods-"));
const children: ChildProcess[] = [];
const addedRoutes: string[] = [];
const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();

let cleaned = false;
function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  for (const c of children) {
    if (c.exitCode === null && c.pid) {
      try {
        process.kill(-c.pid, "SIGTERM");
      } catch {
        // gone
      }
    }
  }
  // Wait (bounded) for the process groups to end, then kill what is left.
  const deadline = Date.now() + 30_000;
  for (const c of children) {
    while (c.pid && Date.now() < deadline) {
      try {
        process.kill(-c.pid, 0);
      } catch {
        break;
      }
      execFileSync("sleep", ["0.2"]);
    }
    try {
      if (c.pid) process.kill(-c.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  for (const r of addedRoutes) {
    try {
      if (r === "pods") ip("route", "del", "unreachable", "10.42.0.0/16", "metric", "4242");
      if (r === "svc") ip("link", "del", "k3ts-bench-svc");
    } catch (err) {
      console.error(`# could not remove ${r} dead end: ${(err as Error).message}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

/** Command lines of k3ts containerds already running on this host (another cluster's). */
function otherContainerds(): string[] {
  const found: string[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0");
      if (cmd[0]!.endsWith("containerd") && cmd.some((a) => a.endsWith("agent/containerd/config.toml"))) found.push(`${e}: ${cmd.join(" ")}`);
    } catch {
      // gone
    }
  }
  return found;
}

if (RUNTIME === "containerd") {
  // Two clusters on one host would share the cni0 bridge and the pod CIDR: refuse.
  const others = otherContainerds();
  if (others.length > 0) throw new Error(`another k3ts cluster runs containerd on this host; wait until it stops:\n${others.join("\n")}`);
  const images = join(repo, "build/images");
  if (!existsSync(images) || readdirSync(images).filter((f) => f.endsWith(".tar")).length === 0) throw new Error("no build/images/*.tar: run npm run images first");
  mkdirSync(join(dir, "server-data/agent/images"), { recursive: true });
  for (const f of readdirSync(images)) if (f.endsWith(".tar")) copyFileSync(join(images, f), join(dir, "server-data/agent/images", f));
  // Dead ends for the pod and Service CIDRs: no pod or Service traffic leaves by the default route.
  if (ip("route", "show", "10.42.0.0/16").trim() === "") {
    ip("route", "add", "unreachable", "10.42.0.0/16", "metric", "4242");
    addedRoutes.push("pods");
  }
  let bridgeExists = true;
  try {
    ip("link", "show", "k3ts-bench-svc");
  } catch {
    bridgeExists = false;
  }
  if (!bridgeExists) {
    ip("link", "add", "k3ts-bench-svc", "type", "bridge");
    addedRoutes.push("svc");
    ip("link", "set", "k3ts-bench-svc", "up");
    ip("route", "add", "10.43.0.0/16", "dev", "k3ts-bench-svc", "metric", "4242");
  }
}

function startK3ts(args: string[], name: string): ChildProcess {
  const child = spawn(node, [entry, ...args], { cwd: repo, detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let tail = "";
  child.stderr!.on("data", (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  child.on("exit", (code) => {
    if (!cleaned) console.error(`# ${name} exited early (${code}):\n${tail}`);
  });
  children.push(child);
  return child;
}

const port = await freePort();
const serverData = join(dir, "server-data");
const server = startK3ts(["server", "--data-dir", serverData, "--bind-address", "127.0.0.1", "--https-listen-port", String(port), "--log-level", "warn", "--runtime", RUNTIME, "--node-name", "bench"], "server");

let ca = "";
let token = "";
for (let i = 0; i < 600 && server.exitCode === null; i++) {
  try {
    ca = readFileSync(join(serverData, "server/tls/server-ca.crt"), "utf8");
    token = readFileSync(join(serverData, "server/admin-token"), "utf8").trim();
    break;
  } catch {
    await sleep(100);
  }
}
if (!token) throw new Error("the server wrote no admin token");
const agent = new Agent({ keepAlive: true, maxSockets: PODS + 2, ca });

function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, method, path, agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => ok({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 120_000, every = 200): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms / 1000} s`);
    await sleep(every);
  }
}

interface PodList { items: { metadata: { name: string }; status?: { phase?: string } }[] }
const nodeReady = (name: string) => until(`node ${name} Ready`, async () => {
  const r = await call("GET", `/api/v1/nodes/${name}`);
  if (r.status !== 200) return false;
  const n = JSON.parse(r.body) as { status?: { conditions?: { type: string; status: string }[] } };
  return n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
});
await nodeReady("bench");
log(`server up, node bench Ready (runtime ${RUNTIME})`);

const pod = (name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: NS, labels: { bench: "pods" } },
  spec: {
    terminationGracePeriodSeconds: 0,
    containers: [{ name: "c", image: "busybox:local", imagePullPolicy: "Never", command: ["sleep", "3600"] }],
  },
});
const phaseOf = async (name: string) => {
  const r = await call("GET", `/api/v1/namespaces/${NS}/pods/${name}`);
  return r.status === 200 ? (JSON.parse(r.body) as { status?: { phase?: string } }).status?.phase : undefined;
};

// Warm-up: the image and the pause image unpacked, the CNI bridge up.
const warm = await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("warm-up"));
if (warm.status !== 201) throw new Error(`warm-up pod: ${warm.status} ${warm.body}`);
await until("warm-up pod Running", async () => (await phaseOf("warm-up")) === "Running");
await call("DELETE", `/api/v1/namespaces/${NS}/pods/warm-up`);
// Gone before anything is timed: its teardown must not overlap what follows.
await until("warm-up pod gone", async () => (await call("GET", `/api/v1/namespaces/${NS}/pods/warm-up`)).status === 404);
log("warm-up pod ran");

/**
 * containerd alone: PODS sandboxes, each then with its container created and started, all at once
 * through CriClient with the configs the kubelet would send (no volumes, no DNS config). Returns
 * each pod's time from its RunPodSandbox call to StartContainer's return, and the wall time.
 */
async function criFloor(): Promise<{ latencies: number[]; wallMs: number }> {
  const cri = new CriClient(join(serverData, "agent/containerd/containerd.sock"));
  const started = performance.now();
  const made = await Promise.all(Array.from({ length: PODS }, async (_, i) => {
    const p = { ...pod(`floor-${i}`), metadata: { name: `floor-${i}`, namespace: NS, uid: `floor-${i}-${process.pid}` } } as unknown as Pod;
    const sandbox = sandboxConfig(p);
    const t = performance.now();
    const id = await cri.runPodSandbox(sandboxConfigToCri(sandbox));
    const cid = await cri.createContainer(id, containerConfigToCri(containerConfig(p, p.spec.containers[0]!, 0, false), sandbox), sandboxConfigToCri(sandbox));
    await cri.startContainer(cid);
    return { id, ms: performance.now() - t };
  }));
  const wallMs = performance.now() - started;
  await Promise.all(made.map(async ({ id }) => {
    await cri.stopPodSandbox(id);
    await cri.removePodSandbox(id);
  }));
  cri.close();
  return { latencies: made.map((m) => m.ms).sort((a, b) => a - b), wallMs };
}
const floor = RUNTIME === "containerd" ? await criFloor() : undefined;
if (floor) log(`containerd alone: ${PODS} sandboxes + containers in ${(floor.wallMs / 1000).toFixed(2)} s`);

const names = Array.from({ length: PODS }, (_, i) => `bench-${i}`);
const createdAt = new Map<string, number>();
const runningAt = new Map<string, number>();
await Promise.all(names.map(async (name) => {
  createdAt.set(name, performance.now());
  const r = await call("POST", `/api/v1/namespaces/${NS}/pods`, pod(name));
  if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.body}`);
}));
log(`${PODS} pods created`);
await until(`${PODS} pods Running`, async () => {
  const r = await call("GET", `/api/v1/namespaces/${NS}/pods?labelSelector=bench%3Dpods`);
  const now = performance.now();
  for (const p of (JSON.parse(r.body) as PodList).items) {
    if (p.status?.phase === "Running" && !runningAt.has(p.metadata.name)) runningAt.set(p.metadata.name, now);
  }
  return runningAt.size >= PODS;
}, 300_000, 50);
const latencies = names.map((n) => runningAt.get(n)! - createdAt.get(n)!).sort((a, b) => a - b);
const pctOf = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const pct = (p: number) => pctOf(latencies, p);
log("all Running");

// Pods deleted: containerd idles beside the server's kubelet.
await call("DELETE", `/api/v1/namespaces/${NS}/pods?labelSelector=bench%3Dpods`);
await until("pods gone", async () => (JSON.parse((await call("GET", `/api/v1/namespaces/${NS}/pods`)).body) as PodList).items.length === 0);

/** containerd processes whose command line names this run's data dir. */
function containerdPids(): number[] {
  const pids: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8");
      if (cmd.split("\0")[0]!.endsWith("containerd") && cmd.includes(dir)) pids.push(Number(e));
    } catch {
      // gone
    }
  }
  return pids;
}

// The agent: its own process, joined with the agent token, tainted so that it stays idle; the
// fake runtime, so no containerd of its own (its RSS is the agent's alone).
const agentToken = readFileSync(join(serverData, "server/agent-token"), "utf8").trim();
const agentProcess = startK3ts(["agent", "--server", `https://127.0.0.1:${port}`, "--token", agentToken, "--runtime", "fake", "--node-name", "bench-agent",
  "--node-ip", "127.0.0.1", "--kubelet-port", String(await freePort()), "--node-taint", "bench=idle:NoSchedule", "--data-dir", join(dir, "agent-data"), "--log-level", "warn"], "agent");
await nodeReady("bench-agent");
log(`agent joined; idle for ${IDLE_MS / 1000} s`);
await sleep(IDLE_MS);
const agentRss = rssMiB(agentProcess.pid!);
const containerd = containerdPids();
const containerdRss = containerd.reduce((sum, p) => sum + rssMiB(p), 0);
const serverRss = rssMiB(server.pid!);

const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`| Pods (${RUNTIME}) | Figure |`);
console.log("|---|---|");
console.log(`| pod startup, create → Running, ${PODS} at once: p50 | ${f(pct(50))} |`);
console.log(`| p99 | ${f(pct(99))} |`);
console.log(`| max | ${f(latencies.at(-1)!)} |`);
if (floor) console.log(`| floor: containerd alone (CRI sandbox + create + start, ${PODS} at once): p50 / p99 | ${f(pctOf(floor.latencies, 50))} / ${f(pctOf(floor.latencies, 99))} |`);
console.log(`| agent RSS idle (k3ts agent --runtime fake, own process) | ${agentRss.toFixed(0)} MiB |`);
console.log(`| containerd RSS (the server's, pods deleted) | ${containerd.length ? `${containerdRss.toFixed(0)} MiB` : "n/a (no containerd)"} |`);
console.log(`| server RSS (with its in-process agent) | ${serverRss.toFixed(0)} MiB |`);
process.exit(0);
