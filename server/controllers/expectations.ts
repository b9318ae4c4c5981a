/**
 * Controller expectations, after client-go's ControllerExpectations: a controller that has just
 * asked for N pods to be created (or deleted) must not act on its informer's view until the
 * informer has seen those N changes, or it would count the same gap twice and over-create.
 * Counts, not names, because a generateName create's name is known only after the fact and the
 * informer may report the pod before the create call returns. An expectation older than the TTL
 * is treated as met, so that a lost event cannot wedge a controller forever.
 */
const DEFAULT_TTL_MS = 5 * 60_000;

interface Pending {
  adds: number;
  deletes: number;
  at: number;
}

export class Expectations {
  readonly #pending = new Map<string, Pending>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** True when nothing is awaited for `key` (or the wait has expired). */
  satisfied(key: string): boolean {
    const p = this.#pending.get(key);
    if (!p) return true;
    if ((p.adds <= 0 && p.deletes <= 0) || this.#now() - p.at > this.#ttlMs) {
      this.#pending.delete(key);
      return true;
    }
    return false;
  }

  /** Sets what the next writes of `key` will produce (replacing any earlier expectation). */
  expect(key: string, adds: number, deletes: number): void {
    this.#pending.set(key, { adds, deletes, at: this.#now() });
  }

  expectCreations(key: string, n: number): void {
    this.expect(key, n, 0);
  }

  expectDeletions(key: string, n: number): void {
    this.expect(key, 0, n);
  }

  /** An informer saw a creation (or a create call failed, so none will be seen). */
  creationObserved(key: string): void {
    const p = this.#pending.get(key);
    if (p) p.adds--;
  }

  /** An informer saw a deletion start or end (or a delete call failed). */
  deletionObserved(key: string): void {
    const p = this.#pending.get(key);
    if (p) p.deletes--;
  }

  forget(key: string): void {
    this.#pending.delete(key);
  }
}
