/**
 * The Postgres datastore against a real PostgreSQL (127.0.0.1:5432, see
 * scripts/ensure-postgres.sh). Every test opens its own freshly created database and drops it.
 */
import { spawn } from "node:child_process";
import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import * as v from "valibot";
import { ConflictError, isDatastoreError, type Datastore, type WatchEvent } from "../../datastore/mod.ts";
import plugin from "../../datastore/postgres/plugin.ts";
import { openPostgresDatastore, type PostgresDatastoreOptions } from "../../datastore/postgres/open.ts";
import { parsePostgresUrl } from "../../datastore/postgres/url.ts";
import { createLogger, silentLogger } from "../../plugins/logger.ts";
import { runDatastoreConformance } from "./conformance.ts";

const SERVER = "postgres://postgres@127.0.0.1:5432";
const admin = postgres(`${SERVER}/postgres`, { max: 2, onnotice: () => {} });
const created = new Set<string>();
const open: Datastore[] = [];

function freshName(): string {
  const name = `k3ts_test_${Math.random().toString(36).slice(2, 10)}`;
  created.add(name);
  return name;
}

async function openFresh(
  options: Partial<PostgresDatastoreOptions> = {},
): Promise<{ ds: Datastore; url: string; db: string }> {
  const db = freshName();
  const url = `${SERVER}/${db}?sslmode=disable`;
  const ds = await openPostgresDatastore({ url, compaction: { enabled: false }, ...options });
  open.push(ds);
  return { ds, url, db };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((ds) => ds.close()));
  for (const db of created) await admin.unsafe(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  created.clear();
});

afterAll(async () => {
  await admin.end();
});

// The shared suite, each test on a database of its own. Automatic compaction is off there: the
// suite compacts explicitly and counts on the log.
runDatastoreConformance("postgres", async () => {
  const db = freshName();
  const url = `${SERVER}/${db}?sslmode=disable`;
  const options = { url, compaction: { enabled: false } };
  return {
    store: await openPostgresDatastore(options),
    reopen: () => openPostgresDatastore(options),
    cleanup: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
      created.delete(db);
    },
  };
});

