/**
 * Some upstream field errors print the bad value with Go's `%#v` (a label map, a LabelSelector,
 * an RBAC RoleRef): kubectl users and scripts see that text, e.g.
 * `spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: ...`. These
 * render our JSON values the way Go prints the typed values behind them.
 */
import type { StatusCause } from "../../api/status.ts";

type Obj = Record<string, unknown>;

const goString = (v: unknown) => JSON.stringify(String(v ?? ""));

/** `map[string]string{"a":"1", "b":"2"}` (keys sorted, as fmt sorts maps); nil when absent. */
export function goStringMap(m: unknown): string {
  if (!m || typeof m !== "object" || Array.isArray(m)) return "map[string]string(nil)";
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goString(k)}:${goString((m as Obj)[k])}`).join(", ")}}`;
}

/** `[]string{"a", "b"}`; nil when absent. */
export function goStringSlice(list: unknown): string {
  if (!Array.isArray(list)) return "[]string(nil)";
  return `[]string{${list.map(goString).join(", ")}}`;
}

/** A metav1.LabelSelector value (not a pointer: field errors dereference pointers). */
export function goLabelSelector(selector: unknown): string {
  if (!selector || typeof selector !== "object") return "null";
  const s = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  let expressions = "[]v1.LabelSelectorRequirement(nil)";
  if (Array.isArray(s.matchExpressions)) {
    const items = s.matchExpressions.map((e: Obj) => `v1.LabelSelectorRequirement{Key:${goString(e?.key)}, Operator:${goString(e?.operator)}, Values:${goStringSlice(e?.values)}}`);
    expressions = `[]v1.LabelSelectorRequirement{${items.join(", ")}}`;
  }
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${expressions}}`;
}

/** A field.Invalid cause whose value is already rendered (Go syntax rather than JSON). */
export function invalidRendered(field: string, rendered: string, detail: string): StatusCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${rendered}: ${detail}`, field };
}
