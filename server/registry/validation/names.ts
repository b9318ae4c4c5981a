/**
 * Name and label checks with upstream's messages (apimachinery pkg/util/validation).
 */
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from "../../api/selectors/label-validation.ts";
import type { StatusCause } from "../../api/status.ts";
import { invalidValue } from "./field-errors.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export const DNS1123_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const DNS1035_LABEL_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** Returns the problems with `value` as a name of the given form (empty when fine). */
export type NameCheck = (value: string) => string[];

export const dns1123Label: NameCheck = (v) => {
  const out: string[] = [];
  if (v.length > 63) out.push("must be no more than 63 characters");
  if (!DNS1123_LABEL.test(v)) out.push(DNS1123_LABEL_MESSAGE);
  return out;
};

/** DNS-1123 subdomain (most kinds' names); the checks live with the label selector's. */
export const dns1123Subdomain: NameCheck = isDNS1123Subdomain;

export const dns1035Label: NameCheck = (v) => {
  const out: string[] = [];
  if (v.length > 63) out.push("must be no more than 63 characters");
  if (!DNS1035_LABEL.test(v)) out.push(DNS1035_LABEL_MESSAGE);
  return out;
};

/** Path segment names (most kinds' minimum): no `/`, `%`, `.` or `..`. */
export const pathSegmentName: NameCheck = (v) => {
  if (v === "." || v === "..") return [`may not be '${v}'`];
  for (const bad of ["/", "%"]) if (v.includes(bad)) return [`may not contain '${bad}'`];
  return [];
};

/** Label and annotation keys: an optional DNS subdomain prefix and a name part. */
export const qualifiedNameProblems = isQualifiedName;

export const labelValueProblems = isValidLabelValue;

export function validateLabels(labels: unknown, field: string): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== "object" || Array.isArray(labels)) return [invalidValue(field, labels, "must be a map of strings")];
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const p of qualifiedNameProblems(k)) out.push(invalidValue(field, k, p));
    if (typeof v !== "string") out.push(invalidValue(`${field}.${k}`, v, "must be a string"));
    else for (const p of labelValueProblems(v)) out.push(invalidValue(field, v, p));
  }
  return out;
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateAnnotations(annotations: unknown, field: string): StatusCause[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== "object" || Array.isArray(annotations)) return [invalidValue(field, annotations, "must be a map of strings")];
  const out: StatusCause[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    for (const p of qualifiedNameProblems(k.toLowerCase())) out.push(invalidValue(field, k, p));
    if (typeof v !== "string") out.push(invalidValue(`${field}.${k}`, v, "must be a string"));
    else total += k.length + v.length;
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    out.push({ reason: "FieldValueTooLong", message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`, field });
  }
  return out;
}