/** Collects `n` events from a watch (the test's timeout bounds the wait). */
async function take(iterable: AsyncIterable<WatchEvent>, n: number, ac: AbortController): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  if (n === 0) return events;
  for await (const event of iterable) {
    events.push(event);
    if (events.length === n) break;
  }
  ac.abort();
  return events;
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function runChild(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = fileURLToPath(new URL("./postgres-child.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("postgres datastore: connecting", () => {
  it("creates a missing database and migrates it", async () => {
    const { ds, db } = await openFresh();
    const rows = await admin`SELECT 1 FROM pg_database WHERE datname = ${db}`;
    expect(rows.length).toBe(1);
    expect(await ds.currentRevision()).toBe(0);
    // A second server on the same database finds the schema in place.
    const second = await openPostgresDatastore({ url: `${SERVER}/${db}?sslmode=disable`, compaction: { enabled: false } });
    open.push(second);
    await ds.create("/k", 1);
    expect((await second.get("/k"))?.value).toBe(1);
  });

  it("fails at once on an unreachable server when retry is off", async () => {
    const port = await closedPort();
    const err = await openPostgresDatastore({
      url: `postgres://postgres@127.0.0.1:${port}/x?sslmode=disable`,
      connectRetry: false,
    }).catch((e: unknown) => e);
    expect(isDatastoreError(err, "Unavailable")).toBe(true);
    expect((err as Error).message).toContain(`cannot reach 127.0.0.1:${port}`);
    expect((err as Error).message).toContain("ECONNREFUSED");
  });

  it("retries an unreachable server with growing delays, and connects once it is up", async () => {
    const port = await closedPort();
    const db = freshName();
    const lines: string[] = [];
    let proxy: Server | undefined;
    const piped = new Set<Socket>();
    const log = createLogger({
      format: "json",
      level: "info",
      write: (line) => {
        lines.push(line);
        const retries = lines.filter((l) => l.includes("retrying")).length;
        // After the second failed attempt, bring "the server" up: a TCP proxy to Postgres.
        if (retries === 2 && !proxy) {
          proxy = createServer((socket) => {
            const upstream = netConnect(5432, "127.0.0.1");
            piped.add(socket).add(upstream);
            socket.pipe(upstream).pipe(socket);
            socket.on("error", () => upstream.destroy());
            upstream.on("error", () => socket.destroy());
          });
          proxy.listen(port, "127.0.0.1");
        }
      },
    });
    try {
      const ds = await openPostgresDatastore({
        url: `postgres://postgres@127.0.0.1:${port}/${db}?sslmode=disable`,
        log,
        compaction: { enabled: false },
      });
      open.push(ds);
      await ds.create("/up", true);
      const retries = lines.map((l) => JSON.parse(l)).filter((r) => r.msg.includes("retrying"));
      expect(retries.length).toBeGreaterThanOrEqual(2);
      expect(retries[0].attempt).toBe(1);
      expect(retries[1].retryInMs).toBe(retries[0].retryInMs * 2);
      expect(retries[0].error).toContain("ECONNREFUSED");
      expect(retries[0].endpoint).toContain(`127.0.0.1:${port}`);
      await Promise.all(open.splice(0).map((d) => d.close()));
    } finally {
      // Both ends of every piped connection, so that close() does not wait on a half-closed one
      // (Deno's sockets do not end the other side of a pipe on their own).
      for (const socket of piped) socket.destroy();
      await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    }
  });

  it("stops waiting when its signal aborts", async () => {
    const port = await closedPort();
    const ac = new AbortController();
    const log = createLogger({ write: (line) => line.includes("retrying") && ac.abort(new Error("gave up")) });
    const err = await openPostgresDatastore({
      url: `postgres://postgres@127.0.0.1:${port}/x`,
      log,
      signal: ac.signal,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("gave up");
  });

  it("rejects bad URLs with a clear message that never shows the password", () => {
    const bad = (url: string): Error => {
      try {
        parsePostgresUrl(url);
      } catch (e) {
        return e as Error;
      }
      throw new Error(`accepted ${url}`);
    };
    expect(bad("mysql://u:secret@h/db").message).toMatch(/unsupported scheme "mysql".*postgres:\/\//);
    expect(bad("not a url with secret").message).not.toContain("secret");
    expect(bad("postgres://u:secret@h/db?sslmode=sometimes").message).toContain('unknown sslmode "sometimes"');
    expect(bad("postgres://u:secret@h/db?bogus=1").message).toContain('unsupported URL parameter "bogus"');
    for (const url of ["mysql://u:secret@h/db", "postgres://u:secret@h/db?bogus=1"]) {
      expect(bad(url).message).not.toContain("secret");
      expect(isDatastoreError(bad(url), "InvalidURL")).toBe(true);
    }
  });

  it("parses the URL forms k3s takes", () => {
    const t = parsePostgresUrl("postgres://user:p%40ss@db.example:6543/k3s?sslmode=disable");
    expect(t).toMatchObject({ host: "db.example", port: 6543, user: "user", password: "p@ss", database: "k3s", ssl: false });
    expect(t.display).not.toContain("p%40ss");
    expect(parsePostgresUrl("postgresql://u@h").database).toBe("kubernetes");
    expect(parsePostgresUrl("postgresql://u@[::1]:5433/d").host).toBe("::1");
  });

  it("gives a clear error for a wrong password", async () => {
    // Trust auth accepts any password, so use a role that does not exist instead.
    const err = await openPostgresDatastore({
      url: `postgres://no_such_role_k3ts@127.0.0.1:5432/x?sslmode=disable`,
    }).catch((e: unknown) => e);
    expect(isDatastoreError(err, "Unavailable")).toBe(true);
    expect((err as Error).message).toContain("no_such_role_k3ts");
  });
});

describe("postgres datastore: revisions", () => {
  it("allocates revisions without gaps under concurrent writers, failing writes included", async () => {
    const { ds, url } = await openFresh({ poolSize: 8 });
    let ok = 0;
    let failed = 0;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; i < 40; i++) {
        const key = `/gap/${w}/${i}`;
        const e = await ds.create(key, { w, i });
        ok++;
        // A duplicate create, a stale update and a bad key all fail...
        await ds.create(key, 0).then(() => ok++, () => failed++);
        await ds.update(key, 0, e.modRevision - 1).then(() => ok++, () => failed++);
        await ds.create(`/gap/bad\u0000${w}`, 0).then(() => ok++, () => failed++);
        // ...between writes that succeed.
        const u = await ds.update(key, { w, i, u: true }, e.modRevision);
        ok++;
        if (i % 3 === 0) {
          await ds.delete(key, u.modRevision);
          ok++;
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)));
    expect(failed).toBe(16 * 40 * 3);
    const current = await ds.currentRevision();
    expect(current).toBe(ok);

    const db = postgres(url, { max: 1 });
    try {
      const [row] = await db`SELECT count(*)::int AS n, min(revision)::int AS lo, max(revision)::int AS hi FROM k3ts_log`;
      expect(row).toEqual({ n: current, lo: 1, hi: current });
    } finally {
      await db.end();
    }
    // And the change feed replays them all, in order, once.
    const ac = new AbortController();
    const events = await take(ds.watch("/gap/", { fromRevision: 0, signal: ac.signal }), current, ac);
    expect(events.map((e) => e.revision)).toEqual(Array.from({ length: current }, (_, i) => i + 1));
  });

  it("never loses an update: concurrent read-modify-write on one key", async () => {
    const { ds } = await openFresh({ poolSize: 8 });
    await ds.create("/counter", { n: 0 });
    let conflicts = 0;
    const bump = async (): Promise<void> => {
      for (;;) {
        const cur = (await ds.get("/counter"))!;
        try {
          await ds.update("/counter", { n: (cur.value as { n: number }).n + 1 }, cur.modRevision);
          return;
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err;
          conflicts++;
          expect(err.current.modRevision).toBeGreaterThan(cur.modRevision);
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, async () => {
      for (let i = 0; i < 15; i++) await bump();
    }));
    expect((await ds.get("/counter"))!.value).toEqual({ n: 180 });
    expect(await ds.currentRevision()).toBe(181);
    expect(conflicts).toBeGreaterThan(0); // the test did exercise the check
  });
});

describe("postgres datastore: change feed", () => {
  it("delivers another process's writes to a watch, in order, once", async () => {
    const { ds, url } = await openFresh();
    const ac = new AbortController();
    const from = await ds.currentRevision();
    const watching = take(ds.watch("/xproc/", { fromRevision: from, signal: ac.signal }), 200, ac);
    // Interleave writes of our own under another prefix: they must not show up.
    const child = runChild([url, "/xproc/", "200"]);
    for (let i = 0; i < 20; i++) await ds.create(`/local/${i}`, i);
    const result = await child;
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("done");
    const events = await watching;
    expect(events.map((e) => e.key)).toEqual(Array.from({ length: 200 }, (_, i) => `/xproc/${String(i).padStart(5, "0")}`));
    const revs = events.map((e) => e.revision);
    expect([...revs].sort((a, b) => a - b)).toEqual(revs);
    expect(new Set(revs).size).toBe(200);
    expect(events.every((e) => e.type === "create" && (e.value as { pid: number }).pid !== process.pid)).toBe(true);
  });

  it("survives the listener's connection being killed and catches up with nothing lost", async () => {
    const lines: string[] = [];
    const log = createLogger({ format: "json", write: (l) => lines.push(l) });
    const { ds, db } = await openFresh({ log });
    const writer = await openPostgresDatastore({ url: `${SERVER}/${db}?sslmode=disable`, compaction: { enabled: false } });
    open.push(writer);
    const ac = new AbortController();
    const watching = take(ds.watch("/drop/", { fromRevision: 0, signal: ac.signal }), 60, ac);
    for (let i = 0; i < 20; i++) await writer.create(`/drop/a${i}`, i);

    const listeners = async (): Promise<number[]> =>
      (await admin<{ pid: number }[]>`
        SELECT pid FROM pg_stat_activity WHERE datname = ${db} AND application_name = 'k3ts-feed'`).map((r) => r.pid);
    const before = await listeners();
    expect(before.length).toBe(2); // one feed per datastore
    // Kill every feed connection, then write while they are down.
    await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN ${admin(before)}`;
    for (let i = 0; i < 20; i++) await writer.create(`/drop/b${i}`, i);
    // And kill the writers' pool connections too: the next writes must reconnect.
    await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = ${db} AND application_name = 'k3ts'`;
    for (let i = 0; i < 20; i++) {
      await writer.create(`/drop/c${i}`, i).catch(async (err) => {
        // A write sent on a connection that died before the pool noticed fails (a driver must
        // not retry a write blindly: it may have committed); the pool then reconnects.
        // Node's and Deno's words for a connection the server ended.
        expect(String((err as Error).message)).toMatch(/terminat|CONNECTION|ECONNRESET|ended by the other party/i);
        await writer.create(`/drop/c${i}`, i);
      });
    }
    const events = await watching;
    const keys = events.map((e) => e.key);
    expect(keys).toEqual([
      ...Array.from({ length: 20 }, (_, i) => `/drop/a${i}`),
      ...Array.from({ length: 20 }, (_, i) => `/drop/b${i}`),
      ...Array.from({ length: 20 }, (_, i) => `/drop/c${i}`),
    ]);
    expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const after = await listeners();
    expect(after.length).toBe(2);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
    expect(lines.some((l) => l.includes("change feed reconnected"))).toBe(true);
  });

  it("replays history then follows live writes without gaps or duplicates", async () => {
    const { ds } = await openFresh({ poolSize: 8 });
    for (let i = 0; i < 50; i++) await ds.create(`/rl/${i}`, i);
    const ac = new AbortController();
    // Start the watch from revision 10 while writers keep going.
    const writing = Promise.all(Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 40; i++) await ds.create(`/rl/w${w}-${i}`, i);
    }));
    const events = await take(ds.watch("/rl/", { fromRevision: 10, signal: ac.signal }), 40 + 160, ac);
    await writing;
    expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 200 }, (_, i) => i + 11));
  });
});

