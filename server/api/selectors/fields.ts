/**
 * Field selectors, as apimachinery's fields package parses them (`fieldSelector` query parameter):
 * terms joined by `,` (AND), each `field=value`, `field==value` or `field!=value`; `\` escapes `,`,
 * `=` and `\` in values. Which fields a kind supports, and how to read them from an object, is a
 * table (field-tables.ts for built-in kinds; CRDs get metadata.name/namespace plus their
 * selectableFields). A field the kind does not support is a 400 with upstream's message.
 */

export type FieldOperator = "=" | "==" | "!=";

export interface FieldRequirement {
  /** The field as written (upstream does not unescape or trim it). */
  readonly field: string;
  readonly operator: FieldOperator;
  /** The unescaped value. */
  readonly value: string;
}

export class FieldSelectorError extends Error {
  override name = "FieldSelectorError";
}

// Upstream tries these in this order at each position, so `!=` and `==` win over `=`.
const TERM_OPERATORS: readonly FieldOperator[] = ["!=", "==", "="];

/** Splits on commas that are not escaped. */
function splitTerms(selector: string): string[] {
  if (selector === "") return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (escaped) escaped = false;
    else if (c === "\\") escaped = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** Finds the first unescaped operator; returns [lhs, op, rhs]. */
function splitTerm(term: string): [string, FieldOperator, string] | undefined {
  let escaped = false;
  for (let i = 0; i < term.length; i++) {
    if (escaped) {
      escaped = false;
      continue;
    }
    if (term[i] === "\\") {
      escaped = true;
      continue;
    }
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** fields.UnescapeValue, with its error messages (a rune prints as its number: Go's %v of a rune). */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === "\\" || c === "," || c === "=") out += c;
      else throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === "\\") inSlash = true;
    else if (c === "," || c === "=") throw new FieldSelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw new FieldSelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Escapes a value for a selector string (fields.EscapeValue). */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Parses a `fieldSelector` string into requirements, sorted as upstream sorts its terms.
 * Throws FieldSelectorError with upstream's message on bad syntax.
 */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  const parts = splitTerms(selector).sort();
  const out: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const split = splitTerm(part);
    if (!split) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, operator, rhs] = split;
    out.push({ field, operator, value: unescapeFieldValue(rhs) });
  }
  return out;
}

/** Reads a field's value as upstream's fields.Set holds it (absent fields read as ""). */
export type FieldGetter = (obj: unknown) => string;

/** The fields a kind supports: field path -> getter. */
export type FieldTable = ReadonlyMap<string, FieldGetter>;

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  matches(obj: unknown): boolean;
  /** The value `field` must equal (`=`/`==`), if the selector pins it; used to check a URL's name. */
  requiresExactMatch(field: string): string | undefined;
  readonly empty: boolean;
}

/**
 * Checks every field against the kind's table and returns a matcher. Throws FieldSelectorError
 * `field label not supported: <field>` for the first unsupported one.
 * `aliases` maps legacy names to current ones (pods accept `spec.host` for `spec.nodeName`).
 */
export function compileFieldSelector(
  requirements: readonly FieldRequirement[],
  table: FieldTable,
  aliases: Readonly<Record<string, string>> = {},
): FieldSelector {
  const compiled = requirements.map((r) => {
    const field = Object.hasOwn(aliases, r.field) ? aliases[r.field]! : r.field;
    const get = table.get(field);
    if (!get) throw new FieldSelectorError(`field label not supported: ${r.field}`);
    return { req: { ...r, field }, get };
  });
  return {
    requirements: compiled.map((c) => c.req),
    empty: compiled.length === 0,
    matches: (obj) => compiled.every(({ req, get }) => (get(obj) === req.value) === (req.operator !== "!=")),
    requiresExactMatch(field) {
      const r = compiled.find((c) => c.req.field === field);
      return r && r.req.operator !== "!=" ? r.req.value : undefined;
    },
  };
}

/** Parse and compile in one step. */
export function fieldSelectorFor(selector: string, table: FieldTable, aliases?: Readonly<Record<string, string>>): FieldSelector {
  return compileFieldSelector(parseFieldSelector(selector), table, aliases);
}
