/**
 * The wire reader, the special JSON forms, and malformed input: every bad body must end in an
 * Error with a clear message (the server answers 400), never a crash or a wrong object.
 */
import { describe, expect, it } from "vitest";
import { decodeKubernetesProtobuf, decodeMessage, hasKubernetesMagic } from "../../../server/api/protobuf/decode.ts";
import { goDuration } from "../../../server/api/protobuf/special.ts";
import { ProtobufError, WireReader } from "../../../server/api/protobuf/wire.ts";
import { encodeEnvelope, Writer } from "./encode.ts";

const enc = new TextEncoder();

/** An envelope around hand-made object bytes. */
function envelope(apiVersion: string, kind: string, raw: number[] | Uint8Array): Uint8Array {
  const typeMeta = new Writer();
  typeMeta.string(1, apiVersion);
  typeMeta.string(2, kind);
  const w = new Writer();
  w.bytes(1, typeMeta.finish());
  w.bytes(2, Uint8Array.from(raw));
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...w.finish()]);
}

describe("WireReader", () => {
  it("reads varints of every width, signed and unsigned", () => {
    const w = new Writer();
    for (const v of [0, 1, 127, 128, 300, 2 ** 31 - 1, -1, -(2 ** 31)]) w.varint(v);
    w.varint(2 ** 53 - 1);
    w.varint(-62135596800);
    const r = new WireReader(w.finish());
    expect([0, 1, 127, 128, 300, 2 ** 31 - 1].map(() => r.int32())).toEqual([0, 1, 127, 128, 300, 2 ** 31 - 1]);
    expect(r.int32()).toBe(-1);
    expect(r.int32()).toBe(-(2 ** 31));
    expect(r.int64()).toBe(2 ** 53 - 1);
    expect(r.int64()).toBe(-62135596800);
    expect(r.done()).toBe(true);
  });

  it("skips unknown fields of every wire type", () => {
    const w = new Writer();
    w.tag(1, 0);
    w.varint(5);
    w.double(2, 1.5);
    w.string(3, "x");
    w.tag(4, 5);
    w.out.push(1, 2, 3, 4);
    const r = new WireReader(w.finish());
    while (!r.done()) r.skip(r.tag().wire);
    expect(r.done()).toBe(true);
  });

  it("rejects truncated varints, lengths past the end and groups", () => {
    expect(() => new WireReader(Uint8Array.of(0x80)).int64()).toThrow(/truncated varint/);
    expect(() => new WireReader(Uint8Array.of(0x05, 0x61)).bytesField()).toThrow(/runs past the end/);
    expect(() => new WireReader(Uint8Array.of(0x0b)).skip(3)).toThrow(/wire type 3/);
    expect(() => new WireReader(Uint8Array.of(0x02, 0xc3, 0x28)).string()).toThrow(/not valid UTF-8/);
    expect(() => new WireReader(new Uint8Array(11).fill(0xff)).int64()).toThrow(/longer than 10 bytes/);
  });
});

describe("special JSON forms", () => {
  it("formats Durations as Go does", () => {
    expect(goDuration(0)).toBe("0s");
    expect(goDuration(999)).toBe("999ns");
    expect(goDuration(1500)).toBe("1.5µs");
    expect(goDuration(1_000_000)).toBe("1ms");
    expect(goDuration(1_500_000_000)).toBe("1.5s");
    expect(goDuration(90e9)).toBe("1m30s");
    expect(goDuration(3600e9)).toBe("1h0m0s");
    expect(goDuration(3661.5e9)).toBe("1h1m1.5s");
    expect(goDuration(-2e9)).toBe("-2s");
  });

  it("omits the zero Time Go writes as an empty message or as year 1, and drops nanos of Time", () => {
    const time = (seconds: number, nanos = 0) => {
      const w = new Writer();
      w.tag(1, 0);
      w.varint(seconds);
      if (nanos) {
        w.tag(2, 0);
        w.varint(nanos);
      }
      return w.finish();
    };
    const meta = (t: Uint8Array) => {
      const m = new Writer();
      m.string(1, "n");
      m.bytes(8, t);
      const o = new Writer();
      o.bytes(1, m.finish());
      return o.finish();
    };
    const decode = (t: Uint8Array) => decodeKubernetesProtobuf(envelope("v1", "Namespace", meta(t))).object.metadata;
    expect(decode(new Uint8Array(0))).toEqual({ name: "n" });
    expect(decode(time(-62135596800))).toEqual({ name: "n" });
    expect(decode(time(1704164645, 999_000_000))).toEqual({ name: "n", creationTimestamp: "2024-01-02T03:04:05Z" });
    expect(decode(time(0))).toEqual({ name: "n", creationTimestamp: "1970-01-01T00:00:00Z" });
  });

  it("turns a Duration into Go's string", () => {
    const w = new Writer();
    w.tag(1, 0);
    w.varint(300e9);
    expect(decodeMessage("meta.v1.Duration", new WireReader(w.finish()), 0)).toBe("5m0s");
  });

  it("reads packed repeated numbers as well as unpacked ones", () => {
    // PodFailurePolicyOnExitCodesRequirement.values is a repeated int32.
    const req = new Writer();
    req.string(1, "c");
    req.string(2, "In");
    const packed = new Writer();
    for (const v of [1, 2, 300]) packed.varint(v);
    req.bytes(3, packed.finish());
    req.tag(3, 0);
    req.varint(42);
    expect(decodeMessage("batch.v1.PodFailurePolicyOnExitCodesRequirement", new WireReader(req.finish()), 0)).toEqual({
      containerName: "c", operator: "In", values: [1, 2, 300, 42],
    });
  });
});

