/**
 * Datastore benchmark: `node scripts/bench-datastore.ts [--driver sqlite|postgres|all]`.
 *
 * Prints one markdown table per driver: writes/s with 1 and with 16 concurrent writers, get
 * p50/p99, a list of 10,000 keys, watch latency (write -> event, in-process) and the size on
 * disk after 100,000 updates over 1,000 keys with compaction on (each driver's defaults).
 *
 * To add a driver, add an entry to `drivers`: a name and an `open()` that returns a fresh, empty
 * store plus how to measure its size on disk. A driver whose store another process can open
 * returns its `url`, and gets two more rows: watch latency seen from a second process.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Datastore, WatchEvent } from "../datastore/mod.ts";
import { openSqliteDatastore } from "../datastore/sqlite/plugin.ts";
import { openPostgresDatastore } from "../datastore/postgres/plugin.ts";
import postgres from "postgres";

interface OpenedStore {
  store: Datastore;
  /** Bytes the store occupies on disk now (undefined when the driver cannot tell). */
  sizeOnDisk(): Promise<number | undefined>;
  /** Closes the store and removes its data. */
  dispose(): Promise<void>;
  /** Where another process can open the same store (drivers whose change feed crosses processes). */
  url?: string;
}

interface BenchDriver {
  name: string;
  open(): Promise<OpenedStore>;
}

function directorySize(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    total += stat.isDirectory() ? directorySize(path) : stat.size;
  }
  return total;
}

const drivers: BenchDriver[] = [
  {
    name: "sqlite",
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "k3ts-bench-sqlite-"));
      const store = await openSqliteDatastore({ path: join(dir, "state.db") });
      return {
        store,
        sizeOnDisk: async () => directorySize(dir),
        dispose: async () => {
          await store.close().catch(() => {});
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    // A fresh database per run on the server of K3TS_BENCH_POSTGRES (default: the local test
    // server), dropped afterwards. Size on disk is pg_database_size.
    name: "postgres",
    async open() {
      const server = process.env.K3TS_BENCH_POSTGRES ?? "postgres://postgres@127.0.0.1:5432";
      const db = `k3ts_bench_${Math.random().toString(36).slice(2, 10)}`;
      const url = `${server}/${db}?sslmode=disable`;
      const store = await openPostgresDatastore({ url, poolSize: 16, connectRetry: false });
      const admin = postgres(`${server}/postgres?sslmode=disable`, { max: 1, onnotice: () => {} });
      return {
        store,
        url,
        sizeOnDisk: async () => {
          const [row] = await admin<{ size: string }[]>`SELECT pg_database_size(${db}) AS size`;
          return Number(row!.size);
        },
        dispose: async () => {
          await store.close().catch(() => {});
          await admin.unsafe(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
          await admin.end();
        },
      };
    },
  },
];

/** A Pod-shaped value of about 1 KB, as the API server stores them. */
function podValue(i: number): unknown {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `pod-${i}`,
      namespace: "default",
      uid: `6f1e0c3a-${String(i).padStart(4, "0")}-4c1e-9d7e-0a1b2c3d4e5f`,
      labels: { app: "bench", "pod-template-hash": "7d9f8b6c5d", tier: "backend" },
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(300) },
      creationTimestamp: "2026-01-01T00:00:00Z",
    },
    spec: {
      containers: [
        {
          name: "app",
          image: "registry.example.com/app:v1.2.3",
          ports: [{ containerPort: 8080, protocol: "TCP" }],
          resources: { requests: { cpu: "100m", memory: "128Mi" } },
          env: [{ name: "MODE", value: "bench" }, { name: "INDEX", value: String(i) }],
        },
      ],
      nodeName: "node-1",
      restartPolicy: "Always",
    },
    status: { phase: "Running", podIP: `10.42.0.${i % 250}`, conditions: [{ type: "Ready", status: "True" }] },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function writesPerSecond(store: Datastore, prefix: string, writers: number, total: number): Promise<number> {
  const perWriter = Math.floor(total / writers);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) await store.create(`${prefix}${w}/${i}`, podValue(i));
    }),
  );
  return (perWriter * writers) / ((performance.now() - started) / 1000);
}

async function getLatencies(store: Datastore, keys: string[], n: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = keys[(i * 7919) % keys.length]!;
    const t = performance.now();
    await store.get(key);
    latencies.push(performance.now() - t);
  }
  return latencies.sort((a, b) => a - b);
}

/** Write -> event latency: one write at a time, each waiting for its event. */
async function watchLatencies(store: Datastore, n: number): Promise<number[]> {
  const controller = new AbortController();
  const iterator = store.watch("/bench/watch/", { signal: controller.signal })[Symbol.asyncIterator]();
  const latencies: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const pending = iterator.next();
      const t = performance.now();
      const written = await store.create(`/bench/watch/${i}`, podValue(i));
      const result: IteratorResult<WatchEvent> = await pending;
      if (result.done || result.value.revision !== written.modRevision) throw new Error("watch lost an event");
      latencies.push(performance.now() - t);
    }
  } finally {
    controller.abort();
    await iterator.return?.();
  }
  return latencies.sort((a, b) => a - b);
}

