/**
 * Field validation of request bodies against the model graph, as kube-apiserver's decoder does it
 * (KEP-2885, `?fieldValidation=Ignore|Warn|Strict`):
 *
 * - unknown fields and duplicate fields are "strict" errors: with Strict the request fails with
 *   `strict decoding error: unknown field "spec.foo", duplicate field "metadata.name"`; with Warn
 *   (the server default) each becomes a `Warning: 299 - "unknown field \"spec.foo\""` header; with
 *   Ignore nothing is said. Unknown fields of built-in kinds are dropped on decode in every mode,
 *   which `pruneUnknownFields` does.
 * - a value of the wrong JSON type fails decoding in every mode, with Go's encoding/json message.
 *
 * Messages and paths follow sigs.k8s.io/json (field paths joined with `.`, list indices as `[i]`,
 * at most 100 strict errors, each message once) and apiserver's handlers (`transformDecodeError`).
 */
import { joinField, scanJsonKeys } from "./json-keys.ts";
import type { FieldType, ModelGraph } from "./model.ts";
import { findTypeError } from "./type-errors.ts";

export type StrictIssueKind = "unknown" | "duplicate";

export interface StrictIssue {
  readonly kind: StrictIssueKind;
  /** `spec.containers[0].foo` */
  readonly path: string;
}

/** sigs.k8s.io/json stops collecting strict errors at 100. */
export const MAX_STRICT_ISSUES = 100;

/** `unknown field "spec.foo"` / `duplicate field "metadata.name"`: a warning's text, one error of a strict failure. */
export function strictIssueMessage(issue: StrictIssue): string {
  return `${issue.kind === "unknown" ? "unknown field" : "duplicate field"} ${JSON.stringify(issue.path)}`;
}

/** `strict decoding error: unknown field "a", duplicate field "b"` (runtime.NewStrictDecodingError). */
export function strictDecodingErrorMessage(issues: readonly StrictIssue[]): string {
  return `strict decoding error: ${issues.map(strictIssueMessage).join(", ")}`;
}

/**
 * The 400 message when a body cannot be decoded into its kind (apiserver `transformDecodeError`):
 * `Pod in version "v1" cannot be handled as a Pod: <cause>`.
 */