describe("malformed bodies", () => {
  const ns = encodeEnvelope({ apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } }, "core.v1.Namespace");

  it("decodes a good body, and knows the magic", () => {
    expect(hasKubernetesMagic(ns)).toBe(true);
    expect(decodeKubernetesProtobuf(ns).object).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } });
  });

  it("rejects a body without the magic bytes", () => {
    expect(() => decodeKubernetesProtobuf(enc.encode('{"kind":"Namespace"}'))).toThrow(/magic bytes/);
    expect(() => decodeKubernetesProtobuf(new Uint8Array(0))).toThrow(ProtobufError);
  });

  it("answers every truncation of a good body with a ProtobufError, or a prefix at a field boundary", () => {
    // Protobuf cannot tell a body cut between two fields from a shorter one (the envelope without
    // its raw field is a valid, empty object); every other cut must be a ProtobufError.
    let errors = 0;
    for (let n = 0; n < ns.length; n++) {
      try {
        decodeKubernetesProtobuf(ns.subarray(0, n));
      } catch (e) {
        expect(e, `cut at ${n}`).toBeInstanceOf(ProtobufError);
        errors++;
      }
    }
    expect(errors).toBe(ns.length - 1);
  });

  it("rejects a kind it has no schema for, and a missing apiVersion/kind", () => {
    expect(() => decodeKubernetesProtobuf(envelope("example.com/v1", "Widget", []))).toThrow(/no protobuf schema for Widget in example.com\/v1/);
    expect(() => decodeKubernetesProtobuf(Uint8Array.of(0x6b, 0x38, 0x73, 0x00))).toThrow(/names no apiVersion and kind/);
  });

  it("rejects a field whose wire type does not fit its type", () => {
    // ObjectMeta.name (string) sent as a varint.
    const bad = [0x0a, 0x02, 0x08, 0x01];
    expect(() => decodeKubernetesProtobuf(envelope("v1", "Namespace", bad))).toThrow(/meta.v1.ObjectMeta.name has wire type 0/);
  });

  it("skips field numbers it does not know (a newer client's fields)", () => {
    const w = new Writer();
    w.string(99, "from the future");
    w.bytes(1, Uint8Array.of(0x0a, 0x01, 0x78, 0xf8, 0x07, 0x01)); // metadata {name: "x", field 127 varint}
    expect(decodeKubernetesProtobuf(envelope("v1", "Namespace", w.finish())).object).toEqual({
      apiVersion: "v1", kind: "Namespace", metadata: { name: "x" },
    });
  });

  it("rejects invalid JSON inside a RawExtension and absurd nesting", () => {
    const raw = new Writer();
    raw.string(1, "{not json");
    const rev = new Writer();
    rev.bytes(2, raw.finish());
    expect(() => decodeKubernetesProtobuf(envelope("apps/v1", "ControllerRevision", rev.finish()))).toThrow(/RawExtension\) does not hold valid JSON/);

    // JSONSchemaProps.not nested 1000 deep.
    let inner: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 1000; i++) {
      const w = new Writer();
      w.bytes(28, inner);
      inner = w.finish();
    }
    const validation = new Writer();
    validation.bytes(1, inner);
    const version = new Writer();
    version.bytes(4, validation.finish());
    const spec = new Writer();
    spec.bytes(7, version.finish());
    const crd = new Writer();
    crd.bytes(2, spec.finish());
    expect(() => decodeKubernetesProtobuf(envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd.finish()))).toThrow(/nested deeper/);
  });

  it("rejects a content encoding it cannot undo", () => {
    const w = new Writer();
    const tm = new Writer();
    tm.string(1, "v1");
    tm.string(2, "Namespace");
    w.bytes(1, tm.finish());
    w.bytes(2, new Uint8Array(0));
    w.string(3, "gzip");
    expect(() => decodeKubernetesProtobuf(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...w.finish()]))).toThrow(/content encoding "gzip"/);
  });
});
