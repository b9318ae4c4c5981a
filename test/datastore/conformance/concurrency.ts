/** Datastore conformance: concurrency (see ../conformance.ts). */
import { describe, expect, it } from "vitest";
import { ConflictError, type Entry, isDatastoreError } from "../../../mod.ts";
import type { ConformanceContext } from "./context.ts";

export function concurrencyCases(t: ConformanceContext): void {
  describe("concurrency", () => {
    it("lets exactly one of 32 concurrent updates from one revision win", async () => {
      const base = await t.store.create("/race", { writer: -1 });
      const results = await Promise.allSettled(
        Array.from({ length: 32 }, (_, i) => t.store.update("/race", { writer: i }, base.modRevision)),
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
      expect(await t.store.currentRevision()).toBe(2);
      expect(await t.store.get("/race")).toEqual(won[0]);
    });

    it("lets exactly one of 32 concurrent creates of one key win", async () => {
      const results = await Promise.allSettled(Array.from({ length: 32 }, (_, i) => t.store.create("/race", i)));
      expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
      for (const r of results) {
        if (r.status === "rejected") expect(isDatastoreError(r.reason, "KeyExists")).toBe(true);
      }
      expect(await t.store.currentRevision()).toBe(1);
    });

    it("lets exactly one of 16 concurrent deletes of one key win", async () => {
      const base = await t.store.create("/race", 0);
      const results = await Promise.allSettled(
        Array.from({ length: 16 }, (_, i) => t.store.delete("/race", i % 2 ? base.modRevision : undefined)),
      );
      expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
      for (const r of results) {
        if (r.status === "rejected") {
          expect(isDatastoreError(r.reason, "KeyNotFound") || isDatastoreError(r.reason, "Conflict")).toBe(true);
        }
      }
      expect(await t.store.currentRevision()).toBe(2);
    });
  });
}
