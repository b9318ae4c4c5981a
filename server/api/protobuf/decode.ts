/**
 * Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`, what
 * kubectl's typed clients send) into the plain JSON-shaped object a JSON client would have sent,
 * so that everything after the body decoder sees one form.
 *
 * Envelope: the magic bytes "k8s\0", then a runtime.Unknown {typeMeta = 1 {apiVersion = 1,
 * kind = 2}, raw = 2, contentEncoding = 3, contentType = 4}; raw is the object's own message.
 *
 * Go's gogo marshaller writes every non-pointer field, empty or not, so the wire cannot tell
 * "unset" from "empty"; the tables' flags (see schema/types.ts) carry what Go's struct types
 * know. We follow Kubernetes' JSON: empty strings are dropped unless the field is a pointer,
 * zero Times are dropped (JSON shows them as null), zero numbers and booleans are dropped where
 * the Go field is a value with omitempty and kept otherwise, and nested messages stay, as {}
 * when empty, because JSON shows a non-pointer struct even when empty.
 */
import { specOf, messageFor } from "./schema/mod.ts";
import { SPECIAL_MESSAGES, type SpecialContext } from "./special.ts";
import { ProtobufError, WireReader, WireType } from "./wire.ts";

export { PROTOBUF_CONTENT_TYPE } from "./lazy.ts";

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

/** Nesting deeper than this is an attack or a bug, not a Kubernetes object. */
const MAX_DEPTH = 256;

export interface DecodedProtobuf {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

export function hasKubernetesMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && MAGIC.every((b, i) => bytes[i] === b);
}

export function decodeKubernetesProtobuf(bytes: Uint8Array): DecodedProtobuf {
  return decodeEnvelope(bytes, 0);
}

/** The body decoder for `application/vnd.kubernetes.protobuf`: the object, apiVersion and kind set. */
export function protobufBodyDecoder(bytes: Uint8Array): unknown {
  return decodeKubernetesProtobuf(bytes).object;
}

function decodeEnvelope(bytes: Uint8Array, depth: number): DecodedProtobuf {
  if (!hasKubernetesMagic(bytes)) {
    throw new ProtobufError('protobuf: body does not start with the Kubernetes magic bytes "k8s\\0"');
  }
  const r = new WireReader(bytes, 4);
  let apiVersion = "";
  let kind = "";
  let raw: Uint8Array | undefined;
  let contentEncoding = "";
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WireType.lengthDelimited) {
      const [start, end] = r.lengthDelimited();
      const t = new WireReader(bytes, start, end);
      while (!t.done()) {
        const tag = t.tag();
        if (tag.field === 1 && tag.wire === WireType.lengthDelimited) apiVersion = t.string();
        else if (tag.field === 2 && tag.wire === WireType.lengthDelimited) kind = t.string();
        else t.skip(tag.wire);
      }
    } else if (field === 2 && wire === WireType.lengthDelimited) raw = r.bytesField();
    else if (field === 3 && wire === WireType.lengthDelimited) contentEncoding = r.string();
    else r.skip(wire);
  }
  if (!kind || !apiVersion) throw new ProtobufError("protobuf: the envelope names no apiVersion and kind");
  if (contentEncoding) throw new ProtobufError(`protobuf: content encoding "${contentEncoding}" is not supported`);
  const message = messageFor(apiVersion, kind);
  if (!message) throw new ProtobufError(`protobuf: no protobuf schema for ${kind} in ${apiVersion}; send it as JSON`);
  const body = raw ?? new Uint8Array(0);
  const decoded = decodeMessage(message, new WireReader(body), depth + 1);
  const object = { apiVersion, kind, ...(decoded as Record<string, unknown>) };
  return { apiVersion, kind, object };
}

/**
 * One message as its JSON value. Most messages are objects; the special ones (Time, Quantity,
 * IntOrString, RawExtension...) have JSON forms of their own, and `undefined` means "omit".
 */
export function decodeMessage(message: string, r: WireReader, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new ProtobufError(`protobuf: messages nested deeper than ${MAX_DEPTH}`);
  const special = Object.hasOwn(SPECIAL_MESSAGES, message) ? SPECIAL_MESSAGES[message] : undefined;
  if (!special) return readFields(message, r, depth);
  const ctx: SpecialContext = {
    fields: (name, reader) => readFields(name, reader, depth + 1),
    envelope: (raw) => decodeEnvelope(raw, depth + 1).object,
  };
  return special(r, ctx);
}

