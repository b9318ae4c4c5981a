/**
 * The Datastore over Postgres: reads of current state from `k3ts_kv`, reads at past revisions
 * from `k3ts_kv` plus the log, every write through `k3ts_write` (one round trip; see schema.ts
 * for why revisions can neither gap nor commit out of order).
 *
 * Reads that must agree with the revision counter or the compacted revision read them in the
 * same statement (one snapshot) as the rows.
 *
 * State at a past revision R, without a full history: a key's state at R is its current row
 * when its last write is at or before R; otherwise it is the "previous value" of its first
 * change after R (absent if that change created it). Both need only log entries after R, which
 * compaction keeps as long as R is not below the compacted revision.
 */
import type { Fragment } from "postgres";
import type {
  CompactionStatus,
  Datastore,
  Entry,
  ListOptions,
  ListResult,
  WatchEvent,
  WatchOptions,
} from "../mod.ts";
import {
  CompactedError,
  ConflictError,
  DatastoreClosedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
} from "../errors.ts";
import { decodeValue, encodeValue } from "./codec.ts";
import type { Compactor } from "./compactor.ts";
import { type Pool, isTransient } from "./connect.ts";
import type { ChangeFeed } from "./feed.ts";
import { prefixEnd } from "./range.ts";
import { type WriteRow, WriteBatcher } from "./writer.ts";
import {
  OP_CREATE,
  OP_DELETE,
  OP_UPDATE,
  WRITE_CONFLICT,
  WRITE_EXISTS,
  WRITE_NOT_FOUND,
  WRITE_OK,
} from "./schema.ts";

interface Row {
  key: string;
  value: Uint8Array;
  create_revision: number;
  mod_revision: number;
}

function toEntry(row: Row): Entry {
  return {
    key: row.key,
    value: decodeValue(row.value),
    createRevision: row.create_revision,
    modRevision: row.mod_revision,
  };
}

export interface StoreParts {
  sql: Pool;
  feed: ChangeFeed;
  compactor: Compactor;
  /** Releases what open.ts started (loops, pools). */
  release: () => Promise<void>;
}

export class PostgresDatastore implements Datastore {
  readonly name = "postgres";
  readonly #sql: Pool;
  readonly #feed: ChangeFeed;
  readonly #compactor: Compactor;
  readonly #release: () => Promise<void>;
  readonly #writer: WriteBatcher;
  #closed = false;
  /** The newest revision this process has seen committed: where a watch without fromRevision starts. */
  #known = 0;
  /** Calls under way, so that close() can let them finish before it ends the pool. */
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(parts: StoreParts) {
    this.#sql = parts.sql;
    this.#feed = parts.feed;
    this.#compactor = parts.compactor;
    this.#release = parts.release;
    this.#writer = new WriteBatcher(parts.sql);
  }

  #open(): void {
    if (this.#closed) throw new DatastoreClosedError(this.name);
  }

