/**
 * Reads of the past and of the log: the state as of a revision, and the changes after one.
 * See schema.ts for why the log keeps before-values only and how these queries rebuild the rest.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Entry, EventType, WatchEvent } from "../mod.ts";
import { decodeValue } from "./codec.ts";
import { prefixRange } from "./key-range.ts";
import { CHANGE_CREATE, CHANGE_DELETE, CHANGE_UPDATE } from "./schema.ts";

interface EntryRow {
  key: string;
  create_rev: number;
  mod_rev: number;
  value: Uint8Array;
}

interface LogRow {
  rev: number;
  key: string;
  type: number;
  create_rev: number;
  prev_rev: number | null;
  prev_value: Uint8Array | null;
  value: Uint8Array | null;
}

const EVENT_TYPES: Record<number, EventType> = {
  [CHANGE_CREATE]: "create",
  [CHANGE_UPDATE]: "update",
  [CHANGE_DELETE]: "delete",
};

export function rowToEntry(row: EntryRow): Entry {
  return { key: row.key, value: decodeValue(row.value), createRevision: row.create_rev, modRevision: row.mod_rev };
}

/** Prepares each SQL text once: the range queries come in bounded and unbounded shapes. */
export class Statements {
  readonly #db: DatabaseSync;
  readonly #cache = new Map<string, StatementSync>();
  constructor(db: DatabaseSync) {
    this.#db = db;
  }
  get(sql: string): StatementSync {
    let stmt = this.#cache.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }
}

/** `key` range conditions for a prefix and an exclusive start key, with their parameters. */
function keyConditions(column: string, prefix: string, after: string | undefined): { sql: string; params: string[] } {
  const range = prefixRange(prefix);
  const params: string[] = [];
  let sql = "";
  if (after !== undefined) {
    // `after` may lie before the prefix (then the prefix bound wins) or inside it: keep both and
    // let SQLite take the tighter one.
    sql += `${column} > ? AND `;
    params.push(after);
  }
  sql += `${column} >= ?`;
  params.push(range.start);
  if (range.end !== undefined) {
    sql += ` AND ${column} < ?`;
    params.push(range.end);
  }
  return { sql, params };
}

export function getAt(stmts: Statements, key: string, revision: number): Entry | undefined {
  const change = stmts
    .get("SELECT type, create_rev, prev_rev, prev_value FROM log WHERE key = ? AND rev > ? ORDER BY rev LIMIT 1")
    .get(key, revision) as Pick<LogRow, "type" | "create_rev" | "prev_rev" | "prev_value"> | undefined;
  if (change) {
    // The key's first change after `revision` tells what it was then: nothing before a create.
    if (change.type === CHANGE_CREATE) return undefined;
    return {
      key,
      value: decodeValue(change.prev_value!),
      createRevision: change.create_rev,
      modRevision: change.prev_rev!,
    };
  }
  const row = stmts.get("SELECT key, create_rev, mod_rev, value FROM kv WHERE key = ?").get(key) as
    | EntryRow
    | undefined;
  return row ? rowToEntry(row) : undefined;
}

export function getCurrent(stmts: Statements, key: string): Entry | undefined {
  const row = stmts.get("SELECT key, create_rev, mod_rev, value FROM kv WHERE key = ?").get(key) as
    | EntryRow
    | undefined;
  return row ? rowToEntry(row) : undefined;
}

/**
 * Up to `limit` entries under `prefix` after `after` in key order, as of `revision` (undefined:
 * now). Reads `limit + 1` rows so the caller can tell whether there are more.
 */
export function listAt(
  stmts: Statements,
  prefix: string,
  after: string | undefined,
  limit: number | undefined,
  revision: number | undefined,
): { items: Entry[]; more: boolean } {
  const kv = keyConditions("key", prefix, after);
  const lim = limit && limit > 0 ? limit : -1;
  let rows: EntryRow[];
  if (revision === undefined) {
    rows = stmts
      .get(`SELECT key, create_rev, mod_rev, value FROM kv WHERE ${kv.sql} ORDER BY key LIMIT ?`)
      .all(...kv.params, lim < 0 ? -1 : lim + 1) as unknown as EntryRow[];
  } else {
    // Keys unchanged since `revision` come from kv; keys changed after it from the before-value
    // of their first change after it (unless that change created them). The two sets are disjoint.
    const log = keyConditions("key", prefix, after);
    rows = stmts
      .get(
        `SELECT key, create_rev, mod_rev, value FROM (
           SELECT l.key AS key, l.create_rev AS create_rev, l.prev_rev AS mod_rev, l.prev_value AS value
           FROM (SELECT MIN(rev) AS rev FROM log WHERE rev > ? AND ${log.sql} GROUP BY key) AS f
           JOIN log AS l ON l.rev = f.rev
           WHERE l.type != ${CHANGE_CREATE}
           UNION ALL
           SELECT key, create_rev, mod_rev, value FROM kv WHERE ${kv.sql} AND mod_rev <= ?
         ) ORDER BY key LIMIT ?`,
      )
      .all(revision, ...log.params, ...kv.params, revision, lim < 0 ? -1 : lim + 1) as unknown as EntryRow[];
  }
  const more = lim > 0 && rows.length > lim;
  if (more) rows.length = lim;
  return { items: rows.map(rowToEntry), more };
}

export function countCurrent(stmts: Statements, prefix: string, after: string | undefined): number {
  const kv = keyConditions("key", prefix, after);
  const row = stmts.get(`SELECT COUNT(*) AS n FROM kv WHERE ${kv.sql}`).get(...kv.params) as { n: number };
  return row.n;
}

/**
 * Changes under `prefix` after `afterRevision` up to `upToRevision`, in revision order. The value after each change
 * is the next change's before-value, or the current row when no change of the key followed.
 */
export function readChanges(stmts: Statements, prefix: string, afterRevision: number, upToRevision: number, limit: number): WatchEvent[] {
  const range = keyConditions("l.key", prefix, undefined);
  const rows = stmts
    .get(
      `SELECT l.rev, l.key, l.type, l.create_rev, l.prev_rev, l.prev_value,
         CASE WHEN l.type = ${CHANGE_DELETE} THEN NULL ELSE COALESCE(
           (SELECT n.prev_value FROM log AS n WHERE n.key = l.key AND n.rev > l.rev ORDER BY n.rev LIMIT 1),
           (SELECT c.value FROM kv AS c WHERE c.key = l.key AND c.mod_rev = l.rev)) END AS value
       FROM log AS l WHERE l.rev > ? AND l.rev <= ? AND ${range.sql} ORDER BY l.rev LIMIT ?`,
    )
    .all(afterRevision, upToRevision, ...range.params, limit) as unknown as LogRow[];
  return rows.map((row) => {
    const event: WatchEvent = {
      type: EVENT_TYPES[row.type]!,
      key: row.key,
      revision: row.rev,
      createRevision: row.create_rev,
    };
    if (row.value !== null) event.value = decodeValue(row.value);
    if (row.prev_value !== null) {
      event.prevValue = decodeValue(row.prev_value);
      event.prevRevision = row.prev_rev!;
    }
    return event;
  });
}
