/**
 * An index over an informer's objects by their controller's uid, and of the orphans (no
 * controller) by namespace: what client-go controllers get from an indexer so that a reconcile
 * touches only its own objects. Listing the informer per reconcile would be O(all pods) and, with
 * thousands of ReplicaSets, quadratic. One index per informer, shared by every controller that
 * asks (the ReplicaSet, Deployment and StatefulSet controllers all index pods by owner).
 */
import type { Informer, KubeObject } from "../../plugins/client.ts";

type Bucket<T> = Map<string, T>;

export class OwnerIndex<T extends KubeObject> {
  readonly #byOwner = new Map<string, Bucket<T>>();
  readonly #orphans = new Map<string, Bucket<T>>();

  /** Objects whose controller reference has this uid. */
  owned(uid: string): T[] {
    const b = this.#byOwner.get(uid);
    return b ? [...b.values()] : [];
  }

  /** Objects of this namespace that no controller owns. */
  orphans(namespace: string): T[] {
    const b = this.#orphans.get(namespace);
    return b ? [...b.values()] : [];
  }

  add(o: T): void {
    const { bucket, key } = this.#slot(o);
    let b = bucket.get(key);
    if (!b) bucket.set(key, (b = new Map()));
    b.set(objectId(o), o);
  }

  remove(o: T): void {
    const { bucket, key } = this.#slot(o);
    const b = bucket.get(key);
    if (!b) return;
    b.delete(objectId(o));
    if (b.size === 0) bucket.delete(key);
  }

  #slot(o: T): { bucket: Map<string, Bucket<T>>; key: string } {
    const ref = o.metadata.ownerReferences?.find((r) => r.controller === true);
    return ref ? { bucket: this.#byOwner, key: ref.uid } : { bucket: this.#orphans, key: o.metadata.namespace ?? "" };
  }
}

function objectId(o: KubeObject): string {
  return `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

const shared = new WeakMap<Informer<KubeObject>, OwnerIndex<KubeObject>>();

/** The owner index of `informer`, made and kept current on first use. */
export function ownerIndex<T extends KubeObject>(informer: Informer<T>): OwnerIndex<T> {
  const key = informer as unknown as Informer<KubeObject>;
  let index = shared.get(key) as OwnerIndex<T> | undefined;
  if (!index) {
    const made = new OwnerIndex<T>();
    index = made;
    shared.set(key, made as unknown as OwnerIndex<KubeObject>);
    informer.on({
      add: (o) => made.add(o),
      update: (old, o) => {
        made.remove(old);
        made.add(o);
      },
      delete: (o) => made.remove(o),
    });
  }
  return index;
}
