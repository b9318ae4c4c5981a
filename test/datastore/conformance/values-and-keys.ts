/** Datastore conformance: values and keys (see ../conformance.ts). */
import { describe, expect, it } from "vitest";
import { type WatchEvent } from "../../../mod.ts";
import type { ConformanceContext } from "./context.ts";
import { compareKeys, equalBytes, normalize } from "./helpers.ts";

export function valueAndKeyCases(t: ConformanceContext): void {
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
      const live = t.watch("/v/", { fromRevision: 0 });
      for (const [name, value] of Object.entries(values)) await t.store.create(`/v/${name}`, value);
      const marker = await t.store.currentRevision();
      for (const [name, value] of Object.entries(values)) {
        const e = await t.store.get(`/v/${name}`);
        expect(normalize(e?.value), name).toEqual(normalize(value));
        const c = await t.store.update(`/v/${name}`, { replaced: name }, e!.modRevision);
        expect(c.modRevision).toBeGreaterThan(marker);
      }
      const listed = await t.store.list("/v/", { revision: marker });
      for (const e of listed.items) expect(normalize(e.value), e.key).toEqual(normalize(values[e.key.slice(3)]));
      for (const [name, value] of Object.entries(values)) {
        expect(normalize((await t.store.get(`/v/${name}`, { revision: marker }))?.value), name).toEqual(normalize(value));
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
      check(await t.watch("/v/", { fromRevision: 0 }).take(2 * n));
    });

    it("round-trips 1 MiB values", async () => {
      const bytes = new Uint8Array(1024 * 1024);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
      const text = "x😀".repeat(1024 * 1024 / 6);
      const reader = t.watch("/big/", { fromRevision: 0 });
      const a = await t.store.create("/big/bytes", bytes);
      await t.store.create("/big/text", { text });
      const got = await t.store.get("/big/bytes");
      expect(got?.value).toBeInstanceOf(Uint8Array);
      expect(equalBytes(got!.value as Uint8Array, bytes)).toBe(true);
      expect(((await t.store.get("/big/text"))?.value as { text: string }).text === text).toBe(true);
      await t.store.update("/big/bytes", { small: true }, a.modRevision);
      expect(equalBytes((await t.store.get("/big/bytes", { revision: a.modRevision }))!.value as Uint8Array, bytes)).toBe(true);
      const events = await reader.take(3);
      expect(equalBytes(events[0]!.value as Uint8Array, bytes)).toBe(true);
      expect(equalBytes(events[2]!.prevValue as Uint8Array, bytes)).toBe(true);
      const replay = await t.watch("/big/", { fromRevision: 0 }).take(3);
      expect(equalBytes(replay[0]!.value as Uint8Array, bytes)).toBe(true);
      expect(equalBytes(replay[2]!.prevValue as Uint8Array, bytes)).toBe(true);
    });

    it("keeps unicode and edge-case keys apart and intact", async () => {
      const keys = ["/a", "/a/", "/a//b", "/a//", "//", "/", "/ä", "/a\u0308", "/日本/語", "/😀/😀", "/sp ace", "/tab\t", "/nl\n", "/q?x=1&y=%2F", "/\\"];
      for (const key of keys) await t.store.create(key, key);
      for (const key of keys) expect((await t.store.get(key))?.value, JSON.stringify(key)).toBe(key);
      expect((await t.store.list("")).items.map((e) => e.key)).toEqual([...keys].sort(compareKeys));
      expect((await t.store.list("/a/")).items.map((e) => e.key)).toEqual(["/a/", "/a//", "/a//b"]);
      expect((await t.store.list("/a//")).items.map((e) => e.key)).toEqual(["/a//", "/a//b"]);
      expect((await t.store.list("/日本/")).items.map((e) => e.key)).toEqual(["/日本/語"]);
      expect(await t.store.get("/ä/")).toBeUndefined();
      expect(await t.store.get("/a//b/")).toBeUndefined();
    });
  });
}