describe("postgres datastore: compaction", () => {
  it("compacts automatically by revision count, in batches", async () => {
    const { ds } = await openFresh({
      compaction: { enabled: true, keepRevisions: 10, everyWrites: 25, intervalSeconds: 3600, batchSize: 7 },
    });
    for (let i = 0; i < 100; i++) await ds.create(`/c/${i}`, i);
    // Bounded by the test timeout: wait for the compactor's run to land.
    let status = await ds.compactionStatus();
    while (status.compactRevision < 90) {
      await new Promise((r) => setTimeout(r, 20));
      status = await ds.compactionStatus();
    }
    expect(status.currentRevision).toBe(100);
    await expect(ds.get("/c/1", { revision: 5 })).rejects.toMatchObject({ code: "Compacted" });
    // Current state is untouched, and reads at kept revisions still work.
    expect((await ds.list("/c/")).items.length).toBe(100);
    expect((await ds.list("/c/", { revision: 95 })).items.length).toBe(95);
  });

  it("compacts automatically by age", async () => {
    const { ds } = await openFresh({
      compaction: { enabled: true, keepRevisions: 1_000_000, maxAgeSeconds: 0.5, intervalSeconds: 0.2 },
    });
    for (let i = 0; i < 5; i++) await ds.create(`/age/${i}`, i);
    let status = await ds.compactionStatus();
    while (status.compactRevision < 5) {
      await new Promise((r) => setTimeout(r, 50));
      status = await ds.compactionStatus();
    }
    expect(status.compactRevision).toBe(5);
    const ac = new AbortController();
    const iter = ds.watch("/age/", { fromRevision: 2, signal: ac.signal })[Symbol.asyncIterator]();
    await expect(iter.next()).rejects.toMatchObject({ code: "Compacted" });
  });

  it("is safe with several servers compacting one database", async () => {
    const warnings: string[] = [];
    const log = createLogger({ format: "json", level: "warn", write: (l) => warnings.push(l) });
    const options = {
      log,
      compaction: { enabled: true, keepRevisions: 5, everyWrites: 3, intervalSeconds: 3600, batchSize: 2 },
    };
    const { ds, db, url } = await openFresh(options);
    const others = await Promise.all([1, 2].map(() => openPostgresDatastore({ url, ...options })));
    open.push(...others);
    const all = [ds, ...others];
    await Promise.all(all.map(async (s, n) => {
      for (let i = 0; i < 60; i++) await s.create(`/multi/${n}/${i}`, i);
    }));
    // Explicit compactions from every server at once, racing the automatic ones.
    await Promise.all(all.map((s) => s.compact(150)));
    const status = await ds.compactionStatus();
    expect(status.currentRevision).toBe(180);
    expect(status.compactRevision).toBeGreaterThanOrEqual(150);
    // compact(150) may overtake a server's change feed (keepRevisions is 5 here): that feed then
    // ends its watches with Compacted, as designed, and says so. Any other warning is a failure.
    expect(warnings.filter((w) => !w.includes("change feed fell behind compaction"))).toEqual([]);
    // The log holds exactly the revisions above the compacted one, and reads there still work.
    const direct = postgres(`${SERVER}/${db}`, { max: 1 });
    try {
      const [row] = await direct`SELECT count(*)::int AS n, min(revision)::int AS lo FROM k3ts_log`;
      expect(row).toEqual({ n: 180 - status.compactRevision, lo: status.compactRevision + 1 });
    } finally {
      await direct.end();
    }
    const at = status.compactRevision;
    expect((await ds.list("/multi/", { revision: at })).items.length).toBe(at);
    expect((await ds.count("/multi/")).count).toBe(180);
  });
});

describe("postgres datastore: plugin", () => {
  it("validates its config and provides a datastore", async () => {
    const schema = plugin.config!;
    expect(v.safeParse(schema, { url: "mysql://x" }).success).toBe(false);
    expect(v.safeParse(schema, { url: "postgres://x", connectRetry: false }).success).toBe(true);
    const db = freshName();
    const ac = new AbortController();
    const instance = await plugin.setup(
      {
        name: "postgres",
        dataDir: "/tmp",
        rootDataDir: "/tmp",
        log: silentLogger,
        signal: ac.signal,
        fail: () => {},
        provided: new Map(),
      },
      v.parse(schema, { url: `${SERVER}/${db}?sslmode=disable`, compaction: { enabled: false } }),
    );
    const ds = instance.provides!.datastore;
    expect(ds.name).toBe("postgres");
    await ds.create("/p", "x");
    await instance.stop!();
    await expect(ds.get("/p")).rejects.toMatchObject({ code: "Closed" });
  });
});
