/**
 * Trims the change log: automatically (at most `keepRevisions` revisions, nothing older than
 * `maxAgeSeconds`, checked every `intervalSeconds` and after every `everyWrites` local writes)
 * and on request (`Datastore.compact`).
 *
 * Several servers may share the database: a session advisory lock makes one of them compact at
 * a time (the automatic loop skips its turn when another holds it). Deleting runs in batches,
 * one short statement each, so that compaction never holds up writers for long — kine's
 * compaction falling behind or blocking writes was a recurring complaint (k3s#11269, kine#414).
 * The compacted revision is raised before rows go, so readers never see a half-trimmed log
 * below it (each read checks it in the same snapshot as the rows it reads).
 */
import type { Logger } from "../../plugins/mod.ts";
import { type CompactionOptions, defaultCompactionOptions as sharedDefaults } from "../compaction.ts";
import type { CompactionStatus } from "../mod.ts";
import { type Pool, sleep } from "./connect.ts";
import { LOCK_COMPACT, LOCK_SPACE } from "./schema.ts";

export type { CompactionOptions } from "../compaction.ts";

/** Postgres deletes in larger statements than SQLite's transactions: each is one round trip. */
export const defaultCompactionOptions: CompactionOptions = { ...sharedDefaults, batchSize: 1000 };

type Conn = Pool; // a reserved connection runs queries the same way

export class Compactor {
  readonly #sql: Pool;
  readonly #options: CompactionOptions;
  readonly #log: Logger;
  #writes = 0;
  #kick: (() => void) | undefined;
  /** Completed automatic runs that compacted something (for tests and metrics). */
  runs = 0;

  constructor(sql: Pool, options: CompactionOptions, log: Logger) {
    this.#sql = sql;
    this.#options = options;
    this.#log = log;
  }

  /** Called after every write through this process. */
  noteWrite(): void {
    if (++this.#writes >= this.#options.everyWrites) this.#kick?.();
  }

  /** The automatic loop; returns when `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.#options.enabled) return;
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.#options.intervalSeconds * 1000);
        function done(): void {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        }
        this.#kick = done;
        signal.addEventListener("abort", done, { once: true });
      });
      this.#kick = undefined;
      if (signal.aborted) return;
      this.#writes = 0;
      try {
        await this.#auto(signal);
      } catch (err) {
        if (signal.aborted) return;
        this.#log.warn("automatic compaction failed; will retry", { error: err });
        await sleep(1000, signal).catch(() => {});
      }
    }
  }

  async #auto(signal: AbortSignal): Promise<void> {
    await this.#locked(false, async (conn) => {
      const { keepRevisions, maxAgeSeconds } = this.#options;
      const [row] = await conn<{ revision: number; compact_revision: number; aged: number | null }[]>`
        SELECT revision, compact_revision,
          CASE WHEN ${maxAgeSeconds}::float8 > 0 THEN
            (SELECT max(revision) FROM k3ts_log WHERE created_at < now() - make_interval(secs => ${maxAgeSeconds}::float8))
          END AS aged
        FROM k3ts_meta WHERE id = 1`;
      const target = Math.max(row!.revision - keepRevisions, row!.aged ?? 0);
      if (target <= row!.compact_revision) return;
      const deleted = await this.#compact(conn, target, signal);
      this.runs++;
      this.#log.debug("compacted", { revision: target, deleted });
    });
  }

  /** Compacts up to `revision` (clamped to the current one), waiting for another compactor. */
  async compact(revision: number, signal?: AbortSignal): Promise<CompactionStatus> {
    await this.#locked(true, (conn) => this.#compact(conn, revision, signal));
    return this.status();
  }

  async status(): Promise<CompactionStatus> {
    const [row] = await this.#sql<{ revision: number; compact_revision: number }[]>`
      SELECT revision, compact_revision FROM k3ts_meta WHERE id = 1`;
    return { compactRevision: row!.compact_revision, currentRevision: row!.revision };
  }

  async #compact(conn: Conn, revision: number, signal?: AbortSignal): Promise<number> {
    const [row] = await conn<{ compact_revision: number }[]>`
      UPDATE k3ts_meta SET compact_revision = GREATEST(compact_revision, LEAST(${revision}::bigint, revision))
      WHERE id = 1 RETURNING compact_revision`;
    const upTo = row!.compact_revision;
    let deleted = 0;
    for (;;) {
      signal?.throwIfAborted();
      const result = await conn`
        DELETE FROM k3ts_log WHERE revision IN (
          SELECT revision FROM k3ts_log WHERE revision <= ${upTo} ORDER BY revision LIMIT ${this.#options.batchSize})`;
      deleted += result.count;
      if (result.count < this.#options.batchSize) return deleted;
    }
  }

  /** Runs `work` holding the compaction lock on a reserved connection; `wait` false: skip if busy. */
  async #locked(wait: boolean, work: (conn: Conn) => Promise<unknown>): Promise<void> {
    const conn = await this.#sql.reserve();
    try {
      if (wait) {
        await conn`SELECT pg_advisory_lock(${LOCK_SPACE}, ${LOCK_COMPACT})`;
      } else {
        const [row] = await conn<{ ok: boolean }[]>`SELECT pg_try_advisory_lock(${LOCK_SPACE}, ${LOCK_COMPACT}) AS ok`;
        if (!row!.ok) return;
      }
      try {
        await work(conn as unknown as Conn);
      } finally {
        await conn`SELECT pg_advisory_unlock(${LOCK_SPACE}, ${LOCK_COMPACT})`;
      }
    } finally {
      conn.release();
    }
  }
}
