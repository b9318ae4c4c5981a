/**
 * Opening the Postgres datastore: parse the URL, wait for the server (creating the database if
 * needed), migrate, start the change feed and the compactor.
 *
 * Durability: every write is durable when it returns (synchronous_commit as the server has it,
 * normally `on`). Writers serialize on the revision row until commit, so the WAL flush sits in
 * the critical section; group commit (writer.ts) pays one flush per batch instead of per write,
 * which took 16 writers from ~950 to ~10,800 writes/s on the reference box with `on`
 * (scripts/bench-datastore.ts). `synchronousCommit: "off"` stays available for slow disks: a
 * Postgres crash may then lose the last few hundred milliseconds of acknowledged writes — and,
 * worse for Kubernetes, watchers may have seen revisions that come back with other contents.
 * It never corrupts the database. We do not default to it.
 */
import type { Logger } from "../../plugins/mod.ts";
import { silentLogger } from "../../plugins/logger.ts";
import { type CompactionOptions, Compactor, defaultCompactionOptions } from "./compactor.ts";
import { createPool, waitForDatabase } from "./connect.ts";
import { ChangeFeed } from "./feed.ts";
import { migrate } from "./schema.ts";
import { PostgresDatastore } from "./store.ts";
import { parsePostgresUrl } from "./url.ts";

export interface PostgresDatastoreOptions {
  /** `postgres://user:pass@host:port/dbname?sslmode=disable` (or `postgresql://`). */
  url: string;
  /** Wait for an unreachable server with exponential backoff (default), or fail at once. */
  connectRetry?: boolean;
  compaction?: Partial<CompactionOptions>;
  /** Connections in the pool (the change feed has one more of its own). Default 10. */
  poolSize?: number;
  /** Per-session synchronous_commit; absent: the server's setting. See the trade-off above. */
  synchronousCommit?: "on" | "off";
  log?: Logger;
  /** Aborts the wait for the server. */
  signal?: AbortSignal;
}

export async function openPostgresDatastore(options: PostgresDatastoreOptions): Promise<PostgresDatastore> {
  const log = options.log ?? silentLogger;
  const target = parsePostgresUrl(options.url);
  const sql = createPool(target, { max: options.poolSize ?? 10, synchronousCommit: options.synchronousCommit });
  let feed: ChangeFeed | undefined;
  try {
    await waitForDatabase(sql, target, { retry: options.connectRetry ?? true, log, signal: options.signal });
    await migrate(sql, log);
    feed = new ChangeFeed({ target, sql, log: log.child("feed") });
    await feed.start();
  } catch (err) {
    await feed?.close();
    await sql.end({ timeout: 1 });
    throw err;
  }

  const compaction = { ...defaultCompactionOptions, ...options.compaction };
  const compactor = new Compactor(sql, compaction, log.child("compactor"));
  const stop = new AbortController();
  const compacting = compactor.run(stop.signal);
  log.info("postgres datastore ready", { endpoint: target.display, revision: feed.position });

  const openFeed = feed;
  return new PostgresDatastore({
    sql,
    feed: openFeed,
    compactor,
    release: async () => {
      stop.abort();
      await compacting;
      await openFeed.close();
      // The store let its calls finish first. No grace period here: postgres.js's graceful
      // end() can wait forever on a connection that died under a query.
      await sql.end({ timeout: 0 });
    },
  });
}
