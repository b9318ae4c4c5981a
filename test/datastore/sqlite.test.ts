/**
 * The SQLite driver: the conformance suite on a real file, then what only SQLite has —
 * compaction that trims the log and keeps the files bounded, WAL truncation, crash safety,
 * and clear errors for bad paths.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import sqlitePlugin, { openSqliteDatastore, type SqliteDatastore, type SqliteDatastoreOptions } from "../../datastore/sqlite/plugin.ts";
import { CompactedError, KeyExistsError, silentLogger, type PluginContext } from "../../mod.ts";
import { runDatastoreConformance } from "./conformance.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "k3ts-sqlite-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// Automatic compaction off in the suite: the tests compact explicitly and count on the log.
const quiet = { compaction: { enabled: false } };

runDatastoreConformance("sqlite", async () => {
  const dir = tempDir();
  const path = join(dir, "db", "state.db");
  return {
    store: await openSqliteDatastore({ path, ...quiet }),
    reopen: () => openSqliteDatastore({ path, ...quiet }),
  };
});

// A small watch queue, so that the suite's slow-watcher test exercises the fall back to the log.
runDatastoreConformance("sqlite (watch queue of 16)", async () => {
  const path = join(tempDir(), "state.db");
  const options = { path, ...quiet, watch: { maxQueue: 16, batchSize: 7 } };
  return { store: await openSqliteDatastore(options), reopen: () => openSqliteDatastore(options) };
});

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

function logRows(path: string): { rows: number; min: number | null } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("SELECT COUNT(*) AS rows, MIN(rev) AS min FROM log").get() as { rows: number; min: number | null };
  } finally {
    db.close();
  }
}

describe("sqlite datastore", () => {
  const open: SqliteDatastore[] = [];
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });
  async function openStore(options: SqliteDatastoreOptions): Promise<SqliteDatastore> {
    const store = await openSqliteDatastore(options);
    open.push(store);
    return store;
  }

  it("compacts automatically by revisions after every N writes, and files stay bounded under churn", async () => {
    const path = join(tempDir(), "state.db");
    const store = await openStore({
      path,
      compaction: { keepRevisions: 500, everyWrites: 200, intervalSeconds: 3600, batchSize: 100, maxAgeSeconds: 0 },
    });
    const value = { spec: "x".repeat(2000) };
    const revs = new Map<string, number>();
    const sizes: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 2000; i++) {
        const key = `/churn/${i % 100}`;
        const rev = revs.get(key);
        const entry = rev ? await store.update(key, value, rev) : await store.create(key, value);
        revs.set(key, entry.modRevision);
      }
      // Let the compaction the writes woke run its batches.
      while ((await store.compactionStatus()).compactRevision < (await store.currentRevision()) - 700) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      sizes.push(fileSize(path) + fileSize(`${path}-wal`));
    }
    const status = await store.compactionStatus();
    expect(status.currentRevision).toBe(20_000);
    expect(status.currentRevision - status.compactRevision).toBeLessThanOrEqual(700);
    const { rows } = logRows(path);
    expect(rows).toBe(status.currentRevision - status.compactRevision);
    // 20,000 writes of 2 KB went through; the files hold about the last 700 revisions and 100 keys.
    expect(sizes.at(-1)!).toBeLessThan(8 * 1024 * 1024);
    expect(Math.max(...sizes.slice(3))).toBeLessThan(2 * Math.max(...sizes.slice(0, 3)));
  });

  it("compacts by age", async () => {
    const path = join(tempDir(), "state.db");
    const store = await openStore({ path, compaction: { enabled: false } });
    for (let i = 0; i < 50; i++) await store.create(`/old/${i}`, i);
    // Age the first 40 entries by an hour, as if written then.
    const db = new DatabaseSync(path);
    db.exec("PRAGMA busy_timeout = 5000");
    db.prepare("UPDATE log SET ts = ts - 7200000 WHERE rev <= 40").run();
    db.close();
    const aged = await openStore({ path, compaction: { keepRevisions: 1_000_000, maxAgeSeconds: 3600, intervalSeconds: 1, everyWrites: 1 } });
    await store.close();
    await aged.create("/new", 1); // wakes the compactor (everyWrites: 1)
    while ((await aged.compactionStatus()).compactRevision < 40) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await aged.compactionStatus()).compactRevision).toBe(40);
    expect(logRows(path)).toEqual({ rows: 11, min: 41 });
    expect((await aged.list("/old/")).items.length).toBe(50);
  });

  it("truncates the WAL after compaction and on close", async () => {
    const path = join(tempDir(), "state.db");
    const store = await openStore({ path, compaction: { enabled: false } });
    for (let i = 0; i < 3000; i++) await store.create(`/w/${i}`, { pad: "y".repeat(500) });
    expect(fileSize(`${path}-wal`)).toBeGreaterThan(0);
    await store.compact(2500);
    expect(fileSize(`${path}-wal`)).toBe(0);
    await store.create("/w/after", 1);
    expect(fileSize(`${path}-wal`)).toBeGreaterThan(0);
    await store.close();
    expect(fileSize(`${path}-wal`)).toBe(0);
  });

  it("returns free pages to the file system after a large compaction", async () => {
    const path = join(tempDir(), "state.db");
    const store = await openStore({ path, compaction: { enabled: false } });
    const created = await store.create("/big", { pad: "z".repeat(10_000) });
    let rev = created.modRevision;
    for (let i = 0; i < 1500; i++) rev = (await store.update("/big", { pad: `${i}`.repeat(10_000 / `${i}`.length) }, rev)).modRevision;
    const before = fileSize(path) + fileSize(`${path}-wal`);
    await store.compact(rev);
    const after = fileSize(path) + fileSize(`${path}-wal`);
    expect(before).toBeGreaterThan(10 * 1024 * 1024);
    expect(after).toBeLessThan(before / 4);
  });

  it("keeps every committed write when the process is killed mid-stream", async () => {
    const path = join(tempDir(), "state.db");
    const writer = fileURLToPath(new URL("../fixtures/sqlite-writer.ts", import.meta.url));
    const runtime = "Deno" in globalThis ? [process.execPath, "run", "-A", writer, path] : [process.execPath, writer, path];
    const child = spawn(runtime[0]!, runtime.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const closed = new Promise((resolve) => child.once("close", resolve));
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // The writer prints each revision after it committed; kill it once it is well under way.
    let acknowledged = 0;
    await new Promise<void>((resolve, reject) => {
      let buffered = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) acknowledged = Math.max(acknowledged, Number(line));
        if (acknowledged >= 2000 && !child.killed) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      // A bounded wait: a writer that stops printing fails the test with what it printed.
      const timer = setTimeout(
        () => reject(new Error(`the writer reached only revision ${acknowledged} in 20 s: ${stderr}`)),
        20_000,
      );
      child.once("exit", () => clearTimeout(timer));
      child.on("exit", (code, signal) => {
        if (signal !== "SIGKILL") {
          reject(new Error(`the writer exited early (code ${code}) at revision ${acknowledged}: ${stderr}`));
        }
      });
    });
    await closed;
    const store = await openStore({ path, compaction: { enabled: false } });
    const current = await store.currentRevision();
    expect(current).toBeGreaterThanOrEqual(acknowledged);
    // The store is consistent: key i holds revision i, and the log has every revision.
    const { items } = await store.list("/crash/");
    expect(items.length).toBe(current);
    expect(items.every((e) => e.modRevision === (e.value as { i: number }).i)).toBe(true);
    expect(logRows(path)).toEqual({ rows: current, min: 1 });
    expect((await store.create("/crash/next", 0)).modRevision).toBe(current + 1);
  });

  it("moves a watcher that stops reading onto the log, and ends it with CompactedError if compaction overtakes it", async () => {
    const store = await openStore({ path: join(tempDir(), "state.db"), compaction: { enabled: false }, watch: { maxQueue: 4, batchSize: 2 } });
    const iterator = store.watch("/s/")[Symbol.asyncIterator]();
    const first = iterator.next();
    await store.create("/s/0", 0);
    expect((await first).value).toMatchObject({ key: "/s/0", revision: 1 });
    for (let i = 1; i <= 20; i++) await store.create(`/s/${i}`, i);
    // Its queue overflowed: it holds no events now, it will read them from the log.
    expect(store.watchStats).toEqual({ watchers: 1, overflows: 1 });
    expect((await iterator.next()).value).toMatchObject({ key: "/s/1", revision: 2 });
    await store.compact(10);
    // What it read from the log before the compaction it still delivers; then the log has a gap.
    expect((await iterator.next()).value).toMatchObject({ key: "/s/2", revision: 3 });
    await expect(iterator.next()).rejects.toBeInstanceOf(CompactedError);
    expect(store.watchStats.watchers).toBe(0);
  });

  it("commits the writes of one tick together, acknowledging each only once committed, in revision order", async () => {
    const path = join(tempDir(), "state.db");
    const store = await openStore({ path, compaction: { enabled: false } });
    await store.create("/g/existing", "x");
    const other = new DatabaseSync(path, { readOnly: true });
    const committedRows = () => (other.prepare("SELECT COUNT(*) AS n FROM kv").get() as { n: number }).n;
    const iterator = store.watch("/g/")[Symbol.asyncIterator]();
    const acknowledged: number[] = [];
    const writes = Array.from({ length: 20 }, (_, i) =>
      store.create(`/g/${i}`, i).then((e) => {
        // Acknowledged means committed: another connection sees it.
        expect(committedRows()).toBe(21);
        acknowledged.push(e.modRevision);
        return e;
      }));
    // A refusal in the same tick fails alone and leaves the batch to commit.
    const refused = store.create("/g/existing", "again");
    // Not committed yet: all in one open transaction, and the committed revision is the one before it.
    expect(committedRows()).toBe(1);
    expect(await store.currentRevision()).toBe(1);
    await expect(refused).rejects.toThrow(/exists/);
    const entries = await Promise.all(writes);
    expect(entries.map((e) => e.modRevision)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(acknowledged).toEqual(entries.map((e) => e.modRevision));
    for (let i = 0; i < 20; i++) expect((await iterator.next()).value).toMatchObject({ key: `/g/${i}`, revision: i + 2 });
    // A write awaited after another goes on in the same tick's next round, in a batch of its own.
    const a = await store.update("/g/0", "a", 2);
    const b = await store.update("/g/0", "b", a.modRevision);
    expect(b.modRevision).toBe(a.modRevision + 1);
    expect(committedRows()).toBe(21);
    other.close();
  });

  it("never reads out a write before its COMMIT: reads commit the open batch, a catching-up watcher stops at the committed revision, refusals wait for it", async () => {
    const path = join(tempDir(), "state.db");
    const store = await openStore({ path, compaction: { enabled: false } });
    await store.create("/r/first", 1);
    const other = new DatabaseSync(path, { readOnly: true });
    const committed = (key: string) => other.prepare("SELECT 1 FROM kv WHERE key = ?").get(key) !== undefined;
    try {
      // A watcher from revision 0 reads the log in its first step, while /r/second waits for COMMIT.
      const pending = store.create("/r/second", 2);
      const iterator = store.watch("/r/", { fromRevision: 0 })[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toMatchObject({ key: "/r/first", revision: 1 });
      const second = await iterator.next();
      expect(second.value).toMatchObject({ key: "/r/second", revision: 2 });
      expect(committed("/r/second")).toBe(true);
      await pending;

      // A refusal that rests on a write still waiting for its COMMIT comes after that COMMIT, so
      // that what the refused caller reads next shows the write that refused it.
      const winner = store.create("/r/race", "a");
      const loser = store.create("/r/race", "b").catch((err: unknown) => {
        expect(committed("/r/race")).toBe(true);
        throw err;
      });
      await expect(loser).rejects.toBeInstanceOf(KeyExistsError);
      await store.delete("/r/race", (await winner).modRevision);

      // get, list and count in the same turn as a write commit it before they read.
      // get, list and count in the same turn as a write commit it before they read, and see it.
      const reads: Array<(revision: number) => Promise<void>> = [
        async (revision) => expect(await store.get("/r/third")).toMatchObject({ value: 3, modRevision: revision }),
        async (revision) => expect(await store.list("/r/")).toMatchObject({ revision, items: [{}, {}, { key: "/r/third", modRevision: revision }] }),
        async (revision) => expect(await store.count("/r/")).toEqual({ count: 3, revision }),
      ];
      for (const read of reads) {
        const revision = (await store.currentRevision()) + 1;
        const write = store.create("/r/third", 3);
        expect(committed("/r/third")).toBe(false);
        await read(revision);
        expect(committed("/r/third")).toBe(true);
        expect((await write).modRevision).toBe(revision);
        await store.delete("/r/third");
      }
    } finally {
      other.close();
    }
  });

  it("refuses a file that is not a database with a clear error", async () => {
    const path = join(tempDir(), "state.db");
    writeFileSync(path, "this is not a database, just some text long enough to fill a header".repeat(20));
    await expect(openSqliteDatastore({ path })).rejects.toThrow(/cannot open the sqlite datastore at .*state\.db: .*not a database/);
  });

  it("refuses a path it cannot create with a clear error", async () => {
    const file = join(tempDir(), "a-file");
    writeFileSync(file, "x");
    await expect(openSqliteDatastore({ path: join(file, "db", "state.db") })).rejects.toThrow(
      /cannot open the sqlite datastore at .*a-file.*(ENOTDIR|not a directory)/,
    );
  });

  it("refuses a database from a newer schema version", async () => {
    const path = join(tempDir(), "state.db");
    (await openSqliteDatastore({ path })).close();
    const db = new DatabaseSync(path);
    db.exec("PRAGMA user_version = 99");
    db.close();
    await expect(openSqliteDatastore({ path })).rejects.toThrow(/schema is version 99, newer than this k3ts supports/);
  });

  it("moves a schema 1 database's current state into the rowid kv table, keys and revisions kept", async () => {
    const path = join(tempDir(), "state.db");
    const store = await openSqliteDatastore({ path, ...quiet });
    const a = await store.create("/registry/a", { pad: "a".repeat(2000) });
    await store.create("/registry/b", 2);
    const a2 = await store.update("/registry/a", { pad: "b".repeat(2000) }, a.modRevision);
    store.close();
    // Rebuild kv as schema 1 had it (WITHOUT ROWID) and mark the file as version 1.
    const db = new DatabaseSync(path);
    db.exec(`CREATE TABLE kv_v1 (key TEXT PRIMARY KEY, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
      INSERT INTO kv_v1 SELECT * FROM kv; DROP TABLE kv; ALTER TABLE kv_v1 RENAME TO kv; PRAGMA user_version = 1;`);
    db.close();
    const reopened = await openSqliteDatastore({ path, ...quiet });
    try {
      expect(await reopened.get("/registry/a")).toMatchObject({ value: { pad: "b".repeat(2000) }, modRevision: a2.modRevision, createRevision: a.modRevision });
      expect((await reopened.list("/registry/")).items.map((e) => e.key)).toEqual(["/registry/a", "/registry/b"]);
    } finally {
      reopened.close();
    }
    const check = new DatabaseSync(path);
    const table = check.prepare("SELECT sql FROM sqlite_schema WHERE name = 'kv'").get() as { sql: string };
    const version = check.prepare("PRAGMA user_version").get() as { user_version: number };
    check.close();
    expect(table.sql).not.toMatch(/WITHOUT ROWID/);
    expect(version.user_version).toBe(2);
  });

  it("creates new databases with 8 KiB pages and keeps an existing file's page size", async () => {
    const path = join(tempDir(), "state.db");
    (await openSqliteDatastore({ path, ...quiet })).close();
    const pageSize = (p: string) => {
      const db = new DatabaseSync(p);
      try {
        return (db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size;
      } finally {
        db.close();
      }
    };
    expect(pageSize(path)).toBe(8192);
    const old = join(tempDir(), "old.db");
    const db = new DatabaseSync(old);
    db.exec("PRAGMA page_size = 4096; CREATE TABLE t (x); DROP TABLE t;");
    db.close();
    const store = await openSqliteDatastore({ path: old, ...quiet });
    await store.create("/a", 1);
    store.close();
    expect(pageSize(old)).toBe(4096);
  });

  it("is a datastore plugin whose default path is under the data dir", async () => {
    const dataDir = tempDir();
    const ctx: PluginContext = {
      name: "sqlite",
      dataDir: join(dataDir, "modules", "sqlite"),
      rootDataDir: dataDir,
      log: silentLogger,
      signal: new AbortController().signal,
      fail: (err) => {
        throw err;
      },
      provided: new Map(),
    };
    expect(sqlitePlugin.provides).toEqual(["datastore"]);
    const instance = await sqlitePlugin.setup(ctx, {});
    await instance.provides!.datastore.create("/k", 1);
    await instance.stop!();
    expect(existsSync(join(dataDir, "server", "db", "state.db"))).toBe(true);
  });
});
