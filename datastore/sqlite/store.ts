/**
 * The SQLite Datastore: node:sqlite (synchronous, one connection), WAL, current state in `kv`,
 * changes in `log` (schema.ts), an in-process change feed (feed.ts) and a compactor.
 *
 * Every method runs its SQL synchronously inside one turn of the event loop, so writes are
 * serialized by the event loop itself: 32 concurrent updates from one revision see each other's
 * writes and exactly one wins.
 *
 * Group commit: the writes made in one turn of the event loop share one BEGIN IMMEDIATE … COMMIT
 * (immediate, so that a second process holding the database fails us at BEGIN, after
 * busy_timeout, rather than at COMMIT after the work was done — kine's fix for k3s#11269). The
 * first write opens the transaction and schedules its COMMIT for the next turn (next-turn.ts), so
 * every writer that runs in this turn's I/O callbacks, timers and microtasks joins it. A write's promise
 * resolves, and its event reaches the watchers, only after that COMMIT, in revision order: a
 * caller never sees its write acknowledged before it is committed. One COMMIT per batch instead
 * of per write writes each touched page to the WAL once (the log's and kv's last pages are in
 * nearly every write). A write refused for its own reason (key exists, revision conflict, not
 * found) is refused before it changes anything and leaves the batch alone (the refusal, too, is
 * reported after the COMMIT, since it may rest on the batch's writes); if SQLite itself fails
 * mid-write or at COMMIT, the whole batch is rolled back and every write in it fails.
 * Nothing uncommitted is ever read out: get, list and count commit the open batch first (one
 * connection would otherwise see its own uncommitted writes, and a COMMIT that then failed, on a
 * full disk, would have shown a write that never happened); a watcher catching up from the log
 * reads only up to the committed revision and gets the rest when the batch is published; and
 * currentRevision and a watch's default start are the committed revision.
 *
 * One process per database file: the change feed is in-process, so writes by another process
 * would not reach this one's watchers.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  CompactedError,
  ConflictError,
  DatastoreClosedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
} from "../errors.ts";
import type { CompactionStatus, Datastore, Entry, ListOptions, ListResult, WatchEvent, WatchOptions } from "../mod.ts";
import { type Logger, silentLogger } from "../../plugins/logger.ts";
import { decodeValue, encodeValue } from "./codec.ts";
import { type CompactionOptions, Compactor, defaultCompactionOptions } from "./compactor.ts";
import { atNextTurn } from "./next-turn.ts";
import { ChangeFeed } from "./feed.ts";
import { countCurrent, getAt, getCurrent, listAt, readChanges, Statements } from "./history.ts";
import { CHANGE_CREATE, CHANGE_DELETE, CHANGE_UPDATE, configureConnection, migrate, type Synchronous } from "./schema.ts";

export interface SqliteDatastoreOptions {
  /** The database file; its parent directories are created. */
  path: string;
  /** "normal" (default): see schema.ts for what a crash or a power loss can cost. */
  synchronous?: Synchronous;
  compaction?: Partial<CompactionOptions>;
  watch?: {
    /** Events a watcher may have waiting before it falls back to reading the log (10,000). */
    maxQueue?: number;
    /** Log rows a catching-up watcher reads at once (500). */
    batchSize?: number;
  };
  log?: Logger;
}

/** A write in the open transaction, waiting for its COMMIT. */
interface PendingWrite {
  /** Hands the change to the feed (after COMMIT, in revision order). */
  publish(): void;
  committed(): void;
  failed(err: unknown): void;
}

interface CurrentRow {
  create_rev: number;
  mod_rev: number;
  value: Uint8Array;
}

