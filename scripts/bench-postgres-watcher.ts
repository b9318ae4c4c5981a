/**
 * The second process of the Postgres watch-latency benchmark (scripts/bench-datastore.ts).
 * Watches `prefix` on the database at `url`; every value carries `t`, the writer's wall-clock
 * time in ms when it sent the write. Prints "ready" once watching, then, after `count` events,
 * one JSON line: {"latenciesMs": [...]} (receive time minus `t`; same host, same clock).
 * Usage: node scripts/bench-postgres-watcher.ts <url> <prefix> <count>
 */
import { openPostgresDatastore } from "../datastore/postgres/open.ts";
import { createLogger } from "../plugins/logger.ts";

const [url, prefix, countArg] = process.argv.slice(2);
const count = Number(countArg);
const now = (): number => performance.timeOrigin + performance.now();
const ds = await openPostgresDatastore({
  url: url!,
  connectRetry: false,
  compaction: { enabled: false },
  log: createLogger({ level: "debug", component: "watcher" }),
});
const controller = new AbortController();
const latencies: number[] = [];
const watching = (async () => {
  for await (const event of ds.watch(prefix!, { fromRevision: await ds.currentRevision(), signal: controller.signal })) {
    latencies.push(now() - (event.value as { t: number }).t);
    if (latencies.length === count) break;
  }
})();
console.log("ready");
await watching;
console.log(JSON.stringify({ latenciesMs: latencies }));
await ds.close();
