/**
 * Validation of a custom resource against its CRD version's structural schema, with the
 * messages kube-openapi's validator gives and apiextensions-apiserver's conversion of them to
 * field errors (pkg/apiserver/validation: kubeOpenAPIResultToFieldErrors): `required` becomes
 * `Required value`, `enum` `Unsupported value`, maxLength `Too long`, maxItems `Too many`, a
 * wrong type `Invalid value: "<actual type>": <path> in body must be of type <type>: "<actual>"`,
 * and the rest `Invalid value: <value>: <path> in body <rule>`.
 *
 * `apiVersion`, `kind` and `metadata` at the root (and of embedded resources) are the generic
 * registry's business: they are skipped here, as upstream validates ObjectMeta separately.
 */
import type { StatusCause } from "../../api/status.ts";
import { deepEqual } from "../rest/deep-equal.ts";
import { invalidValue, notSupported, required, tooLong } from "../validation/field-errors.ts";
import { checkFormat } from "./formats.ts";
import type { JSONSchemaProps } from "./types.ts";

const META_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

/** go-openapi's name for a JSON value's type. */
function jsonType(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(schema: JSONSchemaProps, value: unknown): boolean {
  const actual = jsonType(value);
  if (schema["x-kubernetes-int-or-string"]) return actual === "integer" || actual === "string";
  switch (schema.type) {
    case undefined:
    case "":
      return true;
    case "number":
      return actual === "number" || actual === "integer";
    default:
      return actual === schema.type;
  }
}

function typeError(path: string, schema: JSONSchemaProps, value: unknown): StatusCause {
  const actual = jsonType(value);
  const expected = schema["x-kubernetes-int-or-string"] ? "integer,string" : schema.type!;
  return { reason: "FieldValueTypeInvalid", field: path, message: `Invalid value: ${JSON.stringify(actual)}: ${inBody(path)} must be of type ${expected}: ${JSON.stringify(actual)}` };
}

/** go-openapi names the place `<path> in body`; at the root the path is empty. */
function inBody(path: string): string {
  return path ? `${path} in body` : "in body";
}

function bodyInvalid(path: string, value: unknown, rule: string): StatusCause {
  return invalidValue(path, value, `${inBody(path)} ${rule}`);
}

function childPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Validates `value` at `path` against `schema`; returns the field errors, in document order. */
export function validateValue(schema: JSONSchemaProps, value: unknown, path = "", root = true): StatusCause[] {
  const out: StatusCause[] = [];
  visit(schema, value, path, root, out);
  return out;
}

function visit(schema: JSONSchemaProps, value: unknown, path: string, root: boolean, out: StatusCause[]): void {
  if (value === null) {
    // null is a value only where the schema allows it (nullable, or anything goes).
    if (schema.nullable || (!schema.type && !schema["x-kubernetes-int-or-string"])) return;
    out.push(typeError(path, schema, value));
    return;
  }
  if (!typeMatches(schema, value)) {
    out.push(typeError(path, schema, value));
    return;
  }
  if (schema.enum && !schema.enum.some((e) => deepEqual(e, value))) {
    out.push(notSupported(path, value, schema.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e)))));
  }
  for (const sub of schema.allOf ?? []) visit(sub, value, path, false, out);
  if (schema.anyOf && !schema.anyOf.some((s) => validateValue(s, value, path, false).length === 0)) {
    out.push(bodyInvalid(path, value, "must validate at least one schema (anyOf)"));
  }
  if (schema.oneOf && schema.oneOf.filter((s) => validateValue(s, value, path, false).length === 0).length !== 1) {
    out.push(bodyInvalid(path, value, "must validate one and only one schema (oneOf)"));
  }
  if (schema.not && validateValue(schema.not, value, path, false).length === 0) {
    out.push(bodyInvalid(path, value, "must not validate the schema (not)"));
  }
  if (typeof value === "number") checkNumber(schema, value, path, out);
  else if (typeof value === "string") checkString(schema, value, path, out);
  else if (Array.isArray(value)) checkArray(schema, value, path, out);
  else if (typeof value === "object") checkObject(schema, value as Record<string, unknown>, path, root, out);
}

