/**
 * The ownership graph of the garbage collector (upstream's GraphBuilder and its uidToNode): one
 * node per object uid, each knowing its ownerReferences and the nodes that name it as owner.
 * Informer events update it incrementally — an event touches the object's node and its direct
 * owners, never the whole graph, so that a cluster of tens of thousands of pods costs a map
 * lookup per change. What needs a closer look (an owner gone, a deletion that waits for or
 * orphans dependents) is handed to the collector's queues through GraphEffects.
 *
 * An owner named by a reference before any informer has shown it becomes a "virtual" node: the
 * collector checks with the API whether it exists, and if not, removes it (virtualDelete), which
 * sends its dependents to be collected.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Where an object is: namespace "" for cluster-scoped ones (or a virtual owner's guess). */
export interface Identity {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

/** The part of an object the graph reads. */
export interface GraphObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    ownerReferences?: OwnerReference[];
  };
}

export const FOREGROUND_FINALIZER = "foregroundDeletion";
export const ORPHAN_FINALIZER = "orphan";

export interface GraphEffects {
  /** The node may need collecting (or, if deleting dependents, may be done). */
  attemptToDelete(node: GraphNode): void;
  /** The node is being deleted with the orphan finalizer: strip references to it. */
  attemptToOrphan(node: GraphNode): void;
  /** A dependent names an owner that cannot be its owner (another namespace). */
  invalidNamespace(dependent: GraphNode, owner: Identity): void;
}

export class GraphNode {
  identity: Identity;
  owners: OwnerReference[];
  readonly dependents = new Set<GraphNode>();
  /** Seen through an informer (false: only named by a dependent's ownerReference). */
  observed: boolean;
  /** Has a deletionTimestamp (one-way). */
  beingDeleted = false;
  /** Being deleted with the foregroundDeletion finalizer: waits for its blocking dependents. */
  deletingDependents = false;

  constructor(identity: Identity, owners: OwnerReference[], observed: boolean) {
    this.identity = identity;
    this.owners = owners;
    this.observed = observed;
  }

  /** Dependents whose reference to this node has blockOwnerDeletion: a foreground deletion waits for them. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const dep of this.dependents) {
      if (dep.owners.some((r) => r.uid === this.identity.uid && r.blockOwnerDeletion === true)) out.push(dep);
    }
    return out;
  }
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** A reference names an object when group, kind and name agree (the version may differ). */
export function referenceMatches(ref: OwnerReference, identity: Identity): boolean {
  return groupOf(ref.apiVersion) === groupOf(identity.apiVersion) && ref.kind === identity.kind && ref.name === identity.name;
}

export function identityOf(o: GraphObject): Identity {
  return { apiVersion: o.apiVersion ?? "", kind: o.kind ?? "", name: o.metadata.name ?? "", namespace: o.metadata.namespace ?? "", uid: o.metadata.uid ?? "" };
}

function sameIdentity(a: Identity, b: Identity): boolean {
  return a.uid === b.uid && a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && a.namespace === b.namespace;
}

function hasFinalizer(o: GraphObject | undefined, finalizer: string): boolean {
  return o?.metadata.finalizers?.includes(finalizer) ?? false;
}

/** Deletion with `finalizer` starts in this change (or the object is first seen that way). */
function deletionStartsWith(old: GraphObject | undefined, o: GraphObject, finalizer: string): boolean {
  if (!o.metadata.deletionTimestamp || !hasFinalizer(o, finalizer)) return false;
  return !old || !old.metadata.deletionTimestamp || !hasFinalizer(old, finalizer);
}

function sameReference(a: OwnerReference, b: OwnerReference): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && a.uid === b.uid &&
    (a.controller ?? false) === (b.controller ?? false) && (a.blockOwnerDeletion ?? false) === (b.blockOwnerDeletion ?? false);
}

export class OwnershipGraph {
  readonly #nodes = new Map<string, GraphNode>();
  readonly #effects: GraphEffects;

  constructor(effects: GraphEffects) {
    this.#effects = effects;
  }

  get size(): number {
    return this.#nodes.size;
  }

  get(uid: string): GraphNode | undefined {
    return this.#nodes.get(uid);
  }

  /** An object was added or changed (`old`: what the informer had before, if anything). */
  observe(o: GraphObject, old?: GraphObject): void {
    const uid = o.metadata.uid;
    if (!uid) return;
    const identity = identityOf(o);
    const owners = (o.metadata.ownerReferences ?? []).filter((r) => r.uid && r.uid !== uid);
    let node = this.#nodes.get(uid);
    if (node && !node.observed) this.#confirmVirtual(node, identity);
    if (!node) {
      node = new GraphNode(identity, owners, true);
      node.beingDeleted = !!o.metadata.deletionTimestamp;
      node.deletingDependents = node.beingDeleted && hasFinalizer(o, FOREGROUND_FINALIZER);
      this.#nodes.set(uid, node);
      this.#addToOwners(node, owners);
    } else {
      node.identity = identity;
      this.#updateOwners(node, owners);
      if (o.metadata.deletionTimestamp) node.beingDeleted = true;
    }
    this.#transitions(old, o, node);
  }

