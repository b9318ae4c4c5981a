/**
 * Messages whose JSON form is not an object of their fields: apimachinery's Time, MicroTime,
 * Duration, Quantity, IntOrString, RawExtension, FieldsV1, the string-list wrappers of named
 * slice types, and apiextensions' JSON and JSONSchemaPropsOr* unions. Each decoder returns the
 * value Kubernetes' JSON would show, or undefined where it would show nothing (or null).
 */
import { ProtobufError, WireReader, WireType } from "./wire.ts";

export interface SpecialContext {
  /** The generic decoding of a message's fields, under their JSON names. */
  fields(message: string, r: WireReader): Record<string, unknown>;
  /** A nested "k8s\0" protobuf object (a RawExtension may hold one). */
  envelope(raw: Uint8Array): Record<string, unknown>;
}

export type SpecialDecoder = (r: WireReader, ctx: SpecialContext) => unknown;

/** Go's time.Time{} in Unix seconds: a non-pointer zero Time that JSON shows as null. */
const GO_ZERO_TIME_SECONDS = -62135596800;

/** metav1.Time: seconds precision (upstream drops nanos when it decodes), RFC 3339 in UTC. */
function time(r: WireReader, ctx: SpecialContext): string | undefined {
  if (r.done()) return undefined; // Go writes a zero Time as an empty message
  const { seconds = 0 } = ctx.fields("meta.v1.Time", r) as { seconds?: number };
  if (seconds === GO_ZERO_TIME_SECONDS) return undefined;
  return isoSeconds(seconds) + "Z";
}

/** metav1.MicroTime: RFC 3339 with six fractional digits. */
function microTime(r: WireReader, ctx: SpecialContext): string | undefined {
  if (r.done()) return undefined;
  const { seconds = 0, nanos = 0 } = ctx.fields("meta.v1.MicroTime", r) as { seconds?: number; nanos?: number };
  if (seconds === GO_ZERO_TIME_SECONDS && nanos === 0) return undefined;
  const micros = String(Math.floor(nanos / 1000)).padStart(6, "0");
  return `${isoSeconds(seconds)}.${micros}Z`;
}

function isoSeconds(seconds: number): string {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw new ProtobufError(`protobuf: time ${seconds}s is out of range`);
  return date.toISOString().slice(0, 19);
}

/** metav1.Duration: nanoseconds on the wire, Go's Duration.String() in JSON ("1h0m0s", "1.5s"). */
function duration(r: WireReader, ctx: SpecialContext): string {
  const { duration = 0 } = ctx.fields("meta.v1.Duration", r) as { duration?: number };
  return goDuration(duration);
}

export function goDuration(nanoseconds: number): string {
  if (nanoseconds === 0) return "0s";
  const sign = nanoseconds < 0 ? "-" : "";
  const ns = BigInt(Math.abs(Math.trunc(nanoseconds)));
  if (ns < 1000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) return `${sign}${decimal(ns, 3)}µs`;
  if (ns < 1_000_000_000n) return `${sign}${decimal(ns, 6)}ms`;
  const totalSeconds = ns / 1_000_000_000n;
  const hours = totalSeconds / 3600n;
  const minutes = (totalSeconds % 3600n) / 60n;
  const seconds = decimal(ns % 60_000_000_000n, 9);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** value / 10^digits, with the fraction's trailing zeros (and a bare point) dropped. */
function decimal(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const fraction = (value % scale).toString().padStart(digits, "0").replace(/0+$/, "");
  return fraction ? `${value / scale}.${fraction}` : `${value / scale}`;
}

/** resource.Quantity: its canonical string, as the client wrote it. */
function quantity(r: WireReader, ctx: SpecialContext): string {
  const { string } = ctx.fields("resource.Quantity", r) as { string?: string };
  return string || "0";
}

/** intstr.IntOrString: type 0 = int (intVal), 1 = string (strVal). */
function intOrString(r: WireReader, ctx: SpecialContext): number | string {
  const { type = 0, intVal = 0, strVal = "" } = ctx.fields("intstr.IntOrString", r) as {
    type?: number;
    intVal?: number;
    strVal?: string;
  };
  return type === 1 ? strVal : intVal;
}

/** The bytes of field 1 (RawExtension.raw, FieldsV1.Raw, apiextensions JSON.raw). */
function rawBytes(r: WireReader): Uint8Array | undefined {
  let raw: Uint8Array | undefined;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WireType.lengthDelimited) raw = r.bytesField();
    else r.skip(wire);
  }
  return raw;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseJson(raw: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(utf8.decode(raw));
  } catch {
    throw new ProtobufError(`protobuf: ${what} does not hold valid JSON`);
  }
}

/** runtime.RawExtension: the embedded object, JSON or (from a protobuf client) "k8s\0" protobuf. */
function rawExtension(r: WireReader, ctx: SpecialContext): unknown {
  const raw = rawBytes(r);
  if (!raw || raw.length === 0) return undefined;
  if (raw[0] === 0x6b && raw[1] === 0x38 && raw[2] === 0x73 && raw[3] === 0) return ctx.envelope(raw);
  return parseJson(raw, "an embedded object (RawExtension)");
}

function embeddedJson(what: string): SpecialDecoder {
  return (r) => {
    const raw = rawBytes(r);
    return raw && raw.length > 0 ? parseJson(raw, what) : undefined;
  };
}

/** Named slice types (`type ExtraValue []string`) travel as {repeated string items = 1}. */
function stringList(message: string): SpecialDecoder {
  return (r, ctx) => (ctx.fields(message, r).items as string[] | undefined) ?? [];
}

const PROPS = "apiextensions.v1.JSONSchemaProps";

/** JSONSchemaPropsOrArray: a schema, or a list of schemas. */
function propsOrArray(r: WireReader, ctx: SpecialContext): unknown {
  const { schema, jSONSchemas } = ctx.fields(`${PROPS}OrArray`, r);
  if (Array.isArray(jSONSchemas) && jSONSchemas.length > 0) return jSONSchemas;
  return schema;
}

/** JSONSchemaPropsOrBool: a schema, or true/false. */
function propsOrBool(r: WireReader, ctx: SpecialContext): unknown {
  const { allows, schema } = ctx.fields(`${PROPS}OrBool`, r);
  return schema ?? allows === true;
}

/** JSONSchemaPropsOrStringArray: a list of property names, or a schema. */
function propsOrStringArray(r: WireReader, ctx: SpecialContext): unknown {
  const { schema, property } = ctx.fields(`${PROPS}OrStringArray`, r);
  if (Array.isArray(property) && property.length > 0) return property;
  return schema;
}

export const SPECIAL_MESSAGES: Readonly<Record<string, SpecialDecoder>> = {
  "meta.v1.Time": time,
  "meta.v1.MicroTime": microTime,
  "meta.v1.Duration": duration,
  "meta.v1.FieldsV1": embeddedJson("a managedFields entry (FieldsV1)"),
  "meta.v1.Verbs": stringList("meta.v1.Verbs"),
  "resource.Quantity": quantity,
  "resource.QuantityValue": quantity,
  "intstr.IntOrString": intOrString,
  "runtime.RawExtension": rawExtension,
  "authentication.v1.ExtraValue": stringList("authentication.v1.ExtraValue"),
  "authorization.v1.ExtraValue": stringList("authorization.v1.ExtraValue"),
  "apiextensions.v1.JSON": embeddedJson("a JSON value (apiextensions JSON)"),
  [`${PROPS}OrArray`]: propsOrArray,
  [`${PROPS}OrBool`]: propsOrBool,
  [`${PROPS}OrStringArray`]: propsOrStringArray,
};
