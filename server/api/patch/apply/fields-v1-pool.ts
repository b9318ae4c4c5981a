/**
 * One shared copy of each FieldsV1 subtree (hash-consing). Every stored object carries
 * managedFields, and their FieldsV1 trees repeat: the pods of one template have the same trees
 * but for a few keys (an IP, an owner's uid), and the versions of one object mostly keep them.
 * Built fresh on every write, they were 40 % of the server's heap in the scale benchmark (one
 * `{}` per owned leaf). Stored objects are immutable (the in-process client copies what it hands
 * out), so subtrees can be shared like the rest of an object's unchanged parts.
 *
 * A subtree is identified by its entries' names and their children's identities, so the lookup
 * costs one short string per node. The table forgets everything when it grows past its bound:
 * trees pooled before stay shared, new ones start a new table.
 */
import type { FieldsV1 } from "./field-set.ts";

const MAX_ENTRIES = 200_000;

const ids = new WeakMap<FieldsV1, number>();
const pooledNodes = new WeakSet<FieldsV1>();
let table = new Map<string, FieldsV1>();
let nextId = 1;

/** The pooled node with exactly these entries (each child already pooled), in this order. */
export function pooledFieldsV1(entries: ReadonlyArray<readonly [string, FieldsV1]>): FieldsV1 {
  let key = "";
  for (const [pe, child] of entries) key += `${pe}\u0000${ids.get(child) ?? pool(child)}\u0001`;
  const found = table.get(key);
  if (found) return found;
  const node: FieldsV1 = entries.some(([pe]) => uniqueKey(pe)) ? Object.create(null) : {};
  for (const [pe, child] of entries) node[pe] = child;
  if (table.size >= MAX_ENTRIES) table = new Map();
  table.set(key, node);
  ids.set(node, nextId++);
  pooledNodes.add(node);
  return node;
}

/**
 * Whether a path element names one item (`k:{"ip":"10.0.3.7"}`, `v:...`, `i:3`), which can be
 * unique to one object. A node with such a key is a null-prototype object, which V8 keeps in
 * dictionary mode: adding a never-seen property name to an ordinary `{}` creates a new hidden
 * class as a transition of the empty object's, and once tens of thousands of those (one per pod
 * IP, per owner uid) have filled that transition table, every object built from `{}` (copies,
 * decoded values) got a hidden class of its own: 575,000 of them, 130 MiB, in a heap snapshot of
 * the full scale run.
 */
function uniqueKey(pe: string): boolean {
  return pe[0] === "k" || pe[0] === "v" || pe[0] === "i";
}

/** Whether `node` came out of pooledFieldsV1 (so it is a canonical FieldsV1 tree). */
export function isPooledFieldsV1(node: FieldsV1): boolean {
  return pooledNodes.has(node);
}

/** A child that did not come from the pool gets an identity of its own (never shared). */
function pool(node: FieldsV1): number {
  const id = nextId++;
  ids.set(node, id);
  return id;
}
