/**
 * The time the node lifecycle controller reads: real by default, a fake in tests so that a 40 s
 * grace period or a 300 s toleration can be crossed without waiting for it.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms` (or at once when `signal` aborts). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    }),
};

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}
