/** Datastore conformance: reads at a revision (see ../conformance.ts). */
import { describe, expect, it } from "vitest";
import { FutureRevisionError } from "../../../mod.ts";
import type { ConformanceContext } from "./context.ts";
import { rejection, compareKeys, normalize, randomHistory } from "./helpers.ts";

export function pastReadCases(t: ConformanceContext): void {
  describe("reads at a revision", () => {
    it("gets every past version of a key", async () => {
      await t.store.create("/k", "v1"); // 1
      await t.store.update("/k", "v2", 1); // 2
      await t.store.create("/other", 0); // 3
      await t.store.update("/k", "v3", 2); // 4
      await t.store.delete("/k"); // 5
      await t.store.create("/k", "again"); // 6
      const at = async (revision: number) => (await t.store.get("/k", { revision }))?.value;
      expect(await at(1)).toBe("v1");
      expect(await at(2)).toBe("v2");
      expect(await at(3)).toBe("v2");
      expect(await t.store.get("/k", { revision: 3 })).toEqual({ key: "/k", value: "v2", createRevision: 1, modRevision: 2 });
      expect(await at(4)).toBe("v3");
      expect(await at(5)).toBeUndefined();
      expect(await t.store.get("/k", { revision: 6 })).toEqual({ key: "/k", value: "again", createRevision: 6, modRevision: 6 });
      expect(await t.store.get("/other", { revision: 2 })).toBeUndefined();
    });

    it("refuses reads above the current revision with FutureRevisionError", async () => {
      await t.store.create("/k", 1);
      const err = await rejection(t.store.get("/k", { revision: 2 }), "FutureRevision");
      expect(err).toBeInstanceOf(FutureRevisionError);
      expect((err as FutureRevisionError).currentRevision).toBe(1);
      await rejection(t.store.list("/", { revision: 5 }), "FutureRevision");
    });

    it("lists and gets the state as of every past revision (random history)", async () => {
      const history = await randomHistory(t.store, 0x5eed, 160);
      const keys = [...new Set(history.events.map((e) => e.key))];
      const current = await t.store.currentRevision();
      expect(current).toBe(history.events.length);
      for (let revision = 1; revision <= current; revision++) {
        const state = history.states[revision]!;
        const expected = [...state.values()].sort((a, b) => compareKeys(a.key, b.key));
        const listed = await t.store.list("/h/", { revision });
        expect(listed.revision).toBe(revision);
        expect(normalize(listed.items)).toEqual(normalize(expected));
        const narrow = await t.store.list("/h/1", { revision });
        expect(normalize(narrow.items)).toEqual(normalize(expected.filter((e) => e.key.startsWith("/h/1"))));
        for (const key of keys) {
          expect(normalize(await t.store.get(key, { revision }))).toEqual(normalize(state.get(key)));
        }
      }
    });
  });
}