  /**
   * Runs a read, once more if it met a pooled connection that had died (a server restart, a
   * killed backend): reads are safe to repeat. Writes are not retried — one that failed on a
   * dead connection may have committed.
   */
  #read<T>(run: () => Promise<T>): Promise<T> {
    return this.#track(async () => {
      try {
        return await run();
      } catch (err) {
        if (!isTransient(err) || this.#closed) throw err;
        return run();
      }
    });
  }

  #observe(revision: number): number {
    if (revision > this.#known) this.#known = revision;
    return revision;
  }

  #track<T>(run: () => Promise<T>): Promise<T> {
    const promise = run();
    this.#inflight.add(promise);
    const forget = (): void => void this.#inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** `key >= prefix [AND key > after] [AND key < end(prefix)]`: an index range. */
  #range(prefix: string, after?: string): Fragment {
    const sql = this.#sql;
    const end = prefixEnd(prefix);
    const afterPart = after !== undefined && after >= prefix ? sql`AND key > ${after}` : sql``;
    const endPart = end === undefined ? sql`` : sql`AND key < ${end}`;
    return sql`key >= ${prefix} ${afterPart} ${endPart}`;
  }

  /** Throws unless `revision` can be read: not newer than now, not below the compacted one. */
  #checkRevision(revision: number, current: number, compacted: number): void {
    if (revision > current) throw new FutureRevisionError(revision, current);
    if (revision < compacted) throw new CompactedError(revision, compacted);
  }

  async currentRevision(): Promise<number> {
    this.#open();
    const [row] = await this.#read(() => this.#sql<{ revision: number }[]>`SELECT revision FROM k3ts_meta WHERE id = 1`);
    return this.#observe(row!.revision);
  }

  async get(key: string, options?: { revision?: number }): Promise<Entry | undefined> {
    this.#open();
    const revision = options?.revision;
    if (!revision || revision <= 0) {
      const [row] = await this.#read(() => this.#sql<Row[]>`
        SELECT key, value, create_revision, mod_revision FROM k3ts_kv WHERE key = ${key}`);
      if (row) this.#observe(row.mod_revision);
      return row && toEntry(row);
    }
    const rows = await this.#read(() => this.#sql<(Row & { current: number; compacted: number; type: number | null })[]>`
      SELECT m.revision AS current, m.compact_revision AS compacted, s.* FROM k3ts_meta m
      LEFT JOIN LATERAL (
        SELECT key, value, create_revision, mod_revision, NULL::smallint AS type
        FROM k3ts_kv WHERE key = ${key} AND mod_revision <= ${revision}
        UNION ALL
        (SELECT key, prev_value, create_revision, prev_revision, type
         FROM k3ts_log WHERE key = ${key} AND revision > ${revision} ORDER BY revision LIMIT 1)
      ) s ON true
      WHERE m.id = 1`);
    const row = rows[0]!;
    this.#observe(row.current);
    this.#checkRevision(revision, row.current, row.compacted);
    if (row.key === null || row.type === OP_CREATE) return undefined;
    return toEntry(row);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.#open();
    const sql = this.#sql;
    const { limit, after } = options;
    const revision = options.revision && options.revision > 0 ? options.revision : 0;
    const limitPart = limit && limit > 0 ? sql`LIMIT ${limit + 1}` : sql``;
    const range = this.#range(prefix, after);
    let rows: (Row & { current: number; compacted: number })[];
    if (!revision) {
      rows = await this.#read(() => sql`
        SELECT m.revision AS current, m.compact_revision AS compacted, s.* FROM k3ts_meta m
        LEFT JOIN LATERAL (
          SELECT key, value, create_revision, mod_revision FROM k3ts_kv
          WHERE ${range} ORDER BY key ${limitPart}
        ) s ON true
        WHERE m.id = 1 ORDER BY s.key`);
    } else {
      rows = await this.#read(() => sql`
        SELECT m.revision AS current, m.compact_revision AS compacted, s.* FROM k3ts_meta m
        LEFT JOIN LATERAL (
          SELECT * FROM (
            SELECT key, value, create_revision, mod_revision FROM k3ts_kv
            WHERE ${range} AND mod_revision <= ${revision}
            UNION ALL
            SELECT key, prev_value, create_revision, prev_revision FROM (
              SELECT DISTINCT ON (key) key, type, prev_value, create_revision, prev_revision
              FROM k3ts_log WHERE ${range} AND revision > ${revision}
              ORDER BY key, revision
            ) first_change WHERE type <> ${OP_CREATE}
          ) u ORDER BY key ${limitPart}
        ) s ON true
        WHERE m.id = 1 ORDER BY s.key`);
      this.#checkRevision(revision, rows[0]!.current, rows[0]!.compacted);
    }
    this.#observe(rows[0]!.current);
    const found = rows.filter((r) => r.key !== null);
    const more = limit !== undefined && limit > 0 && found.length > limit;
    if (more) found.length = limit;
    return { items: found.map(toEntry), revision: revision || rows[0]!.current, more };
  }

  async count(prefix: string, options?: { after?: string }): Promise<{ count: number; revision: number }> {
    this.#open();
    const range = this.#range(prefix, options?.after);
    const [row] = await this.#read(() => this.#sql<{ revision: number; count: number }[]>`
      SELECT revision, (SELECT count(*) FROM k3ts_kv WHERE ${range}) AS count
      FROM k3ts_meta WHERE id = 1`);
    return { count: row!.count, revision: this.#observe(row!.revision) };
  }

  async #write(op: number, key: string, value: Uint8Array | null, expected: number | null): Promise<WriteRow> {
    this.#open();
    const row = await this.#track(() => this.#writer.write(op, key, value, expected));
    // Failed writes report the revision they saw, which is committed too.
    this.#observe(row.revision);
    if (row.status === WRITE_OK) this.#compactor.noteWrite();
    return row;
  }

  #current(key: string, row: WriteRow): Entry {
    return {
      key,
      value: decodeValue(row.value!),
      createRevision: row.create_revision!,
      modRevision: row.mod_revision!,
    };
  }

  async create(key: string, value: unknown): Promise<Entry> {
    const row = await this.#write(OP_CREATE, key, encodeValue(value), null);
    if (row.status === WRITE_EXISTS) throw new KeyExistsError(key);
    return { key, value, createRevision: row.revision, modRevision: row.revision };
  }

  async update(key: string, value: unknown, expectedRevision: number): Promise<Entry> {
    const row = await this.#write(OP_UPDATE, key, encodeValue(value), expectedRevision);
    if (row.status === WRITE_NOT_FOUND) throw new KeyNotFoundError(key);
    if (row.status === WRITE_CONFLICT) throw new ConflictError(key, expectedRevision, this.#current(key, row));
    return { key, value, createRevision: row.create_revision!, modRevision: row.revision };
  }

  async delete(key: string, expectedRevision?: number): Promise<Entry> {
    const row = await this.#write(OP_DELETE, key, null, expectedRevision ?? null);
    if (row.status === WRITE_NOT_FOUND) throw new KeyNotFoundError(key);
    if (row.status === WRITE_CONFLICT) throw new ConflictError(key, expectedRevision!, this.#current(key, row));
    return this.#current(key, row);
  }

  watch(prefix: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
    this.#open();
    return this.#feed.watch(prefix, options, this.#known);
  }

  async compact(revision: number): Promise<CompactionStatus> {
    this.#open();
    return this.#compactor.compact(revision);
  }

  async compactionStatus(): Promise<CompactionStatus> {
    this.#open();
    return this.#compactor.status();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#inflight);
    await this.#release();
  }
}
