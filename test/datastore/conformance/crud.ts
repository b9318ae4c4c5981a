/** Datastore conformance: create, get, update, delete (see ../conformance.ts). */
import { describe, expect, it } from "vitest";
import { ConflictError, type Entry, KeyExistsError, KeyNotFoundError } from "../../../mod.ts";
import type { ConformanceContext } from "./context.ts";
import { rejection, normalize } from "./helpers.ts";

export function crudCases(t: ConformanceContext): void {
  describe("create, get, update, delete", () => {
    it("starts empty at revision 0", async () => {
      expect(await t.store.currentRevision()).toBe(0);
      expect(await t.store.get("/registry/pods/default/a")).toBeUndefined();
      expect(await t.store.list("/")).toEqual({ items: [], revision: 0, more: false });
      expect(await t.store.count("/")).toEqual({ count: 0, revision: 0 });
    });

    it("creates a key at the next revision and gets it back", async () => {
      const created = await t.store.create("/a/1", { n: 1 });
      expect(created).toEqual({ key: "/a/1", value: { n: 1 }, createRevision: 1, modRevision: 1 });
      expect(await t.store.get("/a/1")).toEqual(created);
      expect(await t.store.currentRevision()).toBe(1);
    });

    it("refuses to create an existing key with KeyExistsError, taking no revision", async () => {
      await t.store.create("/a/1", "first");
      const err = await rejection(t.store.create("/a/1", "second"), "KeyExists");
      expect(err).toBeInstanceOf(KeyExistsError);
      expect((err as KeyExistsError).key).toBe("/a/1");
      expect((await t.store.get("/a/1"))?.value).toBe("first");
      expect(await t.store.currentRevision()).toBe(1);
      expect((await t.store.create("/a/2", "x")).modRevision).toBe(2);
    });

    it("updates a key at its current revision, keeping createRevision", async () => {
      const created = await t.store.create("/a/1", { v: 1 });
      await t.store.create("/a/2", { other: true });
      const updated = await t.store.update("/a/1", { v: 2 }, created.modRevision);
      expect(updated).toEqual({ key: "/a/1", value: { v: 2 }, createRevision: 1, modRevision: 3 });
      expect(await t.store.get("/a/1")).toEqual(updated);
    });

    it("refuses an update from a stale revision with ConflictError carrying the current entry", async () => {
      const created = await t.store.create("/a/1", { v: 1 });
      const winner = await t.store.update("/a/1", { v: 2 }, created.modRevision);
      const err = await rejection(t.store.update("/a/1", { v: 3 }, created.modRevision), "Conflict");
      expect(err).toBeInstanceOf(ConflictError);
      const conflict = err as ConflictError;
      expect(conflict.key).toBe("/a/1");
      expect(conflict.expectedRevision).toBe(created.modRevision);
      expect(normalize(conflict.current)).toEqual(normalize(winner));
      // No lost update: the winner's value stays, and the loser took no revision.
      expect(await t.store.get("/a/1")).toEqual(winner);
      expect(await t.store.currentRevision()).toBe(2);
      // Retrying from the current entry works, as GuaranteedUpdate does.
      const retried = await t.store.update("/a/1", { v: 3 }, conflict.current.modRevision);
      expect(retried.modRevision).toBe(3);
    });

    it("refuses to update a missing or deleted key with KeyNotFoundError", async () => {
      const err = await rejection(t.store.update("/a/missing", 1, 1), "KeyNotFound");
      expect(err).toBeInstanceOf(KeyNotFoundError);
      expect((err as KeyNotFoundError).key).toBe("/a/missing");
      const created = await t.store.create("/a/1", 1);
      await t.store.delete("/a/1");
      await rejection(t.store.update("/a/1", 2, created.modRevision), "KeyNotFound");
      expect(await t.store.currentRevision()).toBe(2);
    });

    it("deletes a key, returning the last value at the delete's revision", async () => {
      const created = await t.store.create("/a/1", { v: 1 });
      const deleted = await t.store.delete("/a/1", created.modRevision);
      expect(deleted).toEqual({ key: "/a/1", value: { v: 1 }, createRevision: 1, modRevision: 2 });
      expect(await t.store.get("/a/1")).toBeUndefined();
      expect(await t.store.currentRevision()).toBe(2);
    });

    it("deletes without an expected revision", async () => {
      await t.store.create("/a/1", 1);
      await t.store.update("/a/1", 2, 1);
      const deleted = await t.store.delete("/a/1");
      expect(deleted).toEqual({ key: "/a/1", value: 2, createRevision: 1, modRevision: 3 });
    });

    it("refuses a delete from a stale revision with ConflictError and a missing key with KeyNotFoundError", async () => {
      const created = await t.store.create("/a/1", 1);
      const updated = await t.store.update("/a/1", 2, created.modRevision);
      const err = await rejection(t.store.delete("/a/1", created.modRevision), "Conflict");
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).current).toEqual(updated);
      expect(await t.store.get("/a/1")).toEqual(updated);
      await rejection(t.store.delete("/a/missing"), "KeyNotFound");
      await rejection(t.store.delete("/a/missing", 1), "KeyNotFound");
      expect(await t.store.currentRevision()).toBe(2);
    });

    it("gives a re-created key a new createRevision", async () => {
      await t.store.create("/a/1", "one");
      await t.store.delete("/a/1");
      const again = await t.store.create("/a/1", "two");
      expect(again).toEqual({ key: "/a/1", value: "two", createRevision: 3, modRevision: 3 });
    });

    it("gives every write the next revision, with no gaps, and failed writes none", async () => {
      let expected = 0;
      const check = async (entry: Promise<Entry>) => {
        expected++;
        expect((await entry).modRevision).toBe(expected);
        expect(await t.store.currentRevision()).toBe(expected);
      };
      await check(t.store.create("/r/a", 1));
      await check(t.store.create("/r/b", 1));
      await rejection(t.store.create("/r/a", 2), "KeyExists");
      await check(t.store.update("/r/a", 2, 1));
      await rejection(t.store.update("/r/a", 3, 1), "Conflict");
      await check(t.store.delete("/r/b", 2));
      await rejection(t.store.delete("/r/b"), "KeyNotFound");
      await check(t.store.create("/r/b", 3));
      await check(t.store.update("/r/b", 4, expected));
      expect(await t.store.currentRevision()).toBe(6);
    });

    it("counts keys by prefix, and after a key", async () => {
      for (const key of ["/c/a", "/c/b", "/c/c", "/c/d", "/cd", "/d/a"]) await t.store.create(key, key);
      expect(await t.store.count("/c/")).toEqual({ count: 4, revision: 6 });
      expect(await t.store.count("/c")).toEqual({ count: 5, revision: 6 });
      expect(await t.store.count("")).toEqual({ count: 6, revision: 6 });
      expect((await t.store.count("/c/", { after: "/c/b" })).count).toBe(2);
      expect((await t.store.count("/x/")).count).toBe(0);
      await t.store.delete("/c/a");
      expect(await t.store.count("/c/")).toEqual({ count: 3, revision: 7 });
    });
  });
}
