/**
 * Who holds an allocated value (a cluster IP, a node port): one small record per value in the
 * datastore, created only if absent. That create is the compare-and-swap that makes allocation
 * safe under concurrent creates and across servers sharing a datastore (Postgres HA): two
 * writers racing for one value cannot both succeed. It is the shape of upstream's newer
 * allocator (an IPAddress object per address) rather than its older single bitmap object, whose
 * every allocation rewrote one hot key and serialized all Service creates on it.
 *
 * Records live under /registry/allocations.k3ts.io/<kind>/<value>, outside the API's catalog, so
 * that the watch cache (which follows the whole keyspace) holds them: "is it taken?" is a memory
 * lookup, and a restarted server sees every allocation without a rebuild step. Writes this
 * process made but the cache has not yet seen are remembered locally until it has.
 */
import { ObjectExistsError, ObjectNotFoundError, type ObjectStore, StaleRevisionError } from "../storage/object-store.ts";
import type { KubeObject } from "../storage/object.ts";
import type { WatchCache } from "../storage/watch-cache.ts";

export interface AllocationOwner {
  namespace: string;
  name: string;
  uid: string;
}

export interface AllocationRecord {
  value: string;
  owner: AllocationOwner;
  /** When the record was written (ms since epoch). */
  createdAt: number;
}

export type ClaimOutcome = "claimed" | "already-ours" | "taken";

const GROUP = "allocations.k3ts.io";

interface LocalState {
  taken: boolean;
  /** The cache revision from which the cache shows this state (Infinity while the write is in flight). */
  visibleAt: number;
}

export class AllocationRecords {
  readonly prefix: string;
  readonly #kind: string;
  readonly #objects: ObjectStore;
  readonly #cache: WatchCache;
  readonly #local = new Map<string, LocalState>();

  /** `resource`: "serviceips" or "servicenodeports"; `kind` names the record objects. */
  constructor(objects: ObjectStore, cache: WatchCache, resource: string, kind: string) {
    this.#objects = objects;
    this.#cache = cache;
    this.#kind = kind;
    this.prefix = `/registry/${GROUP}/${resource}/`;
  }

  #key(value: string): string {
    return this.prefix + value;
  }

  /** Whether `value` is held, as far as this process knows (a hint: claim() is the truth). */
  isTaken(value: string): boolean {
    const local = this.#local.get(value);
    if (local) {
      if (this.#cache.revision < local.visibleAt) return local.taken;
      this.#local.delete(value);
    }
    return this.#cache.get(this.#key(value)) !== undefined;
  }

  /** Marks `value` taken in this process at once (before any await), so that concurrent pickers skip it. */
  reserve(value: string): void {
    this.#local.set(value, { taken: true, visibleAt: Infinity });
  }

  /** Drops what reserve() noted (a dry run's pick). */
  forget(value: string): void {
    if (this.#local.get(value)?.visibleAt === Infinity) this.#local.delete(value);
  }

  /** Writes the record if no one holds `value`; a record of the same owner counts as ours. */
  async claim(value: string, owner: AllocationOwner): Promise<ClaimOutcome> {
    this.reserve(value);
    const record: KubeObject = {
      apiVersion: `${GROUP}/v1`,
      kind: this.#kind,
      metadata: { name: value, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
      owner: { ...owner },
    };
    try {
      const created = await this.#objects.create(this.#key(value), record);
      this.#local.set(value, { taken: true, visibleAt: Number(created.metadata.resourceVersion) });
      return "claimed";
    } catch (err) {
      this.#local.delete(value);
      if (!(err instanceof ObjectExistsError)) throw err;
      const current = await this.get(value);
      return current?.owner.uid === owner.uid ? "already-ours" : "taken";
    }
  }

  /** Removes the record of `value`; with `owner`, only when that owner holds it. */
  async release(value: string, owner?: AllocationOwner): Promise<void> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const current = await this.#objects.get(this.#key(value));
      if (!current) return;
      if (owner && (current.owner as AllocationOwner | undefined)?.uid !== owner.uid) return;
      this.#local.set(value, { taken: false, visibleAt: Infinity });
      try {
        const gone = await this.#objects.delete(this.#key(value), Number(current.metadata.resourceVersion));
        this.#local.set(value, { taken: false, visibleAt: Number(gone.metadata.resourceVersion) });
        return;
      } catch (err) {
        this.#local.delete(value);
        if (err instanceof ObjectNotFoundError) return;
        if (!(err instanceof StaleRevisionError)) throw err;
      }
    }
  }

  /** The current record of `value` (a consistent read). */
  async get(value: string): Promise<AllocationRecord | undefined> {
    const object = await this.#objects.get(this.#key(value));
    return object && toRecord(object);
  }

  /** Every record the cache holds. */
  list(): AllocationRecord[] {
    return this.#cache.list(this.prefix).map((e) => toRecord(e.object));
  }
}

function toRecord(object: KubeObject): AllocationRecord {
  const created = Date.parse(String(object.metadata.creationTimestamp ?? ""));
  return { value: object.metadata.name!, owner: object.owner as AllocationOwner, createdAt: Number.isNaN(created) ? 0 : created };
}
