/**
 * The database layout, its connection settings and its migrations.
 *
 * Two tables, so that reads of current state never wade through history (kine's one
 * append-only table made list queries slow down with history: kine#323, k3s#3063):
 *
 * - `kv`: one row per live key — its value (CBOR) and revisions. Lists and gets read only this.
 *   A rowid table, not WITHOUT ROWID: rows of a few KB fit its leaf pages (migration 2).
 * - `log`: one row per write, keyed by revision. It carries the key, the kind of change and the
 *   value *before* the change (`prev_value`, `prev_rev`), not the value after it: the value
 *   after a change is either the next change's `prev_value` or the current `kv` row, so storing
 *   it again would double the log for nothing. Past-revision reads need exactly the
 *   before-values (state at R = kv rows with mod_rev <= R, plus for every key written after R
 *   the before-value of its first change after R), and compaction only ever drops a prefix of
 *   the log, which never removes a row those reads or a replay from R >= the compacted
 *   revision need.
 * - `meta`: the compacted revision (the current revision is MAX(log.rev), or the compacted
 *   revision when compaction emptied the log, so no write has to update a counter row).
 *
 * The schema version is PRAGMA user_version; migrations run in order inside one transaction.
 */
import type { DatabaseSync } from "node:sqlite";

export const SCHEMA_VERSION = 2;

/** `log.type` values. */
export const CHANGE_CREATE = 0;
export const CHANGE_UPDATE = 1;
export const CHANGE_DELETE = 2;

const migrations: ReadonlyArray<(db: DatabaseSync) => void> = [
  // 0 -> 1: the first layout.
  (db) => {
    db.exec(`
      CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        create_rev INTEGER NOT NULL,
        mod_rev INTEGER NOT NULL,
        value BLOB NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE log (
        rev INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        type INTEGER NOT NULL,
        create_rev INTEGER NOT NULL,
        prev_rev INTEGER,
        prev_value BLOB,
        ts INTEGER NOT NULL
      );
      CREATE INDEX log_key_rev ON log (key, rev);
      CREATE TABLE meta (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO meta (name, value) VALUES ('compact_rev', 0);
    `);
  },
  // 1 -> 2: kv as an ordinary (rowid) table. WITHOUT ROWID keeps whole rows in an index b-tree,
  // where a row over ~1,000 bytes (4 KiB pages) spills into an overflow page of its own: a 1.6 KB
  // Event took 4.6 KB on disk, a 2.5 KB Deployment as much. A rowid table keeps rows up to ~4 KB
  // in its leaf pages; the key's index is separate. 26 % less on a 6,000-pod database.
  (db) => {
    db.exec(`
      CREATE TABLE kv_rowid (
        key TEXT PRIMARY KEY,
        create_rev INTEGER NOT NULL,
        mod_rev INTEGER NOT NULL,
        value BLOB NOT NULL
      );
      INSERT INTO kv_rowid (key, create_rev, mod_rev, value) SELECT key, create_rev, mod_rev, value FROM kv ORDER BY mod_rev;
      DROP TABLE kv;
      ALTER TABLE kv_rowid RENAME TO kv;
    `);
  },
];

export type Synchronous = "normal" | "full";

/**
 * Connection settings. Durability: WAL with synchronous=NORMAL (the default here, as in kine).
 * A commit appends to the WAL without fsync; the WAL is fsynced at checkpoints. So a crash of
 * the process (kill -9, OOM) loses nothing — the written pages are in the OS page cache — while
 * a power loss or kernel crash may lose the transactions since the last checkpoint, but never
 * corrupts the database (the WAL is checksummed and replays or rolls back whole transactions).
 * synchronous=FULL fsyncs every commit and survives power loss too, at a large cost in writes/s.
 */
export function configureConnection(db: DatabaseSync, synchronous: Synchronous): void {
  // auto_vacuum must be chosen before the first table exists; on an existing file it is a no-op
  // unless a VACUUM follows, and we never VACUUM (it rewrites the whole file).
  // 8 KiB pages, for new files only (like auto_vacuum). On 4 KiB pages a Pod (4.3 KB with its
  // managedFields) goes to an overflow page once its status is written, leaving ~490 bytes of
  // it in a leaf that had been split to hold 2.5-2.9 KB: half of kv's leaf space was empty on
  // the 30,000-pod benchmark. On 8 KiB pages such rows stay in their leaf. Database of the small
  // scale run 98.5 / 105.2 MiB against 116.2 / 113.7 MiB, with no slower COMMITs measured there;
  // 16 KiB pages were no smaller and COMMIT writes whole pages to the WAL.
  db.exec("PRAGMA page_size = 8192");
  db.exec("PRAGMA auto_vacuum = INCREMENTAL");
  const mode = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
  if (mode.journal_mode.toLowerCase() !== "wal") {
    throw new Error(`could not switch the database to WAL mode (it is in ${mode.journal_mode} mode)`);
  }
  db.exec(`PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
  // Checkpoint after 4 MiB of WAL whatever the page size (SQLite counts pages: its default of
  // 1,000 would let the WAL of an 8 KiB-page file grow to 8 MiB between checkpoints).
  const { page_size: pageSize } = db.prepare("PRAGMA page_size").get() as { page_size: number };
  db.exec(`PRAGMA wal_autocheckpoint = ${Math.max(1, Math.round((4 * 1024 * 1024) / pageSize))}`);
  // Another process holding the lock (a backup, the sqlite3 shell) makes us wait this long and
  // then fail with "database is locked". node:sqlite is synchronous, so the wait blocks the event
  // loop: 5 s rather than kine's 30 s.
  db.exec("PRAGMA busy_timeout = 5000");
  // After a checkpoint the WAL file is truncated back to this size, so a burst of writes cannot
  // leave a large WAL behind (k3s#1575, #5033).
  db.exec(`PRAGMA journal_size_limit = ${16 * 1024 * 1024}`);
  db.exec("PRAGMA foreign_keys = OFF");
  db.exec("PRAGMA temp_store = MEMORY");
}

/** Brings the schema to SCHEMA_VERSION; refuses a database from a newer k3ts. */
export function migrate(db: DatabaseSync): void {
  const { user_version: version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the database schema is version ${version}, newer than this k3ts supports (${SCHEMA_VERSION}): ` +
        "downgrading k3ts is not supported",
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    for (let v = version; v < SCHEMA_VERSION; v++) migrations[v]!(db);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}
