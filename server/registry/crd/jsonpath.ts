/**
 * The JSONPath subset that printer columns (`additionalPrinterColumns[].jsonPath`) use, after
 * client-go's util/jsonpath: fields (`.spec.size`, `['a.b']`), indices (`[0]`, `[-1]`), all
 * elements (`[*]`) and filters on elements (`[?(@.type=="Ready")]`, `!=`, `<`, `>`, existence
 * `[?(@.ready)]`). A path yields every value it reaches, in order.
 */

type Step =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "all" }
  | { kind: "filter"; path: Step[]; op?: string; value?: unknown };

export class JsonPathError extends Error {}

/** Parses `.a.b[0]` (also `{.a.b}`, as CRDs sometimes write it). */
export function parseJsonPath(text: string): Step[] {
  let src = text.trim();
  if (src.startsWith("{") && src.endsWith("}")) src = src.slice(1, -1).trim();
  if (src.startsWith("$")) src = src.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ".") {
      i++;
      let name = "";
      while (i < src.length && src[i] !== "." && src[i] !== "[") name += src[i++];
      if (name) steps.push({ kind: "field", name });
      else if (i < src.length && src[i] !== "[") throw new JsonPathError(`invalid path ${text}`);
    } else if (c === "[") {
      const end = matchingBracket(src, i);
      if (end < 0) throw new JsonPathError(`unclosed [ in ${text}`);
      steps.push(parseBracket(src.slice(i + 1, end).trim(), text));
      i = end + 1;
    } else {
      throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(c)} in ${text}`);
    }
  }
  return steps;
}

function matchingBracket(src: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[" || c === "(") depth++;
    else if (c === "]" || c === ")") {
      depth--;
      if (depth === 0 && c === "]") return i;
    }
  }
  return -1;
}

function parseBracket(inner: string, text: string): Step {
  if (inner === "*") return { kind: "all" };
  if (/^-?\d+$/.test(inner)) return { kind: "index", index: Number(inner) };
  const quoted = /^(['"])(.*)\1$/.exec(inner);
  if (quoted) return { kind: "field", name: quoted[2] };
  const filter = /^\?\((.*)\)$/.exec(inner);
  if (filter) {
    const expr = filter[1].trim();
    const m = /^@((?:\.[^.\s=!<>]+|\[[^\]]*\])+)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(expr);
    if (m) return { kind: "filter", path: parseJsonPath(m[1]), op: m[2], value: literal(m[3].trim()) };
    const exists = /^@((?:\.[^.\s]+|\[[^\]]*\])+)$/.exec(expr);
    if (exists) return { kind: "filter", path: parseJsonPath(exists[1]) };
  }
  throw new JsonPathError(`unsupported path element [${inner}] in ${text}`);
}

function literal(text: string): unknown {
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted) return quoted[2];
  if (text === "true" || text === "false") return text === "true";
  if (text === "nil" || text === "null") return null;
  const n = Number(text);
  return Number.isNaN(n) ? text : n;
}

/** Every value `steps` reach from `root`. */
export function evaluate(steps: readonly Step[], root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || v === undefined) continue;
      switch (step.kind) {
        case "field":
          if (typeof v === "object" && !Array.isArray(v) && Object.hasOwn(v, step.name)) next.push((v as Record<string, unknown>)[step.name]);
          break;
        case "index":
          if (Array.isArray(v)) {
            const i = step.index < 0 ? v.length + step.index : step.index;
            if (i >= 0 && i < v.length) next.push(v[i]);
          }
          break;
        case "all":
          if (Array.isArray(v)) next.push(...v);
          else if (typeof v === "object") next.push(...Object.values(v));
          break;
        case "filter":
          if (Array.isArray(v)) for (const e of v) if (matches(step, e)) next.push(e);
          break;
      }
    }
    current = next;
  }
  return current;
}

function matches(step: Extract<Step, { kind: "filter" }>, element: unknown): boolean {
  const found = evaluate(step.path, element);
  if (step.op === undefined) return found.length > 0 && found[0] !== null && found[0] !== false;
  if (found.length === 0) return false;
  const left = found[0];
  const right = step.value;
  switch (step.op) {
    case "==":
      return left === right || String(left) === String(right);
    case "!=":
      return !(left === right || String(left) === String(right));
    case "<":
      return Number(left) < Number(right);
    case ">":
      return Number(left) > Number(right);
    case "<=":
      return Number(left) <= Number(right);
    case ">=":
      return Number(left) >= Number(right);
  }
  return false;
}
