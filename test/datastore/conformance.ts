/**
 * The Datastore conformance suite: what every driver — SQLite, Postgres, a third party's plugin —
 * must do, in the spirit of Kubernetes' own storage tests (k8s.io/apiserver
 * pkg/storage/testing/store_tests.go and watcher_tests.go, which kine runs against itself).
 *
 * Use it from a vitest file:
 *
 *   runDatastoreConformance("my-store", async () => ({ store: await openMine(), reopen, cleanup }));
 *
 * `open` must return a fresh, empty store (revision 0) for every test. `reopen` (required unless
 * the options say `durable: false`) closes nothing itself: the suite closes the store and then
 * calls it to open the same data again. A store that keeps nothing across a restart (in memory)
 * passes `durable: false`, and the lifecycle cases are not part of its suite at all.
 * `cleanup` runs after the test, after the store is closed.
 *
 * It imports only the public face (mod.ts) and vitest, so that plugin authors can run it too.
 * No assertion depends on timing: waits for watch events are bounded, and a wait that runs out
 * fails the test with what it was waiting for.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CompactedError,
  ConflictError,
  type Datastore,
  type Entry,
  FutureRevisionError,
  isDatastoreError,
  KeyExistsError,
  KeyNotFoundError,
  type WatchEvent,
} from "../../mod.ts";

export interface ConformanceSubject {
  store: Datastore;
  /** Opens the same data again after the suite closed `store`. */
  reopen?: () => Promise<Datastore>;
  cleanup?: () => Promise<void>;
}

export interface ConformanceOptions {
  /** How long to wait for one watch event before failing (default 10 s). */
  eventTimeoutMs?: number;
  /** false: the store keeps nothing across close (in memory), so the reopen cases do not apply. Default true. */
  durable?: boolean;
}