export function decodeErrorMessage(kind: string, version: string, cause: string): string {
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${cause}`;
}

/** What lies inside a value of this type: a model's properties, or a map's value type. */
function childType(graph: ModelGraph, type: FieldType, key: string): FieldType | "unknown" | undefined {
  if (type.kind === "object") {
    const model = graph.model(type.model);
    // A model we cannot see (client-node gap) is treated as free-form rather than all-unknown.
    if (!model) return undefined;
    return model.properties.get(key)?.type ?? "unknown";
  }
  if (type.kind === "map") return type.of;
  return undefined;
}

class IssueList {
  readonly issues: StrictIssue[] = [];
  readonly #seen = new Set<string>();
  add(kind: StrictIssueKind, path: string): void {
    const id = `${kind}\0${path}`;
    if (this.issues.length >= MAX_STRICT_ISSUES || this.#seen.has(id)) return;
    this.#seen.add(id);
    this.issues.push({ kind, path });
  }
}

/**
 * Unknown and duplicate fields of a JSON body, in document order, as upstream reports them.
 * Use this when the raw request text is at hand (create, update, apply, and patch bodies).
 */
export function findStrictIssuesInText(graph: ModelGraph, modelName: string, text: string): StrictIssue[] {
  const list = new IssueList();
  scanJsonKeys<FieldType>(text, { kind: "object", model: modelName }, {
    key(parent, key, path, duplicate) {
      if (duplicate) list.add("duplicate", path);
      const child = childType(graph, parent, key);
      if (child === "unknown") {
        list.add("unknown", path);
        return undefined;
      }
      return child;
    },
    element: (parent) => (parent.kind === "array" ? parent.of : undefined),
  });
  return list.issues;
}

/** Unknown fields of an already decoded object (e.g. the result of applying a patch). */
export function findUnknownFields(graph: ModelGraph, modelName: string, value: unknown): StrictIssue[] {
  const list = new IssueList();
  walk(graph, { kind: "object", model: modelName }, value, "", (path) => {
    list.add("unknown", path);
    return false;
  });
  return list.issues;
}

/**
 * Removes unknown fields in place (upstream drops them when decoding built-in kinds, whatever the
 * fieldValidation mode) and returns their paths.
 */
export function pruneUnknownFields(graph: ModelGraph, modelName: string, value: unknown): string[] {
  const removed: string[] = [];
  walk(graph, { kind: "object", model: modelName }, value, "", (path) => {
    removed.push(path);
    return true;
  });
  return removed;
}

// Visits unknown fields in document order; `onUnknown` returns true to delete the field.
function walk(graph: ModelGraph, type: FieldType, value: unknown, path: string, onUnknown: (path: string) => boolean): void {
  // Iterative so that hostile nesting cannot overflow the stack. An item is a value to descend
  // into, or an unknown field to report when its turn comes (so reports keep document order).
  type Item = { t: FieldType; v: unknown; p: string } | { unknownIn: Record<string, unknown>; key: string; p: string };
  const work: Item[] = [{ t: type, v: value, p: path }];
  while (work.length > 0) {
    const item = work.pop()!;
    if ("unknownIn" in item) {
      if (onUnknown(item.p)) delete item.unknownIn[item.key];
      continue;
    }
    const { t, v, p } = item;
    if (v === null || typeof v !== "object") continue;
    const children: Item[] = [];
    if (t.kind === "array") {
      if (Array.isArray(v)) v.forEach((e, i) => children.push({ t: t.of, v: e, p: `${p}[${i}]` }));
    } else if ((t.kind === "object" || t.kind === "map") && !Array.isArray(v)) {
      const obj = v as Record<string, unknown>;
      for (const key of Object.keys(obj)) {
        const child = childType(graph, t, key);
        const childPath = joinField(p, key);
        if (child === "unknown") children.push({ unknownIn: obj, key, p: childPath });
        else if (child !== undefined) children.push({ t: child, v: obj[key], p: childPath });
      }
    }
    // Reversed, so that pops come out in key order.
    for (let i = children.length - 1; i >= 0; i--) work.push(children[i]!);
  }
}

export type FieldValidationMode = "Ignore" | "Warn" | "Strict";

export interface CheckedBody {
  /** The decoded object with unknown fields removed (upstream drops them in every mode). */
  readonly object: unknown;
  /** Warning texts for `Warning: 299 - "<text>"` headers (Warn mode only). */
  readonly warnings: readonly string[];
  /** When set, answer 400 BadRequest with this message. */
  readonly error?: string;
}

/**
 * What a create/update handler does with a JSON body of a built-in kind: a type error fails in
 * every mode (sigs.k8s.io/json reports strict errors only when decoding otherwise succeeded);
 * unknown/duplicate fields fail under Strict, warn under Warn, pass silently under Ignore; unknown
 * fields are pruned. `kind`/`version` name the body's type for the message.
 */
export function checkBody(
  graph: ModelGraph,
  modelName: string,
  text: string,
  decoded: unknown,
  mode: FieldValidationMode,
  type: { kind: string; version: string },
): CheckedBody {
  const typeError = findTypeError(graph, modelName, decoded);
  if (typeError) return { object: decoded, warnings: [], error: decodeErrorMessage(type.kind, type.version, typeError.message) };
  const issues = mode === "Ignore" ? [] : findStrictIssuesInText(graph, modelName, text);
  if (mode === "Strict" && issues.length > 0) {
    return { object: decoded, warnings: [], error: decodeErrorMessage(type.kind, type.version, strictDecodingErrorMessage(issues)) };
  }
  pruneUnknownFields(graph, modelName, decoded);
  return { object: decoded, warnings: issues.map(strictIssueMessage) };
}