/** The fields of a message as a JSON object, under their JSON names. */
function readFields(message: string, r: WireReader, depth: number): Record<string, unknown> {
  const spec = specOf(message);
  if (!spec) throw new ProtobufError(`protobuf: no schema for message ${message}`);
  const out: Record<string, unknown> = {};
  while (!r.done()) {
    const { field, wire } = r.tag();
    const fieldSpec = spec[field];
    if (!fieldSpec) {
      r.skip(wire); // a field newer than our tables
      continue;
    }
    const [json, type, flags = ""] = fieldSpec;
    const where = `${message}.${json}`;
    if (flags.includes("m")) {
      if (wire !== WireType.lengthDelimited) throw wrongWire(where, wire);
      const [key, value] = readMapEntry(type, sub(r), depth, where);
      const map = (out[json] ??= {}) as Record<string, unknown>;
      if (value !== undefined) map[key] = value;
    } else if (flags.includes("r")) {
      const list = (out[json] ??= []) as unknown[];
      if (wire === WireType.lengthDelimited && isPackable(type)) {
        const packed = sub(r);
        while (!packed.done()) list.push(readScalar(type, packed));
      } else {
        const value = readValue(type, wire, r, depth, where);
        if (value !== undefined) list.push(value);
      }
    } else if (flags.includes("i")) {
      // An embedded struct that JSON inlines: its fields are the parent's.
      const value = readValue(type, wire, r, depth, where);
      if (value && typeof value === "object") Object.assign(out, value);
    } else {
      const value = readValue(type, wire, r, depth, where);
      const pointer = flags.includes("p");
      if (value === undefined || (value === "" && !pointer) || (flags.includes("z") && isZero(value))) {
        delete out[json];
      } else out[json] = value;
    }
  }
  return out;
}

function readMapEntry(type: string, r: WireReader, depth: number, where: string): [string, unknown] {
  let key = "";
  let value: unknown;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) {
      if (wire !== WireType.lengthDelimited) throw wrongWire(`${where} (map key)`, wire);
      key = r.string();
    } else if (field === 2) value = readValue(type, wire, r, depth, where);
    else r.skip(wire);
  }
  // An entry without a value holds the value type's zero (Go writes "" values, but be lenient).
  if (value === undefined) value = zeroOf(type, depth);
  return [key, value];
}

function readValue(type: string, wire: number, r: WireReader, depth: number, where: string): unknown {
  if (isScalar(type)) {
    if (wire !== expectedWire(type)) throw wrongWire(where, wire);
    return readScalar(type, r);
  }
  if (wire !== WireType.lengthDelimited) throw wrongWire(where, wire);
  return decodeMessage(type, sub(r), depth + 1);
}

function readScalar(type: string, r: WireReader): unknown {
  switch (type) {
    case "string":
      return r.string();
    case "bytes":
      return toBase64(r.bytesField());
    case "int32":
      return r.int32();
    case "int64":
      return r.int64();
    case "uint32":
      return r.uint32();
    case "uint64":
      return r.uint64();
    case "bool":
      return r.bool();
    case "double":
      return r.double();
    case "float":
      return r.float();
  }
  throw new ProtobufError(`protobuf: unknown scalar type ${type}`);
}

const SCALAR_WIRE: Record<string, number> = {
  string: WireType.lengthDelimited,
  bytes: WireType.lengthDelimited,
  int32: WireType.varint,
  int64: WireType.varint,
  uint32: WireType.varint,
  uint64: WireType.varint,
  bool: WireType.varint,
  double: WireType.fixed64,
  float: WireType.fixed32,
};

function isScalar(type: string): boolean {
  return Object.hasOwn(SCALAR_WIRE, type);
}

function expectedWire(type: string): number {
  return SCALAR_WIRE[type]!;
}

function isPackable(type: string): boolean {
  return isScalar(type) && SCALAR_WIRE[type] !== WireType.lengthDelimited;
}

function isZero(value: unknown): boolean {
  return value === 0 || value === false || value === "";
}

function zeroOf(type: string, depth: number): unknown {
  if (type === "string" || type === "bytes") return "";
  if (type === "bool") return false;
  if (isScalar(type)) return 0;
  return decodeMessage(type, new WireReader(new Uint8Array(0)), depth + 1);
}

function sub(r: WireReader): WireReader {
  const [start, end] = r.lengthDelimited();
  return new WireReader(r.bytes, start, end);
}

function wrongWire(where: string, wire: number): ProtobufError {
  return new ProtobufError(`protobuf: field ${where} has wire type ${wire}, which its type cannot have`);
}

/** bytes fields are base64 in JSON (Secret data, ConfigMap binaryData, CA bundles). */
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