function checkNumber(schema: JSONSchemaProps, value: number, path: string, out: StatusCause[]): void {
  if (schema.maximum !== undefined) {
    if (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum) {
      out.push(bodyInvalid(path, value, `should be less than ${schema.exclusiveMaximum ? "" : "or equal to "}${schema.maximum}`));
    }
  }
  if (schema.minimum !== undefined) {
    if (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum) {
      out.push(bodyInvalid(path, value, `should be greater than ${schema.exclusiveMinimum ? "" : "or equal to "}${schema.minimum}`));
    }
  }
  if (schema.multipleOf !== undefined && schema.multipleOf > 0) {
    const q = value / schema.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) out.push(bodyInvalid(path, value, `should be a multiple of ${schema.multipleOf}`));
  }
}

function checkString(schema: JSONSchemaProps, value: string, path: string, out: StatusCause[]): void {
  // Lengths count characters (runes), as go-openapi does.
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) out.push(tooLong(path, schema.maxLength));
  if (schema.minLength !== undefined && length < schema.minLength) out.push(bodyInvalid(path, value, `should be at least ${schema.minLength} chars long`));
  if (schema.pattern !== undefined) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(schema.pattern, "u");
    } catch {
      re = undefined;
    }
    if (re && !re.test(value)) out.push(bodyInvalid(path, value, `should match '${schema.pattern}'`));
  }
  if (schema.format && !checkFormat(schema.format, value)) {
    out.push({ reason: "FieldValueTypeInvalid", field: path, message: `Invalid value: ${JSON.stringify(value)}: ${inBody(path)} must be of type ${schema.format}: ${JSON.stringify(value)}` });
  }
}

function checkArray(schema: JSONSchemaProps, value: unknown[], path: string, out: StatusCause[]): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    out.push({ reason: "FieldValueTooMany", field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) out.push(bodyInvalid(path, value, `should have at least ${schema.minItems} items`));
  if (schema.uniqueItems) {
    const dup = value.some((v, i) => value.findIndex((w) => deepEqual(v, w)) !== i);
    if (dup) out.push(bodyInvalid(path, value, "shouldn't contain duplicates"));
  }
  const listType = schema["x-kubernetes-list-type"];
  if (listType === "set") {
    value.forEach((v, i) => {
      if (value.findIndex((w) => deepEqual(v, w)) !== i) out.push({ reason: "FieldValueDuplicate", field: `${path}[${i}]`, message: `Duplicate value: ${JSON.stringify(v)}` });
    });
  } else if (listType === "map") {
    const keys = schema["x-kubernetes-list-map-keys"] ?? [];
    const seen = new Set<string>();
    value.forEach((v, i) => {
      if (!v || typeof v !== "object") return;
      const id = JSON.stringify(keys.map((k) => (v as Record<string, unknown>)[k] ?? null));
      if (seen.has(id)) {
        const shown = Object.fromEntries(keys.map((k) => [k, (v as Record<string, unknown>)[k]]));
        out.push({ reason: "FieldValueDuplicate", field: `${path}[${i}]`, message: `Duplicate value: ${JSON.stringify(shown)}` });
      }
      seen.add(id);
    });
  }
  if (schema.items) value.forEach((v, i) => visit(schema.items!, v, `${path}[${i}]`, false, out));
}

function checkObject(schema: JSONSchemaProps, value: Record<string, unknown>, path: string, root: boolean, out: StatusCause[]): void {
  const skipMeta = root || schema["x-kubernetes-embedded-resource"] === true;
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    out.push({ reason: "FieldValueTooMany", field: path, message: `Too many: ${count}: must have at most ${schema.maxProperties} items` });
  }
  if (schema.minProperties !== undefined && count < schema.minProperties) out.push(bodyInvalid(path, value, `should have at least ${schema.minProperties} properties`));
  for (const name of schema.required ?? []) {
    if (skipMeta && META_FIELDS.has(name)) continue;
    if (!Object.hasOwn(value, name)) out.push(required(childPath(path, name)));
  }
  if (schema["x-kubernetes-embedded-resource"]) {
    // An embedded object must say what it is (upstream validates apiVersion and kind of it).
    if (!value.apiVersion) out.push(required(childPath(path, "apiVersion"), "must not be empty"));
    if (!value.kind) out.push(required(childPath(path, "kind"), "must not be empty"));
  }
  const props = schema.properties ?? {};
  for (const [key, v] of Object.entries(value)) {
    if (skipMeta && META_FIELDS.has(key)) continue;
    const sub = Object.hasOwn(props, key) ? props[key] : typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
    if (sub) visit(sub, v, childPath(path, key), false, out);
  }
}
