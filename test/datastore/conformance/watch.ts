/** Datastore conformance: watch (see ../conformance.ts). */
import { describe, expect, it } from "vitest";
import { CompactedError, isDatastoreError, type WatchEvent } from "../../../mod.ts";
import type { ConformanceContext } from "./context.ts";
import { normalize, applyOps, randomHistory } from "./helpers.ts";

export function watchCases(t: ConformanceContext): void {
  describe("watch", () => {
    it("replays from a past revision, then follows live changes, in order, once each", async () => {
      const history = await randomHistory(t.store, 0xbeef, 60);
      const from = 17;
      const reader = t.watch("/h/", { fromRevision: from });
      const replayed = await reader.take(history.events.length - from);
      expect(normalize(replayed)).toEqual(normalize(history.events.slice(from)));
      // Live: more writes after the replay, including an update and a delete of the same key.
      const live = await applyOps(t.store, history, [
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
      await t.store.create("/w/before", 1);
      await t.store.update("/w/before", 2, 1);
      const reader = t.watch("/w/");
      const pending = reader.next();
      const a = await t.store.create("/w/after", "a");
      const b = await t.store.update("/w/before", 3, 2);
      expect(normalize(await pending)).toEqual({
        type: "create", key: "/w/after", revision: a.modRevision, createRevision: a.modRevision, value: "a",
      });
      expect(normalize(await reader.next())).toEqual({
        type: "update", key: "/w/before", revision: b.modRevision, createRevision: 1, value: 3, prevValue: 2, prevRevision: 2,
      });
    });

    it("from the current revision delivers the next write first", async () => {
      await t.store.create("/w/a", 1);
      const reader = t.watch("/w/", { fromRevision: await t.store.currentRevision() });
      await t.store.create("/w/b", 2);
      expect(await reader.next()).toMatchObject({ key: "/w/b", revision: 2 });
    });

    it("filters by prefix: /a/ sees /a/x and /a//b, not /a, /ab or /b/x", async () => {
      const reader = t.watch("/a/", { fromRevision: 0 });
      for (const key of ["/a", "/ab", "/a/x", "/b/x", "/a//b", "/a/", "/a0", "/a/😀", "/a/end"]) {
        await t.store.create(key, key);
      }
      const keys = (await reader.take(5)).map((e) => e.key);
      expect(keys).toEqual(["/a/x", "/a//b", "/a/", "/a/😀", "/a/end"]);
      const all = t.watch("", { fromRevision: 0 });
      expect((await all.take(9)).map((e) => e.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it("ends cleanly when its signal aborts", async () => {
      const controller = new AbortController();
      const reader = t.watch("/w/", { signal: controller.signal });
      await t.store.create("/w/1", 1);
      expect((await reader.next()).key).toBe("/w/1");
      const pending = reader.nextOrEnd();
      controller.abort();
      expect(await pending).toBeUndefined();
      // A watch whose signal was aborted before it started ends at once.
      const early = t.watch("/w/", { signal: AbortSignal.abort() });
      expect(await early.nextOrEnd()).toBeUndefined();
      // The store goes on.
      await t.store.create("/w/2", 2);
      expect(await t.store.currentRevision()).toBe(2);
    });

    it("ends cleanly when the store closes", async () => {
      const reader = t.watch("/w/", { fromRevision: 0 });
      await t.store.create("/w/1", 1);
      expect((await reader.next()).key).toBe("/w/1");
      const pending = reader.nextOrEnd();
      await t.store.close();
      expect(await pending).toBeUndefined();
    });

    it("delivers every event to each of several watchers", async () => {
      const readers = [t.watch("/w/"), t.watch("/w/"), t.watch("/w/a"), t.watch("/")];
      const events = [];
      for (let i = 0; i < 20; i++) events.push(await t.store.create(`/w/${i % 2 ? "a" : "b"}${i}`, i));
      expect((await readers[0]!.take(20)).map((e) => e.revision)).toEqual(events.map((e) => e.modRevision));
      expect((await readers[1]!.take(20)).map((e) => e.key)).toEqual(events.map((e) => e.key));
      expect((await readers[2]!.take(10)).map((e) => e.key)).toEqual(events.filter((e) => e.key.startsWith("/w/a")).map((e) => e.key));
      expect((await readers[3]!.take(20)).length).toBe(20);
    });

    it("follows concurrent writers in revision order with no gap", async () => {
      const reader = t.watch("", { fromRevision: 0 });
      const writers = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 40; i++) {
          const key = `/cw/${w}/${i % 5}`;
          const cur = await t.store.get(key);
          if (!cur) await t.store.create(key, i);
          else if (i % 7 === 0) await t.store.delete(key, cur.modRevision);
          else await t.store.update(key, i, cur.modRevision);
        }
      });
      await Promise.all(writers);
      const total = await t.store.currentRevision();
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
      const reader = t.watch("/slow/");
      await t.store.create("/slow/first", 0);
      expect((await reader.next()).key).toBe("/slow/first");
      // Thousands of writes while the watcher reads nothing (more than a driver's queue, if small).
      const n = 3000;
      for (let i = 0; i < n; i++) await t.store.create(`/slow/${i}`, i);
      const events = await reader.take(n);
      expect(events.map((e) => e.value)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(events.at(-1)!.revision).toBe(n + 1);
    });

    it("throws CompactedError on the first step when watching from a compacted revision", async () => {
      for (let i = 0; i < 6; i++) await t.store.create(`/w/${i}`, i);
      await t.store.compact(4);
      const reader = t.watch("/w/", { fromRevision: 2 });
      const err = await reader.error();
      expect(err).toBeInstanceOf(CompactedError);
      expect(isDatastoreError(err, "Compacted")).toBe(true);
      expect((err as CompactedError).compactRevision).toBe(4);
      // From the compacted revision itself, the log still has everything after it.
      const ok = t.watch("/w/", { fromRevision: 4 });
      expect((await ok.take(2)).map((e) => e.revision)).toEqual([5, 6]);
    });
  });
}
