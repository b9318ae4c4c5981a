/**
 * Restart back-off per (pod, container), as the kubelet's flowcontrol.Backoff: the first restart
 * is immediate; each further one waits twice as long as the last (10 s, 20 s, ... up to 5 min),
 * counted from when the container last exited; an entry idle for twice the maximum is forgotten,
 * so that a container that ran fine for long starts over at the initial delay.
 */
export interface BackOffOptions {
  initialMs?: number;
  maxMs?: number;
  now?: () => number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class BackOff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: BackOffOptions = {}) {
    this.initialMs = options.initialMs ?? 10_000;
    this.maxMs = options.maxMs ?? 300_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * When `key`, which last exited at `exitedAt`, may be restarted: 0 if now, else the time
   * (epoch ms) its back-off ends.
   */
  waitUntil(key: string, exitedAt: number): number {
    const e = this.#live(key);
    if (!e) return 0;
    const until = exitedAt + e.delayMs;
    return until > this.#now() ? until : 0;
  }

  /** The current delay of `key` (for the CrashLoopBackOff message), 0 if none. */
  delay(key: string): number {
    return this.#live(key)?.delayMs ?? 0;
  }

  /** Records a restart of `key`: the next one waits longer. */
  next(key: string): void {
    const e = this.#live(key);
    const now = this.#now();
    if (!e) this.#entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
    else {
      e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
      e.lastUpdate = now;
    }
  }

  /** Forgets every key that starts with `prefix` (a pod's, when it goes). */
  forgetPrefix(prefix: string): void {
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (e && this.#now() - e.lastUpdate > 2 * this.maxMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }
}