export class SqliteDatastore implements Datastore {
  readonly name = "sqlite";
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #stmts: Statements;
  readonly #feed: ChangeFeed;
  readonly #compactor: Compactor;
  readonly #lifetime = new AbortController();
  readonly #compactionLoop: Promise<void>;
  #revision: number;
  /** The writes of the open transaction, if one is open. */
  #batch: PendingWrite[] | undefined;
  /** The revision before the open transaction (where a rollback takes `#revision` back to). */
  #batchBase = 0;
  #closed = false;
  /** A #commitAtTurn is queued for the next turn. */
  #commitQueued = false;
  /**
   * Commits the open batch. While writes keep coming it queues itself again at once, for the next
   * turn: queued first in this turn's check phase, it runs ahead of the controllers' and the
   * scheduler's 5 ms slices that queue themselves after it, so a write waits for the rest of its
   * turn, not for every slice of the next. With no batch to commit it stops.
   */
  readonly #commitAtTurn = (): void => {
    const hadBatch = this.#batch !== undefined;
    this.#commitBatch();
    if (hadBatch && !this.#closed) atNextTurn(this.#commitAtTurn);
    else this.#commitQueued = false;
  };

  private constructor(options: SqliteDatastoreOptions, db: DatabaseSync) {
    this.path = options.path;
    this.#db = db;
    this.#stmts = new Statements(db);
    const log = (options.log ?? silentLogger).child("sqlite");
    this.#compactor = new Compactor(
      db,
      this.#stmts,
      () => this.#revision,
      { ...defaultCompactionOptions, ...options.compaction },
      log,
      () => this.#commitBatch(),
    );
    const last = this.#stmts.get("SELECT MAX(rev) AS rev FROM log").get() as { rev: number | null };
    // Compaction may have emptied the log; the revision counter then lives on as compact_rev.
    this.#revision = Math.max(last.rev ?? 0, this.#compactor.compactRevision);
    this.#feed = new ChangeFeed(
      {
        // Never past the committed revision: the open batch's changes come by publish, after COMMIT.
        readAfter: (prefix, after, limit) => readChanges(this.#stmts, prefix, after, this.#committedRevision, limit),
        compactRevision: () => this.#compactor.compactRevision,
      },
      { maxQueue: options.watch?.maxQueue ?? 10_000, batchSize: options.watch?.batchSize ?? 500 },
    );
    this.#compactionLoop = this.#compactor.run(this.#lifetime.signal);
  }

  /** Opens (creating if needed) the database at `options.path`. */
  static open(options: SqliteDatastoreOptions): SqliteDatastore {
    let db: DatabaseSync | undefined;
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      db = new DatabaseSync(options.path);
      configureConnection(db, options.synchronous ?? "normal");
      migrate(db);
      return new SqliteDatastore(options, db);
    } catch (err) {
      try {
        db?.close();
      } catch {
        // Already failing; the first error is the one to report.
      }
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`cannot open the sqlite datastore at ${options.path}: ${reason}`, { cause: err });
    }
  }

  /** Watchers open now; and how often one fell back to reading the log. For metrics and tests. */
  get watchStats(): { watchers: number; overflows: number } {
    return { watchers: this.#feed.watcherCount, overflows: this.#feed.overflows };
  }

  get compactionRuns(): number {
    return this.#compactor.runs;
  }

  async currentRevision(): Promise<number> {
    this.#ensureOpen();
    return this.#committedRevision;
  }

  /** The newest revision whose write has committed: below the open batch's, if there is one. */
  get #committedRevision(): number {
    return this.#batch ? this.#batchBase : this.#revision;
  }

  async get(key: string, options?: { revision?: number }): Promise<Entry | undefined> {
    this.#ensureOpen();
    this.#commitBatch();
    const revision = this.#readRevision(options?.revision);
    return revision === this.#revision ? getCurrent(this.#stmts, key) : getAt(this.#stmts, key, revision);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.#ensureOpen();
    this.#commitBatch();
    const revision = this.#readRevision(options.revision);
    const { items, more } = listAt(
      this.#stmts,
      prefix,
      options.after,
      options.limit,
      revision === this.#revision ? undefined : revision,
    );
    return { items, revision, more };
  }

  async count(prefix: string, options?: { after?: string }): Promise<{ count: number; revision: number }> {
    this.#ensureOpen();
    this.#commitBatch();
    return { count: countCurrent(this.#stmts, prefix, options?.after), revision: this.#revision };
  }

  async create(key: string, value: unknown): Promise<Entry> {
    this.#ensureOpen();
    const bytes = encodeValue(value);
    let revision = 0;
    await this.#write(() => {
      if (this.#stmts.get("SELECT 1 FROM kv WHERE key = ?").get(key)) throw new KeyExistsError(key);
      const rev = this.#revision + 1;
      this.#stmts.get("INSERT INTO kv (key, create_rev, mod_rev, value) VALUES (?, ?, ?, ?)").run(key, rev, rev, bytes);
      this.#insertLog(rev, key, CHANGE_CREATE, rev, null, null);
      return (revision = rev);
    }, () => {
      if (this.#feed.wants(key)) {
        this.#feed.publish({ type: "create", key, revision, createRevision: revision, value });
      }
    });
    return { key, value, createRevision: revision, modRevision: revision };
  }

  async update(key: string, value: unknown, expectedRevision: number): Promise<Entry> {
    this.#ensureOpen();
    const bytes = encodeValue(value);
    let prev!: CurrentRow;
    let revision = 0;
    await this.#write(() => {
      prev = this.#currentRow(key, expectedRevision);
      const rev = this.#revision + 1;
      this.#stmts.get("UPDATE kv SET mod_rev = ?, value = ? WHERE key = ?").run(rev, bytes, key);
      this.#insertLog(rev, key, CHANGE_UPDATE, prev.create_rev, prev.mod_rev, prev.value);
      return (revision = rev);
    }, () => {
      if (this.#feed.wants(key)) {
        // Decoded only if a watcher reads it: the watch cache usually holds the previous object.
        const prevBytes = prev.value;
        let prevValue: unknown;
        this.#feed.publish({
          type: "update",
          key,
          revision,
          createRevision: prev.create_rev,
          value,
          get prevValue() {
            return (prevValue ??= decodeValue(prevBytes));
          },
          prevRevision: prev.mod_rev,
        });
      }
    });
    return { key, value, createRevision: prev.create_rev, modRevision: revision };
  }

  async delete(key: string, expectedRevision?: number): Promise<Entry> {
    this.#ensureOpen();
    let prev!: CurrentRow;
    let revision = 0;
    let value: unknown;
    await this.#write(() => {
      prev = this.#currentRow(key, expectedRevision);
      const rev = this.#revision + 1;
      this.#stmts.get("DELETE FROM kv WHERE key = ?").run(key);
      this.#insertLog(rev, key, CHANGE_DELETE, prev.create_rev, prev.mod_rev, prev.value);
      return (revision = rev);
    }, () => {
      if (this.#feed.wants(key)) {
        this.#feed.publish({
          type: "delete",
          key,
          revision,
          createRevision: prev.create_rev,
          prevValue: (value = decodeValue(prev.value)),
          prevRevision: prev.mod_rev,
        });
      }
    });
    value ??= decodeValue(prev.value);
    return { key, value, createRevision: prev.create_rev, modRevision: revision };
  }

  watch(prefix: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
    this.#ensureOpen();
    // Without fromRevision: the revision committed now, at the call, so that a write acknowledged
    // after watch() returns is delivered even if the caller starts iterating later.
    return this.#feed.watch(prefix, options.fromRevision ?? this.#committedRevision, options.signal);
  }

  async compact(revision: number): Promise<CompactionStatus> {
    this.#ensureOpen();
    await this.#compactor.compactTo(revision, this.#lifetime.signal);
    return this.compactionStatus();
  }

  async compactionStatus(): Promise<CompactionStatus> {
    this.#ensureOpen();
    return { compactRevision: this.#compactor.compactRevision, currentRevision: this.#committedRevision };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#commitBatch();
    this.#feed.close();
    this.#lifetime.abort();
    await this.#compactionLoop;
    // A compaction batch in flight stops at its next step, having seen the abort.
    await this.#compactor.compactTo(0, this.#lifetime.signal).catch(() => {});
    try {
      this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch {
      // Best effort: the WAL is replayed at the next open anyway.
    }
    this.#db.close();
  }

  #ensureOpen(): void {
    if (this.#closed) throw new DatastoreClosedError(this.name);
  }

  /** The revision a read asks for, checked against the log's window. */
  #readRevision(revision: number | undefined): number {
    if (!revision) return this.#revision;
    if (revision > this.#revision) throw new FutureRevisionError(revision, this.#revision);
    const compacted = this.#compactor.compactRevision;
    if (revision < compacted) throw new CompactedError(revision, compacted);
    return revision;
  }

  /** The key's current row, checked against the expected revision. */
  #currentRow(key: string, expectedRevision: number | undefined): CurrentRow {
    const row = this.#stmts.get("SELECT create_rev, mod_rev, value FROM kv WHERE key = ?").get(key) as
      | CurrentRow
      | undefined;
    if (!row) throw new KeyNotFoundError(key);
    if (expectedRevision !== undefined && row.mod_rev !== expectedRevision) {
      throw new ConflictError(key, expectedRevision, {
        key,
        value: decodeValue(row.value),
        createRevision: row.create_rev,
        modRevision: row.mod_rev,
      });
    }
    return row;
  }

  #insertLog(
    rev: number,
    key: string,
    type: number,
    createRev: number,
    prevRev: number | null,
    prevValue: Uint8Array | null,
  ): void {
    this.#stmts
      .get("INSERT INTO log (rev, key, type, create_rev, prev_rev, prev_value, ts) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(rev, key, type, createRev, prevRev, prevValue, Date.now());
  }

  /**
   * Runs `work` (which returns the write's revision) in the open transaction, opening one if
   * needed; resolves once the transaction has committed and `publish` has run.
   */
  #write(work: () => number, publish: () => void): Promise<void> {
    if (!this.#batch) {
      this.#db.exec("BEGIN IMMEDIATE");
      this.#batch = [];
      this.#batchBase = this.#revision;
      if (!this.#commitQueued) {
        this.#commitQueued = true;
        atNextTurn(this.#commitAtTurn);
      }
    }
    let refusal: unknown;
    try {
      this.#revision = work();
    } catch (err) {
      // Anything but a refusal may have left half a write in the transaction, which then cannot
      // commit.
      if (!isRefusal(err)) {
        this.#rollbackBatch(err);
        throw err;
      }
      // A refusal changed nothing, but it may rest on a write of this batch (the key another
      // caller just created): it is reported once that write has committed, so that whatever
      // the caller reads next shows why, or with the batch's error if the batch rolls back.
      refusal = err;
    }
    return new Promise((committed, failed) =>
      this.#batch!.push(refusal === undefined ? { publish, committed, failed } : { publish() {}, committed: () => failed(refusal), failed }));
  }

  /** Commits the open transaction, if any, and acknowledges its writes in revision order. */
  #commitBatch(): void {
    const batch = this.#batch;
    if (!batch) return;
    try {
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#rollbackBatch(err);
      return;
    }
    this.#batch = undefined;
    for (const w of batch) w.publish();
    for (const w of batch) w.committed();
    for (let i = 0; i < batch.length; i++) this.#compactor.noteWrite();
  }

  #rollbackBatch(err: unknown): void {
    const batch = this.#batch ?? [];
    this.#batch = undefined;
    if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
    this.#revision = this.#batchBase;
    for (const w of batch) w.failed(err);
  }
}

/** The errors a write throws before it changes anything. */
function isRefusal(err: unknown): boolean {
  return err instanceof KeyExistsError || err instanceof ConflictError || err instanceof KeyNotFoundError;
}

/** Opens a SQLite datastore (async like every driver's open, though this one needs no I/O wait). */
export async function openSqliteDatastore(options: SqliteDatastoreOptions): Promise<SqliteDatastore> {
  return SqliteDatastore.open(options);
}
