/**
 * Sets of field paths, as server-side apply tracks ownership (structured-merge-diff's
 * fieldpath.Set) and as `managedFields[].fieldsV1` stores them. A path is a list of path
 * elements written as FieldsV1 writes them: `f:<field>`, `k:<json of the key fields>` (an item
 * of a list-map), `v:<json value>` (an item of a set), `i:<index>`. A set is a trie; a node is a
 * "member" when the path to it is itself in the set (FieldsV1's `.` entry, or an empty `{}`).
 */

import { isPooledFieldsV1, pooledFieldsV1 } from "./fields-v1-pool.ts";

export type PathElement = string;
export type FieldPath = readonly PathElement[];

export class FieldSet {
  member = false;
  readonly children = new Map<PathElement, FieldSet>();

  static of(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: FieldPath): void {
    let node: FieldSet = this;
    for (const pe of path) {
      let next = node.children.get(pe);
      if (!next) node.children.set(pe, (next = new FieldSet()));
      node = next;
    }
    node.member = true;
  }

  has(path: FieldPath): boolean {
    const node = this.at(path);
    return node?.member ?? false;
  }

  /** The subtree at `path`, if any path in the set goes through it. */
  at(path: FieldPath): FieldSet | undefined {
    let node: FieldSet | undefined = this;
    for (const pe of path) node = node?.children.get(pe);
    return node;
  }

  isEmpty(): boolean {
    if (this.member) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** A new set (sets are never shared between results, so inserting into one is safe). */
  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member || other.member;
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      out.children.set(pe, o ? c.union(o) : c.union(EMPTY));
    }
    for (const [pe, c] of other.children) if (!this.children.has(pe)) out.children.set(pe, c.union(EMPTY));
    return out;
  }

  /** Members of this set that are not members of `other`. */
  difference(other: FieldSet | undefined): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !(other?.member ?? false);
    for (const [pe, c] of this.children) {
      const d = c.difference(other?.children.get(pe));
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  /** Members in both sets. */
  intersection(other: FieldSet | undefined): FieldSet {
    const out = new FieldSet();
    if (!other) return out;
    out.member = this.member && other.member;
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.isEmpty()) out.children.set(pe, i);
    }
    return out;
  }

  /** Every prefix of every member made a member: "this path or something under it is in the set". */
  closure(): FieldSet {
    const out = new FieldSet();
    out.member = !this.isEmpty();
    for (const [pe, c] of this.children) if (!c.isEmpty()) out.children.set(pe, c.closure());
    return out;
  }

  /** Member paths, depth first, in element order. */
  paths(prefix: PathElement[] = []): FieldPath[] {
    const out: FieldPath[] = this.member && prefix.length ? [prefix] : [];
    for (const pe of sortedElements(this.children.keys())) out.push(...this.children.get(pe)!.paths([...prefix, pe]));
    return out;
  }

  /** Whether some path is a member of both sets (intersection without building it). */
  overlaps(other: FieldSet): boolean {
    if (this.member && other.member) return true;
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      if (o && c.overlaps(o)) return true;
    }
    return false;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }
}

const EMPTY = new FieldSet();

const ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Field names first, then keys, values, indexes (as upstream serializes), each sorted. */
export function sortedElements(pes: Iterable<PathElement>): PathElement[] {
  return [...pes].sort((a, b) => (ORDER[a[0]!] ?? 9) - (ORDER[b[0]!] ?? 9) || (a < b ? -1 : a > b ? 1 : 0));
}

export type FieldsV1 = { [pe: string]: FieldsV1 };

/**
 * The FieldsV1 JSON of a set: `{"f:spec":{"f:replicas":{}}}`, `"."` marking members with children.
 * Its subtrees are shared with every other tree built here that has the same ones
 * (fields-v1-pool.ts): treat the result as immutable.
 */
export function toFieldsV1(set: FieldSet): FieldsV1 {
  // A set parsed from a pooled tree and left as it was encodes to that same tree.
  return parsedFrom.get(set) ?? fieldsV1Of(set, false);
}

/** `marked`: a member with children gets the `"."` entry (every node but the root). */
function fieldsV1Of(set: FieldSet, marked: boolean): FieldsV1 {
  const entries: Array<[string, FieldsV1]> = [];
  for (const pe of sortedElements(set.children.keys())) {
    const child = set.children.get(pe)!;
    if (child.isEmpty()) continue;
    entries.push([pe, fieldsV1Of(child, true)]);
  }
  if (marked && set.member && entries.length > 0) entries.unshift([".", pooledFieldsV1([])]);
  return pooledFieldsV1(entries);
}

/**
 * Sets already parsed, by FieldsV1 node. Stored trees are immutable and share their subtrees
 * (fields-v1-pool.ts), and no FieldSet operation changes a set in place (they all return new
 * sets), so the parsed tries can share their subtries the same way.
 */
const parsed = new WeakMap<object, FieldSet>();
/** Root sets parsed from pooled (canonical) trees, to those trees. */
const parsedFrom = new WeakMap<FieldSet, FieldsV1>();

/** Parses FieldsV1 JSON; throws on anything that is not one. */
export function fromFieldsV1(json: unknown): FieldSet {
  // The root is a member only with "." (an empty root is the empty set, not a leaf).
  if (isEmptyObject(json)) return new FieldSet();
  const set = parseNode(json);
  // A root member (a "." at the top) never comes out of toFieldsV1: such a tree is not its output.
  if (!set.member && isPooledFieldsV1(json as FieldsV1)) parsedFrom.set(set, json as FieldsV1);
  return set;
}

function isEmptyObject(json: unknown): boolean {
  if (typeof json !== "object" || json === null) return false;
  for (const _ in json) return false;
  return !Array.isArray(json);
}

function parseNode(json: unknown): FieldSet {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("FieldsV1 must be an object");
  const known = parsed.get(json);
  if (known) return known;
  const set = new FieldSet();
  const entries = Object.entries(json);
  // `{}` is a leaf member; a node with children is a member only with ".".
  if (entries.length === 0) set.member = true;
  for (const [pe, child] of entries) {
    if (pe === ".") {
      set.member = true;
      continue;
    }
    if (!/^[fkvi]:/.test(pe)) throw new Error(`invalid path element ${JSON.stringify(pe)}`);
    set.children.set(pe, parseNode(child));
  }
  parsed.set(json, set);
  return set;
}

/** Upstream's path notation for messages: `.spec.containers[name="c"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case "f":
          return `.${body}`;
        case "k": {
          const key = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
        }
        case "v":
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join("");
}
