/** Datastore conformance: compaction (see ../conformance.ts). */
import { describe, expect, it } from "vitest";
import { CompactedError } from "../../../mod.ts";
import type { ConformanceContext } from "./context.ts";
import { rejection } from "./helpers.ts";

export function compactionCases(t: ConformanceContext): void {
  describe("compaction", () => {
    it("compacts the log and reports it; reads below it fail, at and above it work", async () => {
      await t.store.create("/k", 1); // 1
      await t.store.update("/k", 2, 1); // 2
      await t.store.update("/k", 3, 2); // 3
      await t.store.create("/j", 1); // 4
      await t.store.update("/k", 4, 3); // 5
      expect(await t.store.compactionStatus()).toEqual({ compactRevision: 0, currentRevision: 5 });
      expect(await t.store.compact(3)).toEqual({ compactRevision: 3, currentRevision: 5 });
      expect(await t.store.compactionStatus()).toEqual({ compactRevision: 3, currentRevision: 5 });
      const err = await rejection(t.store.get("/k", { revision: 2 }), "Compacted");
      expect(err).toBeInstanceOf(CompactedError);
      expect((err as CompactedError).revision).toBe(2);
      expect((err as CompactedError).compactRevision).toBe(3);
      await rejection(t.store.list("/", { revision: 1 }), "Compacted");
      expect((await t.store.get("/k", { revision: 3 }))?.value).toBe(3);
      expect((await t.store.get("/k", { revision: 4 }))?.value).toBe(3);
      expect((await t.store.list("/", { revision: 3 })).items.map((e) => [e.key, e.value])).toEqual([["/k", 3]]);
      expect((await t.store.list("/", { revision: 4 })).items.map((e) => [e.key, e.value])).toEqual([["/j", 1], ["/k", 3]]);
      // Current state is untouched.
      expect((await t.store.get("/k"))?.value).toBe(4);
      expect((await t.store.list("/")).items.length).toBe(2);
    });

    it("never compacts beyond the current revision, nor backwards", async () => {
      await t.store.create("/k", 1);
      await t.store.create("/j", 1);
      const status = await t.store.compact(100);
      expect(status.currentRevision).toBe(2);
      expect(status.compactRevision).toBeLessThanOrEqual(2);
      expect(status.compactRevision).toBeGreaterThanOrEqual(1);
      expect((await t.store.compact(0)).compactRevision).toBe(status.compactRevision);
      // The store goes on with the next revision, and reads at the current one work.
      expect((await t.store.update("/k", 2, 1)).modRevision).toBe(3);
      expect((await t.store.get("/k", { revision: 3 }))?.value).toBe(2);
      expect((await t.store.list("/", { revision: 2 })).items.length).toBe(2);
    });
  });
}
