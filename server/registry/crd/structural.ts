/**
 * The structural schema rules CRDs of apiextensions.k8s.io/v1 must follow
 * (pkg/apiserver/schema/validation.go: validateStructuralInvariants and friends): every node
 * says its type (unless it is int-or-string or preserves unknown fields), the root is an object,
 * `properties` and `additionalProperties` exclude each other, `metadata` may only restrict name
 * and generateName, and defaults must themselves be valid. Messages and paths as upstream.
 */
import type { StatusCause } from "../../api/status.ts";
import { forbiddenField, invalidValue, required } from "../validation/field-errors.ts";
import { prune } from "./pruning.ts";
import { validateValue } from "./schema-validation.ts";
import type { JSONSchemaProps } from "./types.ts";

type Level = "root" | "field" | "item";

const KNOWN_LIST_TYPES = ["atomic", "set", "map"];

export function validateStructural(schema: JSONSchemaProps, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  visit(schema, path, "root", out);
  return out;
}

function visit(s: JSONSchemaProps, path: string, level: Level, out: StatusCause[]): void {
  if (!s || typeof s !== "object") return;
  const embedded = s["x-kubernetes-embedded-resource"] === true;
  if (embedded && s.type !== "object") {
    if (!s.type) out.push(required(`${path}.type`, "must be object if x-kubernetes-embedded-resource is true"));
    else out.push(invalidValue(`${path}.type`, s.type, "must be object if x-kubernetes-embedded-resource is true"));
  } else if (!s.type && !s["x-kubernetes-int-or-string"] && !s["x-kubernetes-preserve-unknown-fields"]) {
    const detail = level === "root" ? "must not be empty at the root" : level === "item" ? "must not be empty for specified array items" : "must not be empty for specified object fields";
    out.push(required(`${path}.type`, detail));
  }
  if (level === "root" && s.type && s.type !== "object") out.push(invalidValue(`${path}.type`, s.type, "must be object at the root"));
  if (s.type && !["object", "array", "string", "integer", "number", "boolean"].includes(s.type)) {
    out.push({ reason: "FieldValueNotSupported", field: `${path}.type`, message: `Unsupported value: ${JSON.stringify(s.type)}: supported values: "array", "boolean", "integer", "number", "object", "string"` });
  }
  if (s["x-kubernetes-int-or-string"] && s.type) {
    out.push(invalidValue(`${path}.type`, s.type, "must be empty if x-kubernetes-int-or-string is true"));
  }
  if (s.$ref !== undefined) out.push(forbiddenField(`${path}.$ref`, "$ref is not supported"));
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== true) {
    out.push(forbiddenField(`${path}.additionalProperties`, "additionalProperties and properties are mutual exclusive"));
  }
  if (s.additionalProperties === false) out.push(forbiddenField(`${path}.additionalProperties`, "must not be false"));
  if (s.uniqueItems === true) out.push(forbiddenField(`${path}.uniqueItems`, "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
  if (s.type === "array" && !s.items) out.push(required(`${path}.items`, "must be specified"));
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, "u");
    } catch (err) {
      out.push(invalidValue(`${path}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${(err as Error).message}`));
    }
  }
  const listType = s["x-kubernetes-list-type"];
  if (listType !== undefined && !KNOWN_LIST_TYPES.includes(listType)) {
    out.push({ reason: "FieldValueNotSupported", field: `${path}.x-kubernetes-list-type`, message: `Unsupported value: ${JSON.stringify(listType)}: supported values: "atomic", "map", "set"` });
  }
  if (listType === "map" && !(s["x-kubernetes-list-map-keys"]?.length)) {
    out.push(required(`${path}.x-kubernetes-list-map-keys`, "must not be empty if x-kubernetes-list-type is map"));
  }
  if (s["x-kubernetes-list-map-keys"]?.length && listType !== "map") {
    out.push(forbiddenField(`${path}.x-kubernetes-list-map-keys`, "must not be set if x-kubernetes-list-type is not map"));
  }
  if (level === "root" || embedded) checkMetadataSchema(s, path, out);
  if (s.default !== undefined) checkDefault(s, path, out);

  for (const [name, child] of Object.entries(s.properties ?? {})) visit(child, `${path}.properties[${name}]`, "field", out);
  if (typeof s.additionalProperties === "object") visit(s.additionalProperties, `${path}.additionalProperties`, "field", out);
  if (s.items) {
    if (Array.isArray(s.items)) out.push(forbiddenField(`${path}.items`, "items must be a schema object and not an array"));
    else visit(s.items, `${path}.items`, "item", out);
  }
  for (const key of ["allOf", "anyOf", "oneOf"] as const) {
    (s[key] ?? []).forEach((sub, i) => checkValueValidation(sub, `${path}.${key}[${i}]`, out));
  }
  if (s.not) checkValueValidation(s.not, `${path}.not`, out);
}

/** Inside allOf/anyOf/oneOf/not only value validations are allowed, no types or defaults. */
function checkValueValidation(s: JSONSchemaProps, path: string, out: StatusCause[]): void {
  for (const key of ["type", "default", "nullable", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource"]) {
    if (s[key] !== undefined) out.push(forbiddenField(`${path}.${key}`, "must be empty to be structural"));
  }
}

function checkMetadataSchema(s: JSONSchemaProps, path: string, out: StatusCause[]): void {
  for (const key of ["kind", "apiVersion"] as const) {
    const p = s.properties?.[key];
    if (p && p.type !== "string") out.push(invalidValue(`${path}.properties[${key}].type`, p.type ?? "", "must be string"));
  }
  const meta = s.properties?.metadata;
  if (!meta) return;
  if (meta.type && meta.type !== "object") out.push(invalidValue(`${path}.properties[metadata].type`, meta.type, "must be object"));
  const allowed = new Set(["type", "properties", "description"]);
  const extra = Object.keys(meta).some((k) => !allowed.has(k));
  const props = Object.keys(meta.properties ?? {});
  const onlyNames = props.every((p) => p === "name" || p === "generateName");
  if (extra || !onlyNames) {
    out.push(forbiddenField(`${path}.properties[metadata]`, "must not specify anything other than name and generateName, but metadata is implicitly specified"));
  }
}

function checkDefault(s: JSONSchemaProps, path: string, out: StatusCause[]): void {
  const value = structuredClone(s.default);
  const removed = prune(value, s, false);
  if (removed.length > 0) out.push(invalidValue(`${path}.default`, s.default, `must not have unknown fields, got ${removed.map((r) => JSON.stringify(r)).join(", ")}`));
  for (const cause of validateValue({ ...s, default: undefined }, value, "", false)) {
    out.push({ ...cause, field: cause.field ? `${path}.default.${cause.field}` : `${path}.default` });
  }
}
