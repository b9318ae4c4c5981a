import { describe, expect, it } from "vitest";
import { applyMergePatch } from "../../../server/api/patch/json-merge.ts";

describe("JSON merge patch (RFC 7396)", () => {
  // The RFC's appendix A examples.
  const cases: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)("%j + %j", (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it("replaces lists, as kubectl scale relies on for spec.replicas and CRDs on lists", () => {
    const live = { spec: { replicas: 1, containers: [{ name: "a" }, { name: "b" }] } };
    expect(applyMergePatch(live, { spec: { replicas: 3, containers: [{ name: "c" }] } })).toEqual({
      spec: { replicas: 3, containers: [{ name: "c" }] },
    });
  });

  it("does not mutate its inputs", () => {
    const live = { a: { b: 1 } };
    const patch = { a: { c: 2 } };
    applyMergePatch(live, patch);
    expect(live).toEqual({ a: { b: 1 } });
    expect(patch).toEqual({ a: { c: 2 } });
  });

  it("stores a __proto__ key as data, never as a prototype", () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__"]);
  });
});
