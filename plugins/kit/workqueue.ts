/**
 * A keyed work queue with client-go's guarantees: a key is never processed by two workers at
 * once (the dirty and processing sets), a key added while it is being processed is processed
 * again afterwards, a key added many times while waiting is processed once, and retries are
 * rate limited (rate-limit.ts). Keys are level-based: "namespace/name", not events.
 */
import { type RateLimitOptions, RetryRateLimiter } from "./rate-limit.ts";

export class WorkQueue<K = string> {
  readonly #queue: K[] = [];
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  readonly #waiters: ((key: K | undefined) => void)[] = [];
  readonly #timers = new Map<K, ReturnType<typeof setTimeout>>();
  readonly #limiter: RetryRateLimiter<K>;
  #shutDown = false;

  constructor(options: RateLimitOptions = {}) {
    this.#limiter = new RetryRateLimiter<K>(options);
  }

  get length(): number {
    return this.#queue.length;
  }

  add(key: K): void {
    if (this.#shutDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
    } else this.#queue.push(key);
  }

  /** Adds `key` after `delayMs` (an earlier pending add of the same key wins). */
  addAfter(key: K, delayMs: number): void {
    if (this.#shutDown) return;
    if (delayMs <= 0) return this.add(key);
    if (this.#timers.has(key)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    (timer as { unref?: () => void }).unref?.();
    this.#timers.set(key, timer);
  }

  /** Retries `key` after its back-off. */
  addRateLimited(key: K): void {
    this.addAfter(key, this.#limiter.when(key));
  }

  /** Clears `key`'s back-off (after a success). */
  forget(key: K): void {
    this.#limiter.forget(key);
  }

  retries(key: K): number {
    return this.#limiter.failures(key);
  }

  /** The next key to process (undefined once shut down); the caller must call done(key). */
  get(): Promise<K | undefined> {
    if (this.#queue.length) {
      const key = this.#queue.shift()!;
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    if (this.#shutDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: K): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shutDown) {
      const waiter = this.#waiters.shift();
      if (waiter) {
        this.#dirty.delete(key);
        this.#processing.add(key);
        waiter(key);
      } else this.#queue.push(key);
    }
  }

  shutDown(): void {
    this.#shutDown = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    for (const w of this.#waiters.splice(0)) w(undefined);
  }
}
