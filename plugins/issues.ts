/**
 * Turns valibot's issues into lines a user can act on: the key path as written in the file
 * (`plugins[1].with.port`), what was expected and what was found.
 */
import type { BaseIssue } from "valibot";

type Issue = BaseIssue<unknown>;

/** `plugins[1].with.port` for the path [plugins, 1, with, port], after `prefix` if given. */
export function issuePath(issue: Issue, prefix = ""): string {
  let path = prefix;
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === "number") path += `[${key}]`;
    else path += path === "" ? String(key) : `.${String(key)}`;
  }
  return path;
}

/**
 * One issue as `path: expected X, found Y`. `unknownKey` is asked for the line of a key that the
 * schema does not know (it can suggest the nearest known one).
 */
export function describeIssue(
  issue: Issue,
  options: { prefix?: string; unknownKey?: (path: string, key: string) => string } = {},
): string {
  const path = issuePath(issue, options.prefix);
  if (issue.type === "strict_object" && issue.expected === "never") {
    const key = String(issue.path?.at(-1)?.key);
    if (options.unknownKey) return options.unknownKey(path, key);
    return `${path}: unknown key`;
  }
  const where = path === "" ? "(top level)" : path;
  // Custom checks (v.check, v.rawTransform) carry their own message, which already says what was expected.
  if ((issue.kind === "validation" && issue.type === "check") || issue.type === "raw_transform") {
    return `${where}: ${issue.message}, found ${describeInput(issue.input)}`;
  }
  return `${where}: expected ${issue.expected ?? "something else"}, found ${describeInput(issue.input)}`;
}

/** How a found value reads in a message: its type, and the value when it is short. */
export function describeInput(input: unknown): string {
  if (input === undefined) return "nothing";
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "a mapping";
  const text = JSON.stringify(input) ?? String(input);
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `${typeof input} ${shown}`;
}
