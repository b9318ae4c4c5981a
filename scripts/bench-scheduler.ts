/**
 * Scheduler benchmark, in-process. Two measures:
 *   algorithm: the decision alone (cache, filters, scores, assume) for --pods pods over --nodes
 *     synthetic nodes, no API — what the scheduling loop can do at best;
 *   end to end: an API server on SQLite in a temporary directory, --nodes Node objects, the
 *     scheduler started, then --pods pods created by 16 concurrent writers; pods/s until every
 *     pod is bound (binding through pods/binding, Scheduled events included), sustained and
 *     peak (best one-second window).
 * Prints a markdown table. Usage:
 *   node scripts/bench-scheduler.ts [--nodes 1000] [--pods 30000] [--e2e-pods 10000] [--skip-e2e]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openSqliteDatastore } from "../datastore/sqlite/store.ts";
import type { KubeObject } from "../plugins/client.ts";
import { silentLogger } from "../plugins/logger.ts";
import { startApiServer } from "../server/api-server.ts";
import { nodeFileStore } from "../server/auth/node-file-store.ts";
import { createEventRecorder } from "../server/controllers/events.ts";
import { Algorithm } from "../server/scheduler/algorithm.ts";
import { SchedulerCache } from "../server/scheduler/cache.ts";
import { defaultProfile } from "../server/scheduler/profile.ts";
import { podRequests } from "../server/scheduler/resources.ts";
import { Scheduler } from "../server/scheduler/scheduler.ts";
import type { Node, Pod } from "../server/scheduler/types.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000" },
    pods: { type: "string", default: "30000" },
    "e2e-pods": { type: "string", default: "10000" },
    "skip-e2e": { type: "boolean", default: false },
  },
});
const NODES = Number(values.nodes);
const PODS = Number(values.pods);
const E2E_PODS = Number(values["e2e-pods"]);

function node(i: number): Node {
  const allocatable = { cpu: "32", memory: "128Gi", pods: "110", "ephemeral-storage": "100Gi" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: `node-${i}`, labels: { "kubernetes.io/hostname": `node-${i}`, "topology.kubernetes.io/zone": `zone-${i % 3}` } },
    spec: {},
    status: { capacity: allocatable, allocatable, conditions: [{ type: "Ready", status: "True" }] },
  };
}

/** Like a Deployment's pod: labels, a cpu/memory request, the default tolerations. */
function pod(i: number, ns = "bench"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `pod-${i}`, namespace: ns, uid: `uid-${i}`, labels: { app: `app-${Math.floor(i / 10)}`, "pod-template-hash": "abc" } },
    spec: {
      schedulerName: "default-scheduler",
      priority: 0,
      containers: [{ name: "c", image: "busybox:local", resources: { requests: { cpu: "10m", memory: "16Mi" } } }],
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
    },
  };
}

function algorithmOnly(): { seconds: number; perSecond: number } {
  const cache = new SchedulerCache();
  for (let i = 0; i < NODES; i++) cache.setNode(node(i));
  const algorithm = new Algorithm(defaultProfile(() => 0));
  const started = performance.now();
  for (let i = 0; i < PODS; i++) {
    const p = pod(i);
    const result = algorithm.schedule({
      pod: p,
      requests: podRequests(p),
      priority: 0,
      cache,
      namespaceLabels: () => undefined,
      namespaces: () => [],
      nominatedFor: () => [],
      state: new Map(),
    });
    if (!("node" in result)) throw new Error(`pod ${i} did not fit`);
    cache.assume(p, result.node);
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: PODS / seconds };
}

async function endToEnd(): Promise<{ seconds: number; perSecond: number; peak: number; rss: number }> {
  const dir = mkdtempSync(join(tmpdir(), "k3ts-bench-scheduler-"));
  const datastore = await openSqliteDatastore({ path: join(dir, "state.db") });
  const api = await startApiServer({
    datastore,
    log: silentLogger,
    tlsFiles: nodeFileStore(join(dir, "tls")),
    tokenFiles: nodeFileStore(dir),
    port: 0,
    bindAddress: "127.0.0.1",
    hostname: "localhost",
    version: { major: "1", minor: "32", gitVersion: "v1.32.0+k3ts", gitCommit: "bench", gitTreeState: "clean", buildDate: "", goVersion: "n/a", compiler: "k3ts", platform: "linux/amd64" },
  });
  const abort = new AbortController();
  try {
    const client = api.client.as("bench");
    const nodes = client.resource<Node>({ apiVersion: "v1", resource: "nodes" });
    const pods = client.resource<Pod>({ apiVersion: "v1", resource: "pods" });
    await client.resource({ apiVersion: "v1", resource: "namespaces" }).create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } });
    for (let i = 0; i < NODES; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, NODES - i) }, async (_, j) => {
        const n = node(i + j);
        const created = await nodes.create(n);
        await nodes.updateStatus({ ...created, status: n.status });
      }));
    }
    const schedulerClient = api.client.as("default-scheduler");
    const scheduler = new Scheduler({ client: schedulerClient, log: silentLogger, events: createEventRecorder(schedulerClient, "default-scheduler", silentLogger) });
    await scheduler.start(abort.signal);
    const bins = new Map<number, number>();
    let bound = 0;
    let done!: () => void;
    const allBound = new Promise<void>((r) => (done = r));
    const started = performance.now();
    client.informer<Pod>({ apiVersion: "v1", resource: "pods" }, { namespace: "bench" }).on({
      update(old, p) {
        if (!old.spec.nodeName && p.spec.nodeName) {
          bound++;
          const second = Math.floor((performance.now() - started) / 1000);
          bins.set(second, (bins.get(second) ?? 0) + 1);
          if (bound === E2E_PODS) done();
        }
      },
    });
    await client.informer({ apiVersion: "v1", resource: "pods" }, { namespace: "bench" }).start(abort.signal);
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < E2E_PODS) {
        const p = pod(next++);
        delete (p.metadata as { uid?: string }).uid;
        await pods.create(p as KubeObject as Pod);
      }
    }));
    await allBound;
    const seconds = (performance.now() - started) / 1000;
    return { seconds, perSecond: E2E_PODS / seconds, peak: Math.max(...bins.values()), rss: process.memoryUsage().rss };
  } finally {
    abort.abort();
    await api.stop();
    await datastore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const a = algorithmOnly();
console.log(`| measure | value |`);
console.log(`| --- | --- |`);
console.log(`| algorithm only: ${PODS} pods over ${NODES} nodes | ${a.seconds.toFixed(2)} s, ${Math.round(a.perSecond)} pods/s |`);
if (!values["skip-e2e"]) {
  const e = await endToEnd();
  console.log(`| end to end (API, SQLite, bindings, events): ${E2E_PODS} pods over ${NODES} nodes | ${e.seconds.toFixed(2)} s, ${Math.round(e.perSecond)} pods/s sustained, ${e.peak} pods/s peak |`);
  console.log(`| process RSS at the end | ${Math.round(e.rss / 1024 / 1024)} MB |`);
}
