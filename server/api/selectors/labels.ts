/**
 * Label selectors, as apimachinery's labels package parses and matches them: the `labelSelector`
 * query parameter (`a=b,c!=d,e in (f,g),!h,i>3`) and metav1.LabelSelector objects
 * (matchLabels/matchExpressions) in specs. Errors carry upstream's messages, since clients show
 * them as they come (`Error from server (BadRequest): unable to parse requirement: ...`).
 */
import { invalidValue, isQualifiedName, isValidLabelValue } from "./label-validation.ts";

export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and unique, as upstream's sets.String makes them. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined | null;

export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  /** True for the selector that matches nothing (a nil metav1.LabelSelector). */
  readonly nothing: boolean;
  matches(labels: Labels): boolean;
  /** The value the selector pins `key` to with `=`, `==` or a one-value `in`, if any. */
  requiresExactMatch(key: string): string | undefined;
  toString(): string;
}

export class LabelSelectorError extends Error {
  override name = "LabelSelectorError";
}

// selection.Operator strings, in upstream's binaryOperators order (for "expected:" messages).
const BINARY_OPERATORS = ["in", "notin", "=", "==", "!=", "gt", "lt"];

function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0]! : `[${errs.join(", ")}]`;
}

/** labels.NewRequirement: validates and builds one requirement; throws with upstream's message. */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[], path?: string): LabelRequirement {
  const errs: string[] = [];
  const child = (name: string) => (path ? `${path}.${name}` : name);
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(invalidValue(child("key"), key, keyErrs.join("; ")));
  const valuesPath = child("values");
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) errs.push(invalidValue(valuesPath, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) errs.push(invalidValue(valuesPath, values, "exact-match compatibility requires one single value"));
      break;
    case "exists":
    case "!":
      if (values.length !== 0) errs.push(invalidValue(valuesPath, values, "values set must be empty for exists and does not exist"));
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) errs.push(invalidValue(valuesPath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push(invalidValue(`${valuesPath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) errs.push(invalidValue(`${valuesPath}[${i}][${key}]`, v, valueErrs.join("; ")));
  });
  if (errs.length > 0) throw new LabelSelectorError(aggregate(errs));
  return { key, operator, values: [...values] };
}

function hasLabel(labels: Labels, key: string): boolean {
  return labels != null && Object.hasOwn(labels, key);
}

export function requirementMatches(r: LabelRequirement, labels: Labels): boolean {
  const has = hasLabel(labels, r.key);
  const value = has ? labels![r.key]! : undefined;
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return has && r.values.includes(value!);
    case "!=":
    case "notin":
      return !has || !r.values.includes(value!);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || !/^[+-]?\d+$/.test(value!) || r.values.length !== 1) return false;
      const l = BigInt(value!);
      const v = BigInt(r.values[0]!);
      return r.operator === "gt" ? l > v : l < v;
    }
  }
}

function requirementString(r: LabelRequirement): string {
  const values = r.values.length === 1 ? r.values[0]! : [...r.values].sort().join(",");
  switch (r.operator) {
    case "exists": return r.key;
    case "!": return `!${r.key}`;
    case "in": return `${r.key} in (${values})`;
    case "notin": return `${r.key} notin (${values})`;
    case "gt": return `${r.key}>${values}`;
    case "lt": return `${r.key}<${values}`;
    default: return `${r.key}${r.operator}${values}`;
  }
}

function makeSelector(requirements: LabelRequirement[], nothing = false): LabelSelector {
  // upstream sorts by key (stable) for a deterministic form
  const sorted = requirements.map((r, i) => [r, i] as const).sort((a, b) => (a[0].key < b[0].key ? -1 : a[0].key > b[0].key ? 1 : a[1] - b[1])).map(([r]) => r);
  return {
    requirements: sorted,
    nothing,
    matches: (labels) => !nothing && sorted.every((r) => requirementMatches(r, labels)),
    requiresExactMatch(key) {
      const r = sorted.find((x) => x.key === key);
      if (!r || !["=", "==", "in"].includes(r.operator) || r.values.length !== 1) return undefined;
      return r.values[0];
    },
    toString: () => sorted.map(requirementString).join(","),
  };
}

export const EVERYTHING: LabelSelector = makeSelector([]);
export const NOTHING: LabelSelector = makeSelector([], true);

// ---- the string syntax -----------------------------------------------------------------------

type Tok = "id" | "end" | ")" | "," | "!" | "==" | "=" | ">" | "in" | "<" | "!=" | "notin" | "(" | "error";
const KEYWORDS: Record<string, Tok> = { ")": ")", ",": ",", "!": "!", "==": "==", "=": "=", ">": ">", in: "in", "<": "<", "!=": "!=", notin: "notin", "(": "(" };
const isSpace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSpecial = (c: string) => "=!(),><".includes(c);

function lex(s: string): Array<{ tok: Tok; lit: string }> {
  const out: Array<{ tok: Tok; lit: string }> = [];
  let pos = 0;
  while (true) {
    while (pos < s.length && isSpace(s[pos]!)) pos++;
    if (pos >= s.length) {
      out.push({ tok: "end", lit: "" });
      return out;
    }
    if (isSpecial(s[pos]!)) {
      // longest run of special characters that is still an operator
      let buffer = "";
      let last: { tok: Tok; lit: string } | undefined;
      while (pos < s.length && isSpecial(s[pos]!)) {
        buffer += s[pos];
        const t = Object.hasOwn(KEYWORDS, buffer) ? KEYWORDS[buffer] : undefined;
        if (t) {
          last = { tok: t, lit: buffer };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      out.push(last ?? { tok: "error", lit: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = "";
      while (pos < s.length && !isSpecial(s[pos]!) && !isSpace(s[pos]!)) buffer += s[pos++];
      out.push({ tok: Object.hasOwn(KEYWORDS, buffer) ? KEYWORDS[buffer]! : "id", lit: buffer });
    }
  }
}

/** Parses a `labelSelector` string; throws LabelSelectorError with upstream's message. */
export function parseLabelSelector(selector: string): LabelSelector {
  const items = lex(selector);
  let position = 0;
  // In value context the keywords `in`/`notin` are plain identifiers.
  const look = (values: boolean) => {
    const it = items[Math.min(position, items.length - 1)]!;
    return values && (it.tok === "in" || it.tok === "notin") ? { tok: "id" as Tok, lit: it.lit } : it;
  };
  const consume = (values: boolean) => {
    const it = look(values);
    position++;
    return it;
  };
  const fail = (msg: string): never => {
    throw new LabelSelectorError(msg);
  };

  const parseRequirement = (): LabelRequirement => {
    let { tok, lit } = consume(true);
    let operator: LabelOperator | undefined;
    if (tok === "!") {
      operator = "!";
      ({ tok, lit } = consume(true));
    }
    if (tok !== "id") fail(`found '${lit}', expected: identifier`);
    const key = lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) fail(invalidValue(undefined, key, keyErrs.join("; ")));
    // `!key` is complete by itself; whatever follows is the caller's to reject.
    if (operator === "!") return newRequirement(key, "!", []);
    const next = look(true).tok;
    if (next === "end" || next === ",") return newRequirement(key, "exists", []);
    const op = consume(false);
    const ops: Partial<Record<Tok, LabelOperator>> = { in: "in", "=": "=", "==": "==", ">": "gt", "<": "lt", notin: "notin", "!=": "!=" };
    const operatorOf = ops[op.tok] ?? fail(`found '${op.lit}', expected: ${BINARY_OPERATORS.join(", ")}`);
    let values: Set<string>;
    if (operatorOf === "in" || operatorOf === "notin") {
      const open = consume(true);
      if (open.tok !== "(") fail(`found '${open.lit}' expected: '('`);
      const first = look(true);
      if (first.tok === "id" || first.tok === ",") {
        values = new Set();
        // a possibly empty list of possibly empty identifiers
        while (true) {
          const t = consume(true);
          if (t.tok === "id") {
            values.add(t.lit);
            const t2 = look(true);
            if (t2.tok === ",") continue;
            if (t2.tok === ")") break;
            fail(`found '${t2.lit}', expected: ',' or ')'`);
          } else if (t.tok === ",") {
            if (values.size === 0) values.add("");
            const t2 = look(true).tok;
            if (t2 === ")") {
              values.add("");
              break;
            }
            if (t2 === ",") values.add("");
          } else {
            fail(`found '${t.lit}', expected: ',', or identifier`);
          }
        }
        if (consume(true).tok !== ")") fail(`found '${first.lit}', expected: ')'`);
      } else if (first.tok === ")") {
        consume(true);
        values = new Set([""]);
      } else {
        return fail(`found '${first.lit}', expected: ',', ')' or identifier`);
      }
    } else {
      const t = look(true);
      if (t.tok === "end" || t.tok === ",") {
        values = new Set([""]);
      } else {
        const v = consume(true);
        if (v.tok !== "id") fail(`found '${v.lit}', expected: identifier`);
        values = new Set([v.lit]);
      }
    }
    return newRequirement(key, operatorOf, [...values].sort());
  };

  const requirements: LabelRequirement[] = [];
  while (true) {
    const { tok, lit } = look(true);
    if (tok === "end") return makeSelector(requirements);
    if (tok !== "id" && tok !== "!") fail(`found '${lit}', expected: !, identifier, or 'end of string'`);
    try {
      requirements.push(parseRequirement());
    } catch (e) {
      if (e instanceof LabelSelectorError) throw new LabelSelectorError(`unable to parse requirement: ${e.message}`);
      throw e;
    }
    const t = consume(true);
    if (t.tok === "end") return makeSelector(requirements);
    if (t.tok === ",") {
      const t2 = look(true);
      if (t2.tok !== "id" && t2.tok !== "!") fail(`found '${t2.lit}', expected: identifier after ','`);
    } else {
      fail(`found '${t.lit}', expected: ',' or 'end of string'`);
    }
  }
}

// ---- metav1.LabelSelector --------------------------------------------------------------------

export interface LabelSelectorObject {
  matchLabels?: Readonly<Record<string, string>> | null;
  matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: readonly string[] | null }> | null;
}

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, `{}` selects everything.
 * Throws LabelSelectorError with upstream's message on a bad key, value or operator.
 */
export function labelSelectorFromObject(obj: LabelSelectorObject | null | undefined): LabelSelector {
  if (obj == null) return NOTHING;
  const requirements: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(obj.matchLabels ?? {})) requirements.push(newRequirement(k, "=", [v]));
  for (const expr of obj.matchExpressions ?? []) {
    const ops: Record<string, LabelOperator> = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" };
    const op = Object.hasOwn(ops, expr.operator) ? ops[expr.operator] : undefined;
    if (!op) throw new LabelSelectorError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    requirements.push(newRequirement(expr.key, op, [...(expr.values ?? [])]));
  }
  return makeSelector(requirements);
}