  /** An informer saw the object deleted. */
  forget(o: GraphObject): void {
    const node = o.metadata.uid ? this.#nodes.get(o.metadata.uid) : undefined;
    if (node) this.#remove(node);
  }

  /** The collector verified that a virtual node's object does not exist. */
  virtualDelete(node: GraphNode): void {
    if (node.observed || this.#nodes.get(node.identity.uid) !== node) return;
    this.#remove(node);
  }

  /** A virtual node is seen for real: dependents that named it wrongly get another look. */
  #confirmVirtual(node: GraphNode, identity: Identity): void {
    if (!sameIdentity(node.identity, identity)) {
      for (const dep of node.dependents) {
        const otherNamespace = identity.namespace !== "" && dep.identity.namespace !== identity.namespace;
        const mismatch = otherNamespace || dep.owners.some((r) => r.uid === identity.uid && !referenceMatches(r, identity));
        if (!mismatch) continue;
        if (otherNamespace) this.#effects.invalidNamespace(dep, identity);
        this.#effects.attemptToDelete(dep);
      }
      node.identity = identity;
    }
    node.observed = true;
  }

  #addToOwners(node: GraphNode, refs: OwnerReference[]): void {
    for (const ref of refs) {
      let owner = this.#nodes.get(ref.uid);
      if (!owner) {
        // Not seen yet: a virtual owner, which the collector checks for existence.
        owner = new GraphNode({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace: node.identity.namespace, uid: ref.uid }, [], false);
        this.#nodes.set(ref.uid, owner);
        owner.dependents.add(node);
        this.#effects.attemptToDelete(owner);
        continue;
      }
      owner.dependents.add(node);
      if (!owner.observed) continue;
      if (!referenceMatches(ref, owner.identity)) this.#effects.attemptToDelete(node);
      else if (owner.identity.namespace !== "" && owner.identity.namespace !== node.identity.namespace) {
        this.#effects.invalidNamespace(node, owner.identity);
        this.#effects.attemptToDelete(node);
      }
    }
  }

  #removeFromOwners(node: GraphNode, refs: OwnerReference[]): void {
    for (const ref of refs) {
      const owner = this.#nodes.get(ref.uid);
      if (!owner) continue;
      owner.dependents.delete(node);
      // A virtual owner nobody names any more is forgotten (its pending check finds nothing).
      if (!owner.observed && owner.dependents.size === 0) this.#nodes.delete(ref.uid);
    }
  }

  #updateOwners(node: GraphNode, owners: OwnerReference[]): void {
    const before = new Map(node.owners.map((r) => [r.uid, r]));
    const after = new Map(owners.map((r) => [r.uid, r]));
    const added: OwnerReference[] = [];
    const removed: OwnerReference[] = [];
    let changed = false;
    for (const [uid, ref] of after) {
      const was = before.get(uid);
      if (!was) added.push(ref);
      else if (!sameReference(was, ref)) {
        changed = true;
        // A reference that stops blocking may let a foreground deletion finish.
        if (was.blockOwnerDeletion === true && ref.blockOwnerDeletion !== true) this.#enqueueOwner(uid);
      }
    }
    for (const [uid, ref] of before) {
      if (after.has(uid)) continue;
      removed.push(ref);
      if (ref.blockOwnerDeletion === true) this.#enqueueOwner(uid);
    }
    if (!added.length && !removed.length && !changed) return;
    node.owners = owners;
    this.#addToOwners(node, added);
    this.#removeFromOwners(node, removed);
  }

  #enqueueOwner(uid: string): void {
    const owner = this.#nodes.get(uid);
    if (owner) this.#effects.attemptToDelete(owner);
  }

  #transitions(old: GraphObject | undefined, o: GraphObject, node: GraphNode): void {
    if (deletionStartsWith(old, o, ORPHAN_FINALIZER)) {
      this.#effects.attemptToOrphan(node);
      return;
    }
    if (deletionStartsWith(old, o, FOREGROUND_FINALIZER)) {
      node.deletingDependents = true;
      for (const dep of node.dependents) this.#effects.attemptToDelete(dep);
      this.#effects.attemptToDelete(node);
    }
  }

  #remove(node: GraphNode): void {
    this.#nodes.delete(node.identity.uid);
    for (const ref of node.owners) {
      const owner = this.#nodes.get(ref.uid);
      if (!owner) continue;
      owner.dependents.delete(node);
      // An owner waiting for its dependents may now be done.
      if (owner.deletingDependents) this.#effects.attemptToDelete(owner);
      else if (!owner.observed && owner.dependents.size === 0) this.#nodes.delete(ref.uid);
    }
    for (const dep of node.dependents) this.#effects.attemptToDelete(dep);
  }
}