/**
 * Write -> event latency seen by another OS process (scripts/bench-postgres-watcher.ts), first
 * one write at a time, then while 16 writers write as fast as they can. Each value carries its
 * send time; the watcher subtracts it from its receive time (same host, same clock).
 */
async function crossProcessWatch(url: string, store: Datastore, n: number): Promise<Array<[string, number[]]>> {
  const script = new URL("./bench-postgres-watcher.ts", import.meta.url).pathname;
  const now = (): number => performance.timeOrigin + performance.now();
  const results: Array<[string, number[]]> = [];
  for (const writers of [1, 16]) {
    const prefix = `/bench/xwatch${writers}/`;
    const child = spawn(process.execPath, [script, url, prefix, String(n)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const exited = new Promise<void>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`watcher exited with ${code}`))));
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes("ready")) resolve();
      });
      exited.catch(reject);
    });
    let next = 0;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next < n) {
          const i = next++;
          await store.create(`${prefix}${i}`, { ...(podValue(i) as object), t: now() });
        }
      }),
    );
    await exited;
    const line = out.split("\n").find((l) => l.startsWith("{"));
    const { latenciesMs } = JSON.parse(line!) as { latenciesMs: number[] };
    results.push([writers === 1 ? "one write at a time" : "16 writers", latenciesMs.sort((a, b) => a - b)]);
  }
  return results;
}

async function churn(store: Datastore, keys: number, updates: number): Promise<void> {
  const revisions = new Array<number>(keys);
  for (let k = 0; k < keys; k++) revisions[k] = (await store.create(`/bench/churn/${k}`, podValue(k))).modRevision;
  for (let i = 0; i < updates; i++) {
    const k = i % keys;
    revisions[k] = (await store.update(`/bench/churn/${k}`, podValue(i), revisions[k]!)).modRevision;
    // Yield to timers now and then, as a server between requests does.
    if (i % 1000 === 999) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function bench(driver: BenchDriver): Promise<Array<[string, string]>> {
  const rows: Array<[string, string]> = [];
  const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

  let opened = await driver.open();
  try {
    const store = opened.store;
    rows.push(["writes/s, 1 writer (creates, ~1 KB values)", fmt(await writesPerSecond(store, "/bench/w1/", 1, 10_000))]);
    rows.push(["writes/s, 16 writers", fmt(await writesPerSecond(store, "/bench/w16/", 16, 20_000))]);
    const keys = Array.from({ length: 10_000 }, (_, i) => `/bench/list/${String(i).padStart(5, "0")}`);
    for (const key of keys) await store.create(key, podValue(keys.length));
    const gets = await getLatencies(store, keys, 20_000);
    rows.push(["get p50 / p99 (ms)", `${fmt(percentile(gets, 50), 3)} / ${fmt(percentile(gets, 99), 3)}`]);
    const lists: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const { items } = await store.list("/bench/list/");
      lists.push(performance.now() - t);
      if (items.length !== keys.length) throw new Error(`listed ${items.length} keys, not ${keys.length}`);
    }
    rows.push(["list 10,000 keys (ms, median of 5)", fmt(lists.sort((a, b) => a - b)[2]!, 1)]);
    const watch = await watchLatencies(store, 2000);
    rows.push(["watch write→event p50 / p99 (ms, in-process)", `${fmt(percentile(watch, 50), 3)} / ${fmt(percentile(watch, 99), 3)}`]);
    if (opened.url) {
      for (const [load, latencies] of await crossProcessWatch(opened.url, store, 5000)) {
        rows.push([
          `watch write→event p50 / p99 (ms, another process, ${load})`,
          `${fmt(percentile(latencies, 50), 3)} / ${fmt(percentile(latencies, 99), 3)}`,
        ]);
      }
    }
  } finally {
    await opened.dispose();
  }

  opened = await driver.open();
  try {
    const t = performance.now();
    await churn(opened.store, 1000, 100_000);
    const seconds = (performance.now() - t) / 1000;
    const size = await opened.sizeOnDisk();
    const status = await opened.store.compactionStatus();
    rows.push([
      "size on disk after 100,000 updates over 1,000 keys (compaction on)",
      size === undefined ? "n/a" : `${fmt(size / 1024 / 1024, 1)} MB (log holds ${fmt(status.currentRevision - status.compactRevision)} revisions; run took ${fmt(seconds, 1)} s)`,
    ]);
  } finally {
    await opened.dispose();
  }
  return rows;
}

const { values } = parseArgs({ options: { driver: { type: "string", default: "sqlite" } } });
const chosen = values.driver === "all" ? drivers : drivers.filter((d) => d.name === values.driver);
if (chosen.length === 0) {
  console.error(`unknown driver ${values.driver}; known: ${drivers.map((d) => d.name).join(", ")}, all`);
  process.exit(2);
}
for (const driver of chosen) {
  const rows = await bench(driver);
  console.log(`\n### ${driver.name}\n\n| measure | value |\n|---|---|`);
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
}