export function runDatastoreConformance(
  name: string,
  open: () => Promise<ConformanceSubject>,
  options: ConformanceOptions = {},
): void {
  const eventTimeoutMs = options.eventTimeoutMs ?? 10_000;

  describe(`Datastore conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    /** The store under test; a reopen replaces it. */
    let store: Datastore;
    const readers: EventReader[] = [];

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });

    afterEach(async () => {
      for (const reader of readers.splice(0)) await reader.stop();
      await store.close().catch(() => {});
      await subject.cleanup?.();
    });

    /** Starts reading a watch; the reader is stopped after the test. */
    function watch(prefix: string, opts: { fromRevision?: number; signal?: AbortSignal } = {}): EventReader {
      const reader = new EventReader(store.watch(prefix, opts), eventTimeoutMs);
      readers.push(reader);
      return reader;
    }

    describe("create, get, update, delete", () => {
      it("starts empty at revision 0", async () => {
        expect(await store.currentRevision()).toBe(0);
        expect(await store.get("/registry/pods/default/a")).toBeUndefined();
        expect(await store.list("/")).toEqual({ items: [], revision: 0, more: false });
        expect(await store.count("/")).toEqual({ count: 0, revision: 0 });
      });

      it("creates a key at the next revision and gets it back", async () => {
        const created = await store.create("/a/1", { n: 1 });
        expect(created).toEqual({ key: "/a/1", value: { n: 1 }, createRevision: 1, modRevision: 1 });
        expect(await store.get("/a/1")).toEqual(created);
        expect(await store.currentRevision()).toBe(1);
      });

      it("refuses to create an existing key with KeyExistsError, taking no revision", async () => {
        await store.create("/a/1", "first");
        const err = await rejection(store.create("/a/1", "second"), "KeyExists");
        expect(err).toBeInstanceOf(KeyExistsError);
        expect((err as KeyExistsError).key).toBe("/a/1");
        expect((await store.get("/a/1"))?.value).toBe("first");
        expect(await store.currentRevision()).toBe(1);
        expect((await store.create("/a/2", "x")).modRevision).toBe(2);
      });

      it("updates a key at its current revision, keeping createRevision", async () => {
        const created = await store.create("/a/1", { v: 1 });
        await store.create("/a/2", { other: true });
        const updated = await store.update("/a/1", { v: 2 }, created.modRevision);
        expect(updated).toEqual({ key: "/a/1", value: { v: 2 }, createRevision: 1, modRevision: 3 });
        expect(await store.get("/a/1")).toEqual(updated);
      });

      it("refuses an update from a stale revision with ConflictError carrying the current entry", async () => {
        const created = await store.create("/a/1", { v: 1 });
        const winner = await store.update("/a/1", { v: 2 }, created.modRevision);
        const err = await rejection(store.update("/a/1", { v: 3 }, created.modRevision), "Conflict");
        expect(err).toBeInstanceOf(ConflictError);
        const conflict = err as ConflictError;
        expect(conflict.key).toBe("/a/1");
        expect(conflict.expectedRevision).toBe(created.modRevision);
        expect(normalize(conflict.current)).toEqual(normalize(winner));
        // No lost update: the winner's value stays, and the loser took no revision.
        expect(await store.get("/a/1")).toEqual(winner);
        expect(await store.currentRevision()).toBe(2);
        // Retrying from the current entry works, as GuaranteedUpdate does.
        const retried = await store.update("/a/1", { v: 3 }, conflict.current.modRevision);
        expect(retried.modRevision).toBe(3);
      });

      it("refuses to update a missing or deleted key with KeyNotFoundError", async () => {
        const err = await rejection(store.update("/a/missing", 1, 1), "KeyNotFound");
        expect(err).toBeInstanceOf(KeyNotFoundError);
        expect((err as KeyNotFoundError).key).toBe("/a/missing");
        const created = await store.create("/a/1", 1);
        await store.delete("/a/1");
        await rejection(store.update("/a/1", 2, created.modRevision), "KeyNotFound");
        expect(await store.currentRevision()).toBe(2);
      });

      it("deletes a key, returning the last value at the delete's revision", async () => {
        const created = await store.create("/a/1", { v: 1 });
        const deleted = await store.delete("/a/1", created.modRevision);
        expect(deleted).toEqual({ key: "/a/1", value: { v: 1 }, createRevision: 1, modRevision: 2 });
        expect(await store.get("/a/1")).toBeUndefined();
        expect(await store.currentRevision()).toBe(2);
      });

      it("deletes without an expected revision", async () => {
        await store.create("/a/1", 1);
        await store.update("/a/1", 2, 1);
        const deleted = await store.delete("/a/1");
        expect(deleted).toEqual({ key: "/a/1", value: 2, createRevision: 1, modRevision: 3 });
      });

      it("refuses a delete from a stale revision with ConflictError and a missing key with KeyNotFoundError", async () => {
        const created = await store.create("/a/1", 1);
        const updated = await store.update("/a/1", 2, created.modRevision);
        const err = await rejection(store.delete("/a/1", created.modRevision), "Conflict");
        expect(err).toBeInstanceOf(ConflictError);
        expect((err as ConflictError).current).toEqual(updated);
        expect(await store.get("/a/1")).toEqual(updated);
        await rejection(store.delete("/a/missing"), "KeyNotFound");
        await rejection(store.delete("/a/missing", 1), "KeyNotFound");
        expect(await store.currentRevision()).toBe(2);
      });

      it("gives a re-created key a new createRevision", async () => {
        await store.create("/a/1", "one");
        await store.delete("/a/1");
        const again = await store.create("/a/1", "two");
        expect(again).toEqual({ key: "/a/1", value: "two", createRevision: 3, modRevision: 3 });
      });

      it("gives every write the next revision, with no gaps, and failed writes none", async () => {
        let expected = 0;
        const check = async (entry: Promise<Entry>) => {
          expected++;
          expect((await entry).modRevision).toBe(expected);
          expect(await store.currentRevision()).toBe(expected);
        };
        await check(store.create("/r/a", 1));
        await check(store.create("/r/b", 1));
        await rejection(store.create("/r/a", 2), "KeyExists");
        await check(store.update("/r/a", 2, 1));
        await rejection(store.update("/r/a", 3, 1), "Conflict");
        await check(store.delete("/r/b", 2));
        await rejection(store.delete("/r/b"), "KeyNotFound");
        await check(store.create("/r/b", 3));
        await check(store.update("/r/b", 4, expected));
        expect(await store.currentRevision()).toBe(6);
      });

      it("counts keys by prefix, and after a key", async () => {
        for (const key of ["/c/a", "/c/b", "/c/c", "/c/d", "/cd", "/d/a"]) await store.create(key, key);
        expect(await store.count("/c/")).toEqual({ count: 4, revision: 6 });
        expect(await store.count("/c")).toEqual({ count: 5, revision: 6 });
        expect(await store.count("")).toEqual({ count: 6, revision: 6 });
        expect((await store.count("/c/", { after: "/c/b" })).count).toBe(2);
        expect((await store.count("/x/")).count).toBe(0);
        await store.delete("/c/a");
        expect(await store.count("/c/")).toEqual({ count: 3, revision: 7 });
      });
    });

    describe("reads at a revision", () => {
      it("gets every past version of a key", async () => {
        await store.create("/k", "v1"); // 1
        await store.update("/k", "v2", 1); // 2
        await store.create("/other", 0); // 3
        await store.update("/k", "v3", 2); // 4
        await store.delete("/k"); // 5
        await store.create("/k", "again"); // 6
        const at = async (revision: number) => (await store.get("/k", { revision }))?.value;
        expect(await at(1)).toBe("v1");
        expect(await at(2)).toBe("v2");
        expect(await at(3)).toBe("v2");
        expect(await store.get("/k", { revision: 3 })).toEqual({ key: "/k", value: "v2", createRevision: 1, modRevision: 2 });
        expect(await at(4)).toBe("v3");
        expect(await at(5)).toBeUndefined();
        expect(await store.get("/k", { revision: 6 })).toEqual({ key: "/k", value: "again", createRevision: 6, modRevision: 6 });
        expect(await store.get("/other", { revision: 2 })).toBeUndefined();
      });

      it("refuses reads above the current revision with FutureRevisionError", async () => {
        await store.create("/k", 1);
        const err = await rejection(store.get("/k", { revision: 2 }), "FutureRevision");
        expect(err).toBeInstanceOf(FutureRevisionError);
        expect((err as FutureRevisionError).currentRevision).toBe(1);
        await rejection(store.list("/", { revision: 5 }), "FutureRevision");
      });

      it("lists and gets the state as of every past revision (random history)", async () => {
        const history = await randomHistory(store, 0x5eed, 160);
        const keys = [...new Set(history.events.map((e) => e.key))];
        const current = await store.currentRevision();
        expect(current).toBe(history.events.length);
        for (let revision = 1; revision <= current; revision++) {
          const state = history.states[revision]!;
          const expected = [...state.values()].sort((a, b) => compareKeys(a.key, b.key));
          const listed = await store.list("/h/", { revision });
          expect(listed.revision).toBe(revision);
          expect(normalize(listed.items)).toEqual(normalize(expected));
          const narrow = await store.list("/h/1", { revision });
          expect(normalize(narrow.items)).toEqual(normalize(expected.filter((e) => e.key.startsWith("/h/1"))));
          for (const key of keys) {
            expect(normalize(await store.get(key, { revision }))).toEqual(normalize(state.get(key)));
          }
        }
      });
    });

    describe("list", () => {
      const edgeKeys = ["/a", "/a/", "/a//b", "/a/b", "/a/é", "/a/\uFFFD", "/a/😀", "/a/b/c", "/ab", "/b", "/a0"];

      it("lists by prefix in UTF-8 byte order; /a/ matches neither /a nor /ab", async () => {
        for (const key of edgeKeys) await store.create(key, key);
        const keys = async (prefix: string) => (await store.list(prefix)).items.map((e) => e.key);
        expect(await keys("/a/")).toEqual(["/a/", "/a//b", "/a/b", "/a/b/c", "/a/é", "/a/\uFFFD", "/a/😀"]);
        expect(await keys("/a")).toEqual([
          "/a", "/a/", "/a//b", "/a/b", "/a/b/c", "/a/é", "/a/\uFFFD", "/a/😀", "/a0", "/ab",
        ]);
        expect(await keys("/a//")).toEqual(["/a//b"]);
        expect(await keys("/a/b")).toEqual(["/a/b", "/a/b/c"]);
        expect(await keys("")).toEqual([...edgeKeys].sort(compareKeys));
        expect(await keys("/c")).toEqual([]);
        const all = await store.list("/a/");
        expect(all.revision).toBe(edgeKeys.length);
        expect(all.more).toBe(false);
        expect(all.items.every((e) => e.value === e.key)).toBe(true);
      });

      it("pages with limit and after, yielding every key once, in order", async () => {
        const keys = Array.from({ length: 23 }, (_, i) => `/p/${String(i).padStart(3, "0")}`);
        for (const key of [...keys].reverse()) await store.create(key, { key });
        await store.create("/q/outside", 0);
        for (const limit of [1, 5, 22, 23, 24, 100]) {
          const seen = await pageThrough(store, "/p/", { limit });
          expect(seen.keys).toEqual(keys);
          expect(seen.pages).toBe(Math.max(1, Math.ceil(keys.length / limit)));
        }
        const whole = await store.list("/p/", { limit: 0 });
        expect(whole.items.map((e) => e.key)).toEqual(keys);
        expect(whole.more).toBe(false);
        const firstPage = await store.list("/p/", { limit: 23 });
        expect(firstPage.more).toBe(false);
        const cut = await store.list("/p/", { limit: 22 });
        expect(cut.more).toBe(true);
        // `after` before the prefix starts at the prefix; after its end, nothing.
        expect((await store.list("/p/", { after: "/a", limit: 2 })).items.map((e) => e.key)).toEqual(keys.slice(0, 2));
        expect((await store.list("/p/", { after: "/p/zzz" })).items).toEqual([]);
        expect((await store.list("/p/", { after: keys[10] })).items.map((e) => e.key)).toEqual(keys.slice(11));
      });

      it("pages at a fixed revision stay consistent while writes happen between pages", async () => {
        const keys = Array.from({ length: 30 }, (_, i) => `/p/${String(i).padStart(2, "0")}`);
        for (const key of keys) await store.create(key, { key, gen: 0 });
        const snapshot = await store.list("/p/");
        let step = 0;
        const pages = await pageThrough(store, "/p/", { limit: 4, revision: snapshot.revision }, async (lastKey) => {
          // Churn that a list at the fixed revision must not see: updates of keys already listed
          // and not yet listed, deletes ahead, new keys ahead and behind.
          step++;
          const ahead = keys[keys.indexOf(lastKey) + 2];
          const behind = keys[keys.indexOf(lastKey) - 1];
          if (ahead) {
            const cur = await store.get(ahead);
            if (cur) {
              if (step % 2 === 0) await store.delete(ahead);
              else await store.update(ahead, { key: ahead, gen: step }, cur.modRevision);
            }
          }
          if (behind) {
            const cur = await store.get(behind);
            if (cur) await store.update(behind, { key: behind, gen: step }, cur.modRevision);
          }
          await store.create(`/p/${lastKey.slice(3)}-new-${step}`, { step });
          await store.create(`/p/00-${step}`, { step });
        });
        expect(normalize(pages.entries)).toEqual(normalize(snapshot.items));
        expect(pages.revisions.every((r) => r === snapshot.revision)).toBe(true);
        expect(await store.currentRevision()).toBeGreaterThan(snapshot.revision + 10);
      });

      it("pages at a past revision that gets compacted between pages fail with CompactedError", async () => {
        for (let i = 0; i < 10; i++) await store.create(`/p/${i}`, i);
        const at = await store.currentRevision();
        const first = await store.list("/p/", { limit: 3, revision: at });
        await store.update("/p/0", "x", 1);
        await store.update("/p/1", "x", 2);
        await store.compact(at + 1);
        const err = await rejection(
          store.list("/p/", { limit: 3, revision: at, after: first.items.at(-1)!.key }),
          "Compacted",
        );
        expect(err).toBeInstanceOf(CompactedError);
      });
    });

    describe("watch", () => {
      it("replays from a past revision, then follows live changes, in order, once each", async () => {
        const history = await randomHistory(store, 0xbeef, 60);
        const from = 17;
        const reader = watch("/h/", { fromRevision: from });
        const replayed = await reader.take(history.events.length - from);
        expect(normalize(replayed)).toEqual(normalize(history.events.slice(from)));
        // Live: more writes after the replay, including an update and a delete of the same key.
        const live = await applyOps(store, history, [
          { op: "create", key: "/h/live", value: { live: 1 } },
          { op: "update", key: "/h/live", value: { live: 2 } },
          { op: "delete", key: "/h/live" },
          { op: "create", key: "/elsewhere", value: 0 },
          { op: "create", key: "/h/sentinel", value: "end" },
        ]);
        const followed = await reader.take(4);
        expect(normalize(followed)).toEqual(normalize(live.filter((e) => e.key.startsWith("/h/"))));
        expect(followed[1]).toMatchObject({ type: "update", prevValue: { live: 1 }, prevRevision: followed[0]!.revision });
        expect(followed[2]).toMatchObject({ type: "delete", prevValue: { live: 2 }, prevRevision: followed[1]!.revision });
        expect(followed[2]!.value).toBeUndefined();
        expect(followed[0]!.prevValue).toBeUndefined();
        expect(followed[0]!.prevRevision).toBeUndefined();
      });

      it("without fromRevision delivers only changes after the call", async () => {
        await store.create("/w/before", 1);
        await store.update("/w/before", 2, 1);
        const reader = watch("/w/");
        const pending = reader.next();
        const a = await store.create("/w/after", "a");
        const b = await store.update("/w/before", 3, 2);
        expect(normalize(await pending)).toEqual({
          type: "create", key: "/w/after", revision: a.modRevision, createRevision: a.modRevision, value: "a",
        });
        expect(normalize(await reader.next())).toEqual({
          type: "update", key: "/w/before", revision: b.modRevision, createRevision: 1, value: 3, prevValue: 2, prevRevision: 2,
        });
      });

      it("from the current revision delivers the next write first", async () => {
        await store.create("/w/a", 1);
        const reader = watch("/w/", { fromRevision: await store.currentRevision() });
        await store.create("/w/b", 2);
        expect(await reader.next()).toMatchObject({ key: "/w/b", revision: 2 });
      });

      it("filters by prefix: /a/ sees /a/x and /a//b, not /a, /ab or /b/x", async () => {
        const reader = watch("/a/", { fromRevision: 0 });
        for (const key of ["/a", "/ab", "/a/x", "/b/x", "/a//b", "/a/", "/a0", "/a/😀", "/a/end"]) {
          await store.create(key, key);
        }
        const keys = (await reader.take(5)).map((e) => e.key);
        expect(keys).toEqual(["/a/x", "/a//b", "/a/", "/a/😀", "/a/end"]);
        const all = watch("", { fromRevision: 0 });
        expect((await all.take(9)).map((e) => e.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });

      it("ends cleanly when its signal aborts", async () => {
        const controller = new AbortController();
        const reader = watch("/w/", { signal: controller.signal });
        await store.create("/w/1", 1);
        expect((await reader.next()).key).toBe("/w/1");
        const pending = reader.nextOrEnd();
        controller.abort();
        expect(await pending).toBeUndefined();
        // A watch whose signal was aborted before it started ends at once.
        const early = watch("/w/", { signal: AbortSignal.abort() });
        expect(await early.nextOrEnd()).toBeUndefined();
        // The store goes on.
        await store.create("/w/2", 2);
        expect(await store.currentRevision()).toBe(2);
      });

      it("ends cleanly when the store closes", async () => {
        const reader = watch("/w/", { fromRevision: 0 });
        await store.create("/w/1", 1);
        expect((await reader.next()).key).toBe("/w/1");
        const pending = reader.nextOrEnd();
        await store.close();
        expect(await pending).toBeUndefined();
      });

      it("delivers every event to each of several watchers", async () => {
        const readers = [watch("/w/"), watch("/w/"), watch("/w/a"), watch("/")];
        const events = [];
        for (let i = 0; i < 20; i++) events.push(await store.create(`/w/${i % 2 ? "a" : "b"}${i}`, i));
        expect((await readers[0]!.take(20)).map((e) => e.revision)).toEqual(events.map((e) => e.modRevision));
        expect((await readers[1]!.take(20)).map((e) => e.key)).toEqual(events.map((e) => e.key));
        expect((await readers[2]!.take(10)).map((e) => e.key)).toEqual(events.filter((e) => e.key.startsWith("/w/a")).map((e) => e.key));
        expect((await readers[3]!.take(20)).length).toBe(20);
      });

      it("follows concurrent writers in revision order with no gap", async () => {
        const reader = watch("", { fromRevision: 0 });
        const writers = Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; i < 40; i++) {
            const key = `/cw/${w}/${i % 5}`;
            const cur = await store.get(key);
            if (!cur) await store.create(key, i);
            else if (i % 7 === 0) await store.delete(key, cur.modRevision);
            else await store.update(key, i, cur.modRevision);
          }
        });
        await Promise.all(writers);
        const total = await store.currentRevision();
        const events = await reader.take(total);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        // Each key's events chain: prevRevision is the key's previous event's revision.
        const lastByKey = new Map<string, WatchEvent>();
        for (const e of events) {
          const prev = lastByKey.get(e.key);
          if (e.type === "create") expect(prev === undefined || prev.type === "delete").toBe(true);
          else expect(e.prevRevision).toBe(prev!.revision);
          lastByKey.set(e.key, e);
        }
      });

      it("delivers every event to a watcher that stops reading for a while", async () => {
        const reader = watch("/slow/");
        await store.create("/slow/first", 0);
        expect((await reader.next()).key).toBe("/slow/first");
        // Thousands of writes while the watcher reads nothing (more than a driver's queue, if small).
        const n = 3000;
        for (let i = 0; i < n; i++) await store.create(`/slow/${i}`, i);
        const events = await reader.take(n);
        expect(events.map((e) => e.value)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(events.at(-1)!.revision).toBe(n + 1);
      });

      it("throws CompactedError on the first step when watching from a compacted revision", async () => {
        for (let i = 0; i < 6; i++) await store.create(`/w/${i}`, i);
        await store.compact(4);
        const reader = watch("/w/", { fromRevision: 2 });
        const err = await reader.error();
        expect(err).toBeInstanceOf(CompactedError);
        expect(isDatastoreError(err, "Compacted")).toBe(true);
        expect((err as CompactedError).compactRevision).toBe(4);
        // From the compacted revision itself, the log still has everything after it.
        const ok = watch("/w/", { fromRevision: 4 });
        expect((await ok.take(2)).map((e) => e.revision)).toEqual([5, 6]);
      });
    });

    describe("compaction", () => {
      it("compacts the log and reports it; reads below it fail, at and above it work", async () => {
        await store.create("/k", 1); // 1
        await store.update("/k", 2, 1); // 2
        await store.update("/k", 3, 2); // 3
        await store.create("/j", 1); // 4
        await store.update("/k", 4, 3); // 5
        expect(await store.compactionStatus()).toEqual({ compactRevision: 0, currentRevision: 5 });
        expect(await store.compact(3)).toEqual({ compactRevision: 3, currentRevision: 5 });
        expect(await store.compactionStatus()).toEqual({ compactRevision: 3, currentRevision: 5 });
        const err = await rejection(store.get("/k", { revision: 2 }), "Compacted");
        expect(err).toBeInstanceOf(CompactedError);
        expect((err as CompactedError).revision).toBe(2);
        expect((err as CompactedError).compactRevision).toBe(3);
        await rejection(store.list("/", { revision: 1 }), "Compacted");
        expect((await store.get("/k", { revision: 3 }))?.value).toBe(3);
        expect((await store.get("/k", { revision: 4 }))?.value).toBe(3);
        expect((await store.list("/", { revision: 3 })).items.map((e) => [e.key, e.value])).toEqual([["/k", 3]]);
        expect((await store.list("/", { revision: 4 })).items.map((e) => [e.key, e.value])).toEqual([["/j", 1], ["/k", 3]]);
        // Current state is untouched.
        expect((await store.get("/k"))?.value).toBe(4);
        expect((await store.list("/")).items.length).toBe(2);
      });

      it("never compacts beyond the current revision, nor backwards", async () => {
        await store.create("/k", 1);
        await store.create("/j", 1);
        const status = await store.compact(100);
        expect(status.currentRevision).toBe(2);
        expect(status.compactRevision).toBeLessThanOrEqual(2);
        expect(status.compactRevision).toBeGreaterThanOrEqual(1);
        expect((await store.compact(0)).compactRevision).toBe(status.compactRevision);
        // The store goes on with the next revision, and reads at the current one work.
        expect((await store.update("/k", 2, 1)).modRevision).toBe(3);
        expect((await store.get("/k", { revision: 3 }))?.value).toBe(2);
        expect((await store.list("/", { revision: 2 })).items.length).toBe(2);
      });
    });

    describe("concurrency", () => {
      it("lets exactly one of 32 concurrent updates from one revision win", async () => {
        const base = await store.create("/race", { writer: -1 });
        const results = await Promise.allSettled(
          Array.from({ length: 32 }, (_, i) => store.update("/race", { writer: i }, base.modRevision)),
        );
        const won = results.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<Entry>).value);
        const lost = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
        expect(won.length).toBe(1);
        expect(lost.length).toBe(31);
        for (const err of lost) {
          expect(isDatastoreError(err, "Conflict")).toBe(true);
          expect((err as ConflictError).current.modRevision).toBe(won[0]!.modRevision);
          expect((err as ConflictError).current.value).toEqual(won[0]!.value);
        }
        expect(await store.currentRevision()).toBe(2);
        expect(await store.get("/race")).toEqual(won[0]);
      });

      it("lets exactly one of 32 concurrent creates of one key win", async () => {
        const results = await Promise.allSettled(Array.from({ length: 32 }, (_, i) => store.create("/race", i)));
        expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
        for (const r of results) {
          if (r.status === "rejected") expect(isDatastoreError(r.reason, "KeyExists")).toBe(true);
        }
        expect(await store.currentRevision()).toBe(1);
      });

      it("lets exactly one of 16 concurrent deletes of one key win", async () => {
        const base = await store.create("/race", 0);
        const results = await Promise.allSettled(
          Array.from({ length: 16 }, (_, i) => store.delete("/race", i % 2 ? base.modRevision : undefined)),
        );
        expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
        for (const r of results) {
          if (r.status === "rejected") {
            expect(isDatastoreError(r.reason, "KeyNotFound") || isDatastoreError(r.reason, "Conflict")).toBe(true);
          }
        }
        expect(await store.currentRevision()).toBe(2);
      });
    });

    describe("values and keys", () => {
      const values: Record<string, unknown> = {
        object: { apiVersion: "v1", kind: "Pod", metadata: { name: "a", labels: { app: "x" } }, spec: { containers: [{ name: "c", image: "busybox" }] } },
        nested: { a: { b: { c: { d: [1, [2, [3, { e: null }]]] } } }, empty: {}, list: [] },
        unicode: "héllo wörld — 日本語 — 😀👍🏽 — \u0301\u200d — \uFFFD",
        numbers: [0, -1, 1.5, -0.25, 0.1, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1), 1e-300, 1e300],
        scalars: [true, false, null, "", "0"],
        bytes: new Uint8Array([0, 1, 2, 253, 254, 255]),
        emptyBytes: new Uint8Array(0),
        mixed: { data: new Uint8Array([104, 105]), text: "hi", n: 42 },
        string: "just a string",
        number: 7,
        boolean: false,
        nullValue: null,
      };

      it("round-trips plain data through get, list, past reads and watch (live and replay)", async () => {
        const live = watch("/v/", { fromRevision: 0 });
        for (const [name, value] of Object.entries(values)) await store.create(`/v/${name}`, value);
        const marker = await store.currentRevision();
        for (const [name, value] of Object.entries(values)) {
          const e = await store.get(`/v/${name}`);
          expect(normalize(e?.value), name).toEqual(normalize(value));
          const c = await store.update(`/v/${name}`, { replaced: name }, e!.modRevision);
          expect(c.modRevision).toBeGreaterThan(marker);
        }
        const listed = await store.list("/v/", { revision: marker });
        for (const e of listed.items) expect(normalize(e.value), e.key).toEqual(normalize(values[e.key.slice(3)]));
        for (const [name, value] of Object.entries(values)) {
          expect(normalize((await store.get(`/v/${name}`, { revision: marker }))?.value), name).toEqual(normalize(value));
        }
        const n = Object.keys(values).length;
        const check = (events: WatchEvent[]) => {
          for (const e of events.slice(0, n)) expect(normalize(e.value), e.key).toEqual(normalize(values[e.key.slice(3)]));
          for (const e of events.slice(n)) {
            expect(normalize(e.prevValue), e.key).toEqual(normalize(values[e.key.slice(3)]));
            expect(e.value).toEqual({ replaced: e.key.slice(3) });
          }
        };
        check(await live.take(2 * n));
        check(await watch("/v/", { fromRevision: 0 }).take(2 * n));
      });

      it("round-trips 1 MiB values", async () => {
        const bytes = new Uint8Array(1024 * 1024);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
        const text = "x😀".repeat(1024 * 1024 / 6);
        const reader = watch("/big/", { fromRevision: 0 });
        const a = await store.create("/big/bytes", bytes);
        await store.create("/big/text", { text });
        const got = await store.get("/big/bytes");
        expect(got?.value).toBeInstanceOf(Uint8Array);
        expect(equalBytes(got!.value as Uint8Array, bytes)).toBe(true);
        expect(((await store.get("/big/text"))?.value as { text: string }).text === text).toBe(true);
        await store.update("/big/bytes", { small: true }, a.modRevision);
        expect(equalBytes((await store.get("/big/bytes", { revision: a.modRevision }))!.value as Uint8Array, bytes)).toBe(true);
        const events = await reader.take(3);
        expect(equalBytes(events[0]!.value as Uint8Array, bytes)).toBe(true);
        expect(equalBytes(events[2]!.prevValue as Uint8Array, bytes)).toBe(true);
        const replay = await watch("/big/", { fromRevision: 0 }).take(3);
        expect(equalBytes(replay[0]!.value as Uint8Array, bytes)).toBe(true);
        expect(equalBytes(replay[2]!.prevValue as Uint8Array, bytes)).toBe(true);
      });

      it("keeps unicode and edge-case keys apart and intact", async () => {
        const keys = ["/a", "/a/", "/a//b", "/a//", "//", "/", "/ä", "/a\u0308", "/日本/語", "/😀/😀", "/sp ace", "/tab\t", "/nl\n", "/q?x=1&y=%2F", "/\\"];
        for (const key of keys) await store.create(key, key);
        for (const key of keys) expect((await store.get(key))?.value, JSON.stringify(key)).toBe(key);
        expect((await store.list("")).items.map((e) => e.key)).toEqual([...keys].sort(compareKeys));
        expect((await store.list("/a/")).items.map((e) => e.key)).toEqual(["/a/", "/a//", "/a//b"]);
        expect((await store.list("/a//")).items.map((e) => e.key)).toEqual(["/a//", "/a//b"]);
        expect((await store.list("/日本/")).items.map((e) => e.key)).toEqual(["/日本/語"]);
        expect(await store.get("/ä/")).toBeUndefined();
        expect(await store.get("/a//b/")).toBeUndefined();
      });
    });

    describe("lifecycle", () => {
      // The reopen cases are registered for durable stores only (not skipped: they do not apply).
      const itDurable = options.durable === false ? () => {} : it;
      itDurable("keeps everything across close and reopen, revision counter included", async () => {
        if (!subject.reopen) throw new Error(`${name}: a durable store's subject needs reopen() (or pass durable: false)`);
        const history = await randomHistory(store, 0xfeed, 80);
        await store.compact(20);
        const before = await store.list("/h/");
        const current = await store.currentRevision();
        await store.close();
        store = await subject.reopen();
        expect(await store.currentRevision()).toBe(current);
        expect(await store.compactionStatus()).toEqual({ compactRevision: 20, currentRevision: current });
        expect(normalize((await store.list("/h/")).items)).toEqual(normalize(before.items));
        for (const revision of [20, 40, current]) {
          const expected = [...history.states[revision]!.values()].sort((a, b) => compareKeys(a.key, b.key));
          expect(normalize((await store.list("/h/", { revision })).items)).toEqual(normalize(expected));
        }
        await rejection(store.get("/h/1", { revision: 19 }), "Compacted");
        expect(normalize(await watch("/h/", { fromRevision: 40 }).take(current - 40))).toEqual(normalize(history.events.slice(40)));
        // The next write takes the next revision, not one already used.
        expect((await store.create("/after-reopen", 1)).modRevision).toBe(current + 1);
      });

      itDurable("keeps a compaction of the whole log across reopen", async () => {
        if (!subject.reopen) throw new Error(`${name}: a durable store's subject needs reopen() (or pass durable: false)`);
        await store.create("/k", 1);
        await store.update("/k", 2, 1);
        const status = await store.compact(2);
        await store.close();
        store = await subject.reopen();
        expect(await store.compactionStatus()).toEqual(status);
        expect((await store.create("/j", 1)).modRevision).toBe(3);
      });

      it("refuses every call after close with DatastoreClosedError", async () => {
        await store.create("/k", 1);
        await store.close();
        await rejection(store.get("/k"), "Closed");
        await rejection(store.create("/j", 1), "Closed");
        await rejection(store.list("/"), "Closed");
        await rejection(store.currentRevision(), "Closed");
        await store.close(); // closing twice is harmless
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers. Only what the suite needs: reading watches with bounded waits, a model of history.

/** Reads one watch with bounded waits for each event. */
class EventReader {
  readonly #iterator: AsyncIterator<WatchEvent>;
  readonly #timeoutMs: number;

  constructor(iterable: AsyncIterable<WatchEvent>, timeoutMs: number) {
    this.#iterator = iterable[Symbol.asyncIterator]();
    this.#timeoutMs = timeoutMs;
  }

  /** The next event; fails if the watch ends or nothing comes within the bound. */
  async next(): Promise<WatchEvent> {
    const event = await this.nextOrEnd();
    if (!event) throw new Error("the watch ended while an event was expected");
    return event;
  }

  /** The next event, or undefined when the watch ends. */
  async nextOrEnd(): Promise<WatchEvent | undefined> {
    const result = await bounded(this.#iterator.next(), this.#timeoutMs, "a watch event");
    return result.done ? undefined : result.value;
  }

  async take(n: number): Promise<WatchEvent[]> {
    const events: WatchEvent[] = [];
    while (events.length < n) {
      const event = await this.nextOrEnd();
      if (!event) throw new Error(`the watch ended after ${events.length} of ${n} expected events`);
      events.push(event);
    }
    return events;
  }

  /** The error the watch fails with; fails if it yields an event or ends instead. */
  async error(): Promise<unknown> {
    try {
      const event = await this.nextOrEnd();
      throw new Error(`expected the watch to fail, got ${event ? JSON.stringify(event) : "its end"}`);
    } catch (err) {
      return err;
    }
  }

  async stop(): Promise<void> {
    await bounded(Promise.resolve(this.#iterator.return?.()), this.#timeoutMs, "the watch to stop").catch(() => {});
  }
}

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what} in vain`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Awaits a rejection and checks its code (the isDatastoreError way, which crosses module copies). */
async function rejection(promise: Promise<unknown>, code: string): Promise<unknown> {
  try {
    const value = await promise;
    throw new Error(`expected a ${code} error, got ${JSON.stringify(value)}`);
  } catch (err) {
    if (!isDatastoreError(err, code)) throw err;
    return err;
  }
}

/** Compares keys in the byte order of their UTF-8 encodings, as the contract orders them. */
function compareKeys(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
const utf8 = new TextEncoder();

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Plain-data form for comparisons: any Uint8Array (a Buffer too) becomes a plain one. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Array.from(value) };
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = normalize(v);
    return out;
  }
  return value;
}

/** Pages through a list, calling `between` after each page but the last. */
async function pageThrough(
  store: Datastore,
  prefix: string,
  options: { limit: number; revision?: number },
  between?: (lastKey: string) => Promise<void>,
): Promise<{ keys: string[]; entries: Entry[]; pages: number; revisions: number[] }> {
  const entries: Entry[] = [];
  const revisions: number[] = [];
  let after: string | undefined;
  let revision = options.revision;
  for (let pages = 1; ; pages++) {
    if (pages > 1000) throw new Error("paging does not end");
    const page = await store.list(prefix, { limit: options.limit, revision, after });
    expect(page.items.length).toBeLessThanOrEqual(options.limit);
    entries.push(...page.items);
    revisions.push(page.revision);
    revision = page.revision; // later pages read at the first page's revision, as Kubernetes does
    if (!page.more) return { keys: entries.map((e) => e.key), entries, pages, revisions };
    expect(page.items.length).toBe(options.limit);
    after = page.items.at(-1)!.key;
    await between?.(after);
  }
}

interface History {
  /** The expected change feed, event i at revision i + 1. */
  events: WatchEvent[];
  /** The expected state after each revision. */
  states: Map<string, Entry>[];
}

type Op = { op: "create" | "update"; key: string; value: unknown } | { op: "delete"; key: string };

/** Applies writes, recording the expected events and states; returns the new events. */
async function applyOps(store: Datastore, history: History, ops: Op[]): Promise<WatchEvent[]> {
  const added: WatchEvent[] = [];
  for (const op of ops) {
    const state = new Map(history.states.at(-1));
    const prev = state.get(op.key);
    let event: WatchEvent;
    if (op.op === "create") {
      const entry = await store.create(op.key, op.value);
      state.set(op.key, entry);
      event = { type: "create", key: op.key, revision: entry.modRevision, createRevision: entry.createRevision, value: op.value };
    } else if (op.op === "update") {
      const entry = await store.update(op.key, op.value, prev!.modRevision);
      state.set(op.key, entry);
      event = {
        type: "update", key: op.key, revision: entry.modRevision, createRevision: prev!.createRevision,
        value: op.value, prevValue: prev!.value, prevRevision: prev!.modRevision,
      };
    } else {
      const entry = await store.delete(op.key, prev!.modRevision);
      state.delete(op.key);
      event = {
        type: "delete", key: op.key, revision: entry.modRevision, createRevision: prev!.createRevision,
        prevValue: prev!.value, prevRevision: prev!.modRevision,
      };
    }
    expect(event.revision).toBe(history.states.length);
    history.states.push(state);
    history.events.push(event);
    added.push(event);
  }
  return added;
}

/** A reproducible mix of creates, updates and deletes over a few keys under /h/. */
async function randomHistory(store: Datastore, seed: number, writes: number): Promise<History> {
  const random = mulberry32(seed);
  const history: History = { events: [], states: [new Map()] };
  const keys = ["/h/1", "/h/1/a", "/h/10", "/h/2", "/h/2/", "/h/3", "/h/é", "/h/😀", "/h/z"];
  for (let i = 0; i < writes; i++) {
    const key = keys[Math.floor(random() * keys.length)]!;
    const exists = history.states.at(-1)!.has(key);
    const value = { i, key, pad: "x".repeat(Math.floor(random() * 40)), n: random() };
    const op: Op = !exists ? { op: "create", key, value } : random() < 0.25 ? { op: "delete", key } : { op: "update", key, value };
    await applyOps(store, history, [op]);
  }
  return history;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
