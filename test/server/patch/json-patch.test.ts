import { describe, expect, it } from "vitest";
import { applyJsonPatch, decodeJsonPatch } from "../../../server/api/patch/json-patch.ts";
import { parsePatchJson } from "../../../server/api/patch/errors.ts";
import { ApiError } from "../../../server/api/status.ts";

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

const pod = { metadata: { name: "p", labels: { app: "x" } }, spec: { containers: [{ name: "a", image: "nginx" }] } };

describe("JSON patch (RFC 6902)", () => {
  it("applies add, remove, replace, move, copy and test", () => {
    const out = applyJsonPatch(pod, [
      { op: "test", path: "/metadata/name", value: "p" },
      { op: "add", path: "/metadata/labels/tier", value: "web" },
      { op: "replace", path: "/spec/containers/0/image", value: "nginx:1.27" },
      { op: "add", path: "/spec/containers/-", value: { name: "b", image: "busybox" } },
      { op: "copy", from: "/metadata/labels/app", path: "/metadata/labels/copy" },
      { op: "move", from: "/metadata/labels/tier", path: "/metadata/labels/layer" },
      { op: "remove", path: "/metadata/labels/app" },
    ]);
    expect(out).toEqual({
      metadata: { name: "p", labels: { copy: "x", layer: "web" } },
      spec: { containers: [{ name: "a", image: "nginx:1.27" }, { name: "b", image: "busybox" }] },
    });
    expect(pod.metadata.labels).toEqual({ app: "x" });
  });

  it("escapes ~1 and ~0 in pointers (annotation keys with slashes)", () => {
    const out = applyJsonPatch({ metadata: { annotations: {} } }, [
      { op: "add", path: "/metadata/annotations/example.com~1a~0b", value: "v" },
    ]);
    expect(out).toEqual({ metadata: { annotations: { "example.com/a~b": "v" } } });
  });

  it("can replace the whole document", () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: "replace", path: "", value: { b: 2 } }])).toEqual({ b: 2 });
  });

  it("is atomic: a failing operation discards the earlier ones and reports 422", () => {
    const err = failure(() =>
      applyJsonPatch(pod, [
        { op: "replace", path: "/metadata/name", value: "q" },
        { op: "test", path: "/metadata/labels/app", value: "y" },
      ]),
    );
    expect(err.code).toBe(422);
    expect(err.reason).toBe("Invalid");
    expect(err.message).toBe("the server rejected our request due to an error in our request");
    expect(err.details?.causes?.[0]?.message).toContain("/metadata/labels/app");
    expect(pod.metadata.name).toBe("p");
  });

  it("reports a missing path as 422", () => {
    for (const op of [
      { op: "remove", path: "/metadata/nope" },
      { op: "replace", path: "/spec/nope/x", value: 1 },
      { op: "move", from: "/nope", path: "/x" },
    ]) {
      expect(failure(() => applyJsonPatch(pod, [op])).code).toBe(422);
    }
  });

  it("rejects malformed patches with 400", () => {
    const bodies: unknown[] = [
      { op: "add", path: "/a", value: 1 },
      [{ op: "frobnicate", path: "/a" }],
      [{ op: "add", value: 1 }],
      [{ op: "add", path: "/a" }],
      [{ op: "move", path: "/a" }],
      ["add"],
      [null],
    ];
    for (const body of bodies) {
      const err = failure(() => applyJsonPatch(pod, body));
      expect([err.code, err.reason]).toEqual([400, "BadRequest"]);
    }
    expect(failure(() => parsePatchJson("[{")).code).toBe(400);
  });

  it("refuses more than 10,000 operations with 413", () => {
    const ops = Array.from({ length: 10_001 }, () => ({ op: "test", path: "/metadata/name", value: "p" }));
    const err = failure(() => applyJsonPatch(pod, ops));
    expect([err.code, err.reason]).toEqual([413, "RequestEntityTooLarge"]);
    expect(err.message).toContain("got 10001");
    expect(decodeJsonPatch(ops.slice(0, 10_000))).toHaveLength(10_000);
  });
});
