/**
 * How long a key waits before it is retried, after client-go's default controller rate
 * limiter: per key, exponential back-off from 5 ms doubling to 1000 s; overall, a token bucket of
 * 10 per second with a burst of 100. A retry waits for the longer of the two.
 */
export interface RateLimitOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  qps?: number;
  burst?: number;
  now?: () => number;
}

export class RetryRateLimiter<K> {
  readonly #base: number;
  readonly #max: number;
  readonly #qps: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #failures = new Map<K, number>();
  #tokens: number;
  #last: number;

  constructor(options: RateLimitOptions = {}) {
    this.#base = options.baseDelayMs ?? 5;
    this.#max = options.maxDelayMs ?? 1_000_000;
    this.#qps = options.qps ?? 10;
    this.#burst = options.burst ?? 100;
    this.#now = options.now ?? (() => Date.now());
    this.#tokens = this.#burst;
    this.#last = this.#now();
  }

  /** The delay before the next retry of `key` (and counts the failure). */
  when(key: K): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const backoff = Math.min(this.#max, this.#base * 2 ** Math.min(failures, 40));
    return Math.max(backoff, this.#bucketDelay());
  }

  #bucketDelay(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  failures(key: K): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }
}
