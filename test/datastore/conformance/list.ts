/** Datastore conformance: list (see ../conformance.ts). */
import { describe, expect, it } from "vitest";
import { CompactedError } from "../../../mod.ts";
import type { ConformanceContext } from "./context.ts";
import { rejection, compareKeys, normalize, pageThrough } from "./helpers.ts";

export function listCases(t: ConformanceContext): void {
  describe("list", () => {
    const edgeKeys = ["/a", "/a/", "/a//b", "/a/b", "/a/é", "/a/\uFFFD", "/a/😀", "/a/b/c", "/ab", "/b", "/a0"];

    it("lists by prefix in UTF-8 byte order; /a/ matches neither /a nor /ab", async () => {
      for (const key of edgeKeys) await t.store.create(key, key);
      const keys = async (prefix: string) => (await t.store.list(prefix)).items.map((e) => e.key);
      expect(await keys("/a/")).toEqual(["/a/", "/a//b", "/a/b", "/a/b/c", "/a/é", "/a/\uFFFD", "/a/😀"]);
      expect(await keys("/a")).toEqual([
        "/a", "/a/", "/a//b", "/a/b", "/a/b/c", "/a/é", "/a/\uFFFD", "/a/😀", "/a0", "/ab",
      ]);
      expect(await keys("/a//")).toEqual(["/a//b"]);
      expect(await keys("/a/b")).toEqual(["/a/b", "/a/b/c"]);
      expect(await keys("")).toEqual([...edgeKeys].sort(compareKeys));
      expect(await keys("/c")).toEqual([]);
      const all = await t.store.list("/a/");
      expect(all.revision).toBe(edgeKeys.length);
      expect(all.more).toBe(false);
      expect(all.items.every((e) => e.value === e.key)).toBe(true);
    });

    it("pages with limit and after, yielding every key once, in order", async () => {
      const keys = Array.from({ length: 23 }, (_, i) => `/p/${String(i).padStart(3, "0")}`);
      for (const key of [...keys].reverse()) await t.store.create(key, { key });
      await t.store.create("/q/outside", 0);
      for (const limit of [1, 5, 22, 23, 24, 100]) {
        const seen = await pageThrough(t.store, "/p/", { limit });
        expect(seen.keys).toEqual(keys);
        expect(seen.pages).toBe(Math.max(1, Math.ceil(keys.length / limit)));
      }
      const whole = await t.store.list("/p/", { limit: 0 });
      expect(whole.items.map((e) => e.key)).toEqual(keys);
      expect(whole.more).toBe(false);
      const firstPage = await t.store.list("/p/", { limit: 23 });
      expect(firstPage.more).toBe(false);
      const cut = await t.store.list("/p/", { limit: 22 });
      expect(cut.more).toBe(true);
      // `after` before the prefix starts at the prefix; after its end, nothing.
      expect((await t.store.list("/p/", { after: "/a", limit: 2 })).items.map((e) => e.key)).toEqual(keys.slice(0, 2));
      expect((await t.store.list("/p/", { after: "/p/zzz" })).items).toEqual([]);
      expect((await t.store.list("/p/", { after: keys[10] })).items.map((e) => e.key)).toEqual(keys.slice(11));
    });

    it("pages at a fixed revision stay consistent while writes happen between pages", async () => {
      const keys = Array.from({ length: 30 }, (_, i) => `/p/${String(i).padStart(2, "0")}`);
      for (const key of keys) await t.store.create(key, { key, gen: 0 });
      const snapshot = await t.store.list("/p/");
      let step = 0;
      const pages = await pageThrough(t.store, "/p/", { limit: 4, revision: snapshot.revision }, async (lastKey) => {
        // Churn that a list at the fixed revision must not see: updates of keys already listed
        // and not yet listed, deletes ahead, new keys ahead and behind.
        step++;
        const ahead = keys[keys.indexOf(lastKey) + 2];
        const behind = keys[keys.indexOf(lastKey) - 1];
        if (ahead) {
          const cur = await t.store.get(ahead);
          if (cur) {
            if (step % 2 === 0) await t.store.delete(ahead);
            else await t.store.update(ahead, { key: ahead, gen: step }, cur.modRevision);
          }
        }
        if (behind) {
          const cur = await t.store.get(behind);
          if (cur) await t.store.update(behind, { key: behind, gen: step }, cur.modRevision);
        }
        await t.store.create(`/p/${lastKey.slice(3)}-new-${step}`, { step });
        await t.store.create(`/p/00-${step}`, { step });
      });
      expect(normalize(pages.entries)).toEqual(normalize(snapshot.items));
      expect(pages.revisions.every((r) => r === snapshot.revision)).toBe(true);
      expect(await t.store.currentRevision()).toBeGreaterThan(snapshot.revision + 10);
    });

    it("pages at a past revision that gets compacted between pages fail with CompactedError", async () => {
      for (let i = 0; i < 10; i++) await t.store.create(`/p/${i}`, i);
      const at = await t.store.currentRevision();
      const first = await t.store.list("/p/", { limit: 3, revision: at });
      await t.store.update("/p/0", "x", 1);
      await t.store.update("/p/1", "x", 2);
      await t.store.compact(at + 1);
      const err = await rejection(
        t.store.list("/p/", { limit: 3, revision: at, after: first.items.at(-1)!.key }),
        "Compacted",
      );
      expect(err).toBeInstanceOf(CompactedError);
    });
  });
}
