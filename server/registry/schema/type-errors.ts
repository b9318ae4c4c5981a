/**
 * Finds the first value of the wrong JSON type in a decoded body, with the message Go's decoder
 * gives (kube-apiserver decodes built-in kinds with sigs.k8s.io/json, which keeps encoding/json's
 * `UnmarshalTypeError`): `json: cannot unmarshal string into Go struct field
 * DeploymentSpec.spec.replicas of type int32`. The struct is the one holding the field; the field is
 * the path of field names from the root (no list indices, no map keys). Like Go, only the first
 * error counts, and `null` is accepted anywhere.
 *
 * The handler wraps the message with `decodeErrorMessage` (field-validation.ts) into a 400.
 * Approximations: base64 (`format: byte`) strings are not checked, and a malformed timestamp's
 * message names the year as the unparseable element whatever part is wrong.
 */
import { joinField } from "./json-keys.ts";
import type { FieldType, ModelGraph } from "./model.ts";

export interface FieldTypeError {
  /** `spec.containers[0].ports[0].containerPort`, for a Status cause's field. */
  readonly path: string;
  /** Go's message, as upstream returns it. */
  readonly message: string;
}

const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
export const QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Go's name for the JSON value kind (`UnmarshalTypeError.Value`). */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  switch (typeof v) {
    case "string": return "string";
    case "number": return "number";
    case "boolean": return "bool";
    default: return "object";
  }
}

/** Go's name for the target type, e.g. `int32`, `[]v1.Container`, `map[string]string`. */
function goType(graph: ModelGraph, t: FieldType): string {
  switch (t.kind) {
    case "string": return t.format === "byte" ? "[]uint8" : "string";
    case "integer": return t.format;
    case "number": return "float64";
    case "boolean": return "bool";
    case "date-time": return t.micro ? "v1.MicroTime" : "v1.Time";
    case "int-or-string": return "intstr.IntOrString";
    case "quantity": return "resource.Quantity";
    case "map": return `map[string]${goType(graph, t.of)}`;
    case "array": return `[]${goType(graph, t.of)}`;
    case "object": return goStructName(graph, t.model, true);
    case "raw": return "runtime.RawExtension";
  }
}

function goStructName(graph: ModelGraph, model: string, qualified: boolean): string {
  const schemaName = graph.model(model)?.schemaName ?? model;
  const parts = schemaName.split(".");
  const name = parts.at(-1)!;
  return qualified && parts.length > 1 ? `${parts.at(-2)}.${name}` : name;
}

const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] } as const;

interface Ctx {
  /** Struct holding the current field, and the Go field path (names only). */
  readonly struct: string;
  readonly field: string;
}

function mismatch(graph: ModelGraph, value: string, t: FieldType | string, ctx: Ctx | undefined): string {
  const type = typeof t === "string" ? t : goType(graph, t);
  return ctx
    ? `json: cannot unmarshal ${value} into Go struct field ${ctx.struct}.${ctx.field} of type ${type}`
    : `json: cannot unmarshal ${value} into Go value of type ${type}`;
}

/** The first type error in `value` as model `modelName`, or undefined. */
export function findTypeError(graph: ModelGraph, modelName: string, value: unknown): FieldTypeError | undefined {
  type Item = { t: FieldType; v: unknown; path: string; ctx: Ctx | undefined };
  const work: Item[] = [{ t: { kind: "object", model: modelName }, v: value, path: "", ctx: undefined }];
  while (work.length > 0) {
    const { t, v, path, ctx } = work.pop()!;
    if (v === null || v === undefined) continue;
    const fail = (message: string): FieldTypeError => ({ path, message });
    const kind = jsonKind(v);
    switch (t.kind) {
      case "raw":
        continue;
      case "string":
        if (kind !== "string") return fail(mismatch(graph, kind, t, ctx));
        continue;
      case "boolean":
        if (kind !== "bool") return fail(mismatch(graph, kind, t, ctx));
        continue;
      case "number":
        if (kind !== "number") return fail(mismatch(graph, kind, t, ctx));
        continue;
      case "integer": {
        if (kind !== "number") return fail(mismatch(graph, kind, t, ctx));
        const [min, max] = INT_RANGE[t.format];
        const n = v as number;
        if (!Number.isInteger(n) || n < min || n > max) return fail(mismatch(graph, `number ${String(n)}`, t, ctx));
        continue;
      }
      case "int-or-string":
        // IntOrString.UnmarshalJSON: a string, else an int32 (its errors carry no struct context).
        if (kind === "string") continue;
        if (kind !== "number") return fail(mismatch(graph, kind, "int32", undefined));
        if (!Number.isInteger(v) || (v as number) < INT_RANGE.int32[0] || (v as number) > INT_RANGE.int32[1]) {
          return fail(mismatch(graph, `number ${String(v)}`, "int32", undefined));
        }
        continue;
      case "quantity":
        if ((kind === "string" && QUANTITY_RE.test((v as string).trim())) || kind === "number") continue;
        return fail(QUANTITY_ERROR);
      case "date-time":
        // metav1.Time.UnmarshalJSON: decode a string, then time.Parse(RFC3339).
        if (kind !== "string") return fail(mismatch(graph, kind, "string", undefined));
        if (!RFC3339_RE.test(v as string)) {
          const s = JSON.stringify(v);
          return fail(`parsing time ${s} as "2006-01-02T15:04:05Z07:00": cannot parse ${s} as "2006"`);
        }
        continue;
      case "array": {
        if (kind !== "array") return fail(mismatch(graph, kind, t, ctx));
        const items = v as unknown[];
        for (let i = items.length - 1; i >= 0; i--) work.push({ t: t.of, v: items[i], path: `${path}[${i}]`, ctx });
        continue;
      }
      case "map": {
        if (kind !== "object") return fail(mismatch(graph, kind, t, ctx));
        const entries = Object.entries(v as Record<string, unknown>);
        for (let i = entries.length - 1; i >= 0; i--) {
          const [key, child] = entries[i]!;
          work.push({ t: t.of, v: child, path: joinField(path, key), ctx });
        }
        continue;
      }
      case "object": {
        if (kind !== "object") return fail(mismatch(graph, kind, t, ctx));
        const model = graph.model(t.model);
        if (!model) continue;
        const entries = Object.entries(v as Record<string, unknown>);
        for (let i = entries.length - 1; i >= 0; i--) {
          const [key, child] = entries[i]!;
          const prop = model.properties.get(key);
          if (!prop) continue; // unknown fields are field-validation's business
          const field = ctx ? `${ctx.field}.${key}` : key;
          work.push({ t: prop.type, v: child, path: joinField(path, key), ctx: { struct: goStructName(graph, t.model, false), field } });
        }
        continue;
      }
    }
  }
  return undefined;
}
