/**
 * Allocation from a range of values (cluster IPs, node ports) with upstream's errors and its
 * two bands (KEP-3070, KEP-3668): a value picked for a client comes from the upper band first,
 * starting at a random place, so that the lower band stays free for values clients ask for
 * (a DNS Service's 10.43.0.10). A dry run checks without taking anything.
 */
import type { AllocationOwner, AllocationRecords } from "./allocation-records.ts";

export type AllocationErrorKind = "full" | "allocated" | "not-in-range";

export class AllocationError extends Error {
  readonly kind: AllocationErrorKind;
  constructor(kind: AllocationErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** A range of values as the allocator sees it: offsets 0..size-1, the first staticSize of them the static band. */
export interface AllocationSpace {
  size: number;
  staticSize: number;
  valueAt(offset: number): string;
  offsetOf(value: string): number | undefined;
  /** "IP" or "port", for "provided IP is already allocated". */
  noun: string;
  /** upstream's ErrNotInRange text for `value`. */
  notInRange(value: string): string;
}

export class Allocator {
  readonly space: AllocationSpace;
  readonly records: AllocationRecords;

  constructor(space: AllocationSpace, records: AllocationRecords) {
    this.space = space;
    this.records = records;
  }

  contains(value: string): boolean {
    return this.space.offsetOf(value) !== undefined;
  }

  /** Takes the value a client asked for. */
  async allocate(value: string, owner: AllocationOwner, dryRun = false): Promise<void> {
    if (!this.contains(value)) throw new AllocationError("not-in-range", this.space.notInRange(value));
    if (dryRun) {
      if (this.records.isTaken(value)) {
        const held = await this.records.get(value);
        if (held && held.owner.uid !== owner.uid) throw this.#allocated();
      }
      return;
    }
    if ((await this.records.claim(value, owner)) === "taken") throw this.#allocated();
  }

  #allocated(): AllocationError {
    return new AllocationError("allocated", `provided ${this.space.noun} is already allocated`);
  }

  /** Picks a free value and takes it; "range is full" when there is none. */
  async allocateNext(owner: AllocationOwner, dryRun = false): Promise<string> {
    // A pick that loses a race with another server is taken in the cache by the time claim()
    // returns (it reads the winner's record consistently), so the next pick skips it: this
    // ends once the range is full.
    for (;;) {
      const value = this.#pick();
      if (value === undefined) throw new AllocationError("full", "range is full");
      if (dryRun) {
        this.records.forget(value);
        return value;
      }
      const outcome = await this.records.claim(value, owner);
      if (outcome !== "taken") return value;
    }
  }

  /** A free value: the upper band from a random offset, then the static band likewise. */
  #pick(): string | undefined {
    const { size, staticSize } = this.space;
    return this.#scan(staticSize, size) ?? this.#scan(0, staticSize);
  }

  #scan(from: number, to: number): string | undefined {
    const n = to - from;
    if (n <= 0) return undefined;
    const start = Math.floor(Math.random() * n);
    for (let i = 0; i < n; i++) {
      const value = this.space.valueAt(from + ((start + i) % n));
      if (!this.records.isTaken(value)) {
        this.records.reserve(value);
        return value;
      }
    }
    return undefined;
  }

  /** Gives a value back (only the owner's, when given). Values outside the range are ignored. */
  async release(value: string, owner?: AllocationOwner): Promise<void> {
    if (!this.contains(value)) return;
    await this.records.release(value, owner);
  }
}
