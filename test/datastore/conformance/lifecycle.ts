/** Datastore conformance: lifecycle (see ../conformance.ts). */
import { describe, expect, it } from "vitest";
import type { ConformanceContext } from "./context.ts";
import { rejection, compareKeys, normalize, randomHistory } from "./helpers.ts";

export function lifecycleCases(t: ConformanceContext): void {
  describe("lifecycle", () => {
    // The reopen cases are registered for durable stores only (not skipped: they do not apply).
    const itDurable = t.durable ? it : () => {};
    itDurable("keeps everything across close and reopen, revision counter included", async () => {
      const history = await randomHistory(t.store, 0xfeed, 80);
      await t.store.compact(20);
      const before = await t.store.list("/h/");
      const current = await t.store.currentRevision();
      await t.store.close();
      await t.reopen();
      expect(await t.store.currentRevision()).toBe(current);
      expect(await t.store.compactionStatus()).toEqual({ compactRevision: 20, currentRevision: current });
      expect(normalize((await t.store.list("/h/")).items)).toEqual(normalize(before.items));
      for (const revision of [20, 40, current]) {
        const expected = [...history.states[revision]!.values()].sort((a, b) => compareKeys(a.key, b.key));
        expect(normalize((await t.store.list("/h/", { revision })).items)).toEqual(normalize(expected));
      }
      await rejection(t.store.get("/h/1", { revision: 19 }), "Compacted");
      expect(normalize(await t.watch("/h/", { fromRevision: 40 }).take(current - 40))).toEqual(normalize(history.events.slice(40)));
      // The next write takes the next revision, not one already used.
      expect((await t.store.create("/after-reopen", 1)).modRevision).toBe(current + 1);
    });

    itDurable("keeps a compaction of the whole log across reopen", async () => {
      await t.store.create("/k", 1);
      await t.store.update("/k", 2, 1);
      const status = await t.store.compact(2);
      await t.store.close();
      await t.reopen();
      expect(await t.store.compactionStatus()).toEqual(status);
      expect((await t.store.create("/j", 1)).modRevision).toBe(3);
    });

    it("refuses every call after close with DatastoreClosedError", async () => {
      await t.store.create("/k", 1);
      await t.store.close();
      await rejection(t.store.get("/k"), "Closed");
      await rejection(t.store.create("/j", 1), "Closed");
      await rejection(t.store.list("/"), "Closed");
      await rejection(t.store.currentRevision(), "Closed");
      await t.store.close(); // closing twice is harmless
    });
  });
}
