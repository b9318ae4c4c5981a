/**
 * Field errors in the form upstream's validation reports them (apimachinery
 * pkg/util/validation/field): a cause per bad field, with the reason and message text that
 * kubectl prints, e.g. `metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 ...`.
 */
import type { StatusCause } from "../../api/status.ts";

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function invalidValue(field: string, value: unknown, detail: string): StatusCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${show(value)}: ${detail}`, field };
}

export function required(field: string, detail = ""): StatusCause {
  return { reason: "FieldValueRequired", message: detail ? `Required value: ${detail}` : "Required value", field };
}

export function forbiddenField(field: string, detail: string): StatusCause {
  return { reason: "FieldValueForbidden", message: `Forbidden: ${detail}`, field };
}

export function notSupported(field: string, value: unknown, allowed: readonly string[]): StatusCause {
  const list = allowed.map((a) => JSON.stringify(a)).join(", ");
  return { reason: "FieldValueNotSupported", message: `Unsupported value: ${show(value)}: supported values: ${list}`, field };
}

export function duplicate(field: string, value: unknown): StatusCause {
  return { reason: "FieldValueDuplicate", message: `Duplicate value: ${show(value)}`, field };
}

export function tooLong(field: string, max: number): StatusCause {
  return { reason: "FieldValueTooLong", message: `Too long: may not be more than ${max} bytes`, field };
}

export function immutable(field: string, value: unknown): StatusCause {
  return invalidValue(field, value, "field is immutable");
}

/** A reference to something that does not exist (a volumeMount naming no volume). */
export function notFoundField(field: string, value: unknown): StatusCause {
  return { reason: "FieldValueNotFound", message: `Not found: ${show(value)}`, field };
}

/** upstream's validation.InclusiveRangeError text. */
export function inclusiveRange(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}
