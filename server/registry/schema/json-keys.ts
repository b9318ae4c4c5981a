/**
 * A scanner over JSON text that visits every object key with its path and whether the key repeats
 * in its object. JSON.parse keeps the last of duplicate keys silently, yet kube-apiserver reports
 * them (`duplicate field "metadata.name"`), so strict field validation needs the text itself.
 *
 * Paths are written as upstream's strict decoder writes them: `spec.containers[0].name`; map
 * entries like fields (`metadata.labels.app`). The scanner is iterative (no recursion), so deep
 * nesting cannot overflow the stack; it assumes text that JSON.parse has already accepted and
 * stops quietly at anything malformed.
 */

/**
 * Chooses what the scanner tracks below each key or element. `C` is the caller's context for a
 * container (a schema node, say); returning `undefined` skips the value's insides.
 */
export interface JsonKeyVisitor<C> {
  /** Called for each key of an object; `duplicate` when the same key came earlier in that object. */
  key(parent: C, key: string, path: string, duplicate: boolean): C | undefined;
  /** Called for each element of an array. */
  element(parent: C, index: number, path: string): C | undefined;
}

interface Frame<C> {
  readonly ctx: C | undefined;
  readonly path: string;
  readonly isObject: boolean;
  readonly seen: Set<string> | undefined;
  index: number;
}

const WS = new Set([" ", "\t", "\n", "\r"]);

export function joinField(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Walks `text` and calls the visitor; `root` is the context of the top-level value. */
export function scanJsonKeys<C>(text: string, root: C, visitor: JsonKeyVisitor<C>): void {
  const stack: Frame<C>[] = [];
  let i = 0;
  const n = text.length;
  const skipWs = () => {
    while (i < n && WS.has(text[i]!)) i++;
  };
  // Reads a string literal starting at text[i] === '"'; returns its value.
  const readString = (): string => {
    const start = i;
    i++;
    let escaped = false;
    while (i < n) {
      const c = text[i]!;
      if (c === "\\") {
        escaped = true;
        i += 2;
        continue;
      }
      i++;
      if (c === '"') break;
    }
    const literal = text.slice(start, i);
    return escaped ? (JSON.parse(literal) as string) : literal.slice(1, -1);
  };
  // The context for the value about to start; undefined means "don't track inside".
  let pending: C | undefined = root;
  let pendingPath = "";

  while (true) {
    skipWs();
    if (i >= n) return;
    const c = text[i]!;
    // A value starts here.
    if (c === "{" || c === "[") {
      const isObject = c === "{";
      stack.push({ ctx: pending, path: pendingPath, isObject, seen: isObject && pending !== undefined ? new Set() : undefined, index: 0 });
      i++;
    } else if (c === '"') {
      readString();
    } else {
      while (i < n && !WS.has(text[i]!) && text[i] !== "," && text[i] !== "}" && text[i] !== "]") i++;
    }
    // After a value (or after opening a container): find the next key/element or close containers.
    while (true) {
      skipWs();
      if (i >= n) return;
      const top = stack.at(-1);
      if (!top) return;
      const ch = text[i]!;
      if (ch === "}" || ch === "]") {
        i++;
        stack.pop();
        if (stack.length === 0) return;
        continue;
      }
      if (ch === ",") i++;
      skipWs();
      if (text[i] === "}" || text[i] === "]") continue;
      if (top.isObject) {
        if (text[i] !== '"') return;
        const key = readString();
        skipWs();
        if (text[i] !== ":") return;
        i++;
        const path = joinField(top.path, key);
        if (top.ctx !== undefined && top.seen) {
          const duplicate = top.seen.has(key);
          top.seen.add(key);
          pending = visitor.key(top.ctx, key, path, duplicate);
        } else {
          pending = undefined;
        }
        pendingPath = path;
      } else {
        const path = `${top.path}[${top.index}]`;
        pending = top.ctx !== undefined ? visitor.element(top.ctx, top.index, path) : undefined;
        pendingPath = path;
        top.index++;
      }
      break;
    }
  }
}

/** Paths of every repeated key in `text`, in document order (each path once). */
export function findDuplicateKeys(text: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  scanJsonKeys<true>(text, true, {
    key(_parent, _key, path, duplicate) {
      if (duplicate && !seen.has(path)) {
        seen.add(path);
        found.push(path);
      }
      return true;
    },
    element: () => true,
  });
  return found;
}
