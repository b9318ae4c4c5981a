/**
 * Test helper: a protobuf ENCODER driven by the same schema tables, the inverse of decode.ts, so
 * that round trips (JSON -> protobuf -> JSON) exercise every message kind the server serves.
 * It writes what Go's marshaller would for the JSON given; it does not invent the empty
 * non-pointer fields Go also writes (the kubectl fixtures cover those).
 */
import { SCHEMA } from "../../../server/api/protobuf/schema/mod.ts";

const utf8 = new TextEncoder();

export class Writer {
  readonly out: number[] = [];

  varint(value: bigint | number): void {
    // Negative int32/int64 values are written as 10-byte two's complement, as Go does.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.out.push(Number(v));
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    for (const b of data) this.out.push(b);
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s));
  }

  double(field: number, d: number): void {
    this.tag(field, 1);
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, d, true);
    for (const b of new Uint8Array(view.buffer)) this.out.push(b);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** A "k8s\0" envelope around the encoding of `object` as apiVersion + kind's message. */
export function encodeEnvelope(object: Record<string, unknown>, message: string): Uint8Array {
  const { apiVersion, kind, ...rest } = object;
  const typeMeta = new Writer();
  typeMeta.string(1, String(apiVersion));
  typeMeta.string(2, String(kind));
  const unknown = new Writer();
  unknown.bytes(1, typeMeta.finish());
  unknown.bytes(2, encodeMessage(message, rest));
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown.finish()]);
}

export function encodeMessage(message: string, value: unknown): Uint8Array {
  const special = SPECIAL[message];
  if (special) return special(value);
  const spec = SCHEMA[message];
  if (!spec) throw new Error(`no schema for ${message}`);
  const obj = value as Record<string, unknown>;
  const w = new Writer();
  for (const [num, [json, type, flags = ""]] of Object.entries(spec)) {
    const field = Number(num);
    if (flags.includes("i")) {
      // An inlined struct: its fields sit in this object.
      const inner = encodeMessage(type, obj);
      if (inner.length > 0) w.bytes(field, inner);
      continue;
    }
    const v = obj[json];
    if (v === undefined || v === null) continue;
    if (flags.includes("m")) {
      for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
        const entry = new Writer();
        entry.string(1, key);
        writeValue(entry, 2, type, item);
        w.bytes(field, entry.finish());
      }
    } else if (flags.includes("r")) {
      for (const item of v as unknown[]) writeValue(w, field, type, item);
    } else writeValue(w, field, type, v);
  }
  return w.finish();
}

function writeValue(w: Writer, field: number, type: string, v: unknown): void {
  switch (type) {
    case "string":
      return w.string(field, String(v));
    case "bytes":
      return w.bytes(field, Uint8Array.from(atob(String(v)), (c) => c.charCodeAt(0)));
    case "int32":
    case "int64":
    case "uint32":
    case "uint64":
      w.tag(field, 0);
      return w.varint(Number(v));
    case "bool":
      w.tag(field, 0);
      return w.varint(v ? 1 : 0);
    case "double":
      return w.double(field, Number(v));
  }
  w.bytes(field, encodeMessage(type, v));
}

function fields(build: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  build(w);
  return w.finish();
}

function json(v: unknown): Uint8Array {
  return fields((w) => w.bytes(1, utf8.encode(JSON.stringify(v))));
}

function timeOf(v: unknown, micro: boolean): Uint8Array {
  const ms = Date.parse(String(v));
  const seconds = Math.floor(ms / 1000);
  const nanos = micro ? Number(/\.(\d{6})/.exec(String(v))?.[1] ?? "0") * 1000 : 0;
  return fields((w) => {
    w.tag(1, 0);
    w.varint(seconds);
    if (nanos) {
      w.tag(2, 0);
      w.varint(nanos);
    }
  });
}

const UNITS: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, "µs": 1e3, ns: 1 };

function durationNanos(s: string): number {
  let total = 0;
  for (const [, n, unit] of s.matchAll(/([\d.]+)(h|ms|m|s|µs|ns)/g)) total += Number(n) * UNITS[unit!]!;
  return Math.round(s.startsWith("-") ? -total : total);
}

const PROPS = "apiextensions.v1.JSONSchemaProps";

const SPECIAL: Record<string, (v: unknown) => Uint8Array> = {
  "meta.v1.Time": (v) => timeOf(v, false),
  "meta.v1.MicroTime": (v) => timeOf(v, true),
  "meta.v1.Duration": (v) => fields((w) => (w.tag(1, 0), w.varint(durationNanos(String(v))))),
  "meta.v1.FieldsV1": json,
  "runtime.RawExtension": json,
  "apiextensions.v1.JSON": json,
  "resource.Quantity": (v) => fields((w) => w.string(1, String(v))),
  "intstr.IntOrString": (v) =>
    fields((w) => {
      w.tag(1, 0);
      w.varint(typeof v === "string" ? 1 : 0);
      if (typeof v === "string") w.string(3, v);
      else (w.tag(2, 0), w.varint(Number(v)));
    }),
  "authentication.v1.ExtraValue": (v) => fields((w) => (v as string[]).forEach((s) => w.string(1, s))),
  "authorization.v1.ExtraValue": (v) => fields((w) => (v as string[]).forEach((s) => w.string(1, s))),
  [`${PROPS}OrArray`]: (v) =>
    fields((w) => (Array.isArray(v) ? v.forEach((s) => w.bytes(2, encodeMessage(PROPS, s))) : w.bytes(1, encodeMessage(PROPS, v)))),
  [`${PROPS}OrBool`]: (v) =>
    fields((w) => (typeof v === "boolean" ? (w.tag(1, 0), w.varint(v ? 1 : 0)) : (w.tag(1, 0), w.varint(1), w.bytes(2, encodeMessage(PROPS, v))))),
  [`${PROPS}OrStringArray`]: (v) =>
    fields((w) => (Array.isArray(v) ? v.forEach((s) => w.string(2, String(s))) : w.bytes(1, encodeMessage(PROPS, v)))),
};
