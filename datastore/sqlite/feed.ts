/**
 * The in-process change feed: delivers every write to the watchers whose prefix it matches.
 *
 * Each watcher is, like etcd's, either *synced* (it takes live events into its own queue) or
 * *behind* (it reads the log). A new watcher starts behind, at its `fromRevision`, and reads the
 * log in batches; the read that returns less than a full batch has reached the current revision,
 * and the watcher turns synced in that same synchronous step — node:sqlite is synchronous, so no
 * write can fall between the last log read and the switch: no gap, no duplicate.
 *
 * Slow watchers never block writers and never hold unbounded memory: a synced watcher whose
 * queue reaches `maxQueue` events drops its queue and turns behind again, then catches up from
 * the log at its own pace. If compaction overtakes it there, the watch ends with
 * CompactedError — which the API maps to 410 Gone and clients answer with a fresh list.
 */
import { CompactedError } from "../errors.ts";
import type { WatchEvent } from "../mod.ts";

export interface FeedSource {
  /** Changes under `prefix` with revision > `afterRevision`, in revision order, at most `limit`. */
  readAfter(prefix: string, afterRevision: number, limit: number): WatchEvent[];
  compactRevision(): number;
}

export interface FeedOptions {
  /** Events a synced watcher may hold before it falls back to reading the log. */
  maxQueue: number;
  /** Log rows a behind watcher reads at once. */
  batchSize: number;
}

interface Watcher {
  prefix: string;
  behind: boolean;
  queue: WatchEvent[];
  wake: (() => void) | undefined;
}

export class ChangeFeed {
  readonly #source: FeedSource;
  readonly #options: FeedOptions;
  readonly #watchers = new Set<Watcher>();
  #closed = false;
  /** How many times a watcher overflowed its queue (for metrics and tests). */
  overflows = 0;

  constructor(source: FeedSource, options: FeedOptions) {
    this.#source = source;
    this.#options = options;
  }

  get watcherCount(): number {
    return this.#watchers.size;
  }

  /** True when some watcher wants changes of `key`: lets writers skip building events. */
  wants(key: string): boolean {
    for (const w of this.#watchers) if (!w.behind && key.startsWith(w.prefix)) return true;
    return false;
  }

  /** Hands a committed change to the synced watchers whose prefix matches. */
  publish(event: WatchEvent): void {
    for (const w of this.#watchers) {
      if (w.behind || !event.key.startsWith(w.prefix)) continue;
      if (w.queue.length >= this.#options.maxQueue) {
        w.queue = [];
        w.behind = true;
        this.overflows++;
      } else {
        w.queue.push(event);
      }
      wake(w);
    }
  }

  /** Ends every watch: their iterations finish without error. */
  close(): void {
    this.#closed = true;
    for (const w of this.#watchers) wake(w);
  }

  /** Changes under `prefix` after `fromRevision`: replayed from the log, then live. */
  async *watch(prefix: string, fromRevision: number, signal?: AbortSignal): AsyncGenerator<WatchEvent> {
    if (this.#closed || signal?.aborted) return;
    const w: Watcher = { prefix, behind: true, queue: [], wake: undefined };
    let last = fromRevision;
    const onAbort = () => wake(w);
    signal?.addEventListener("abort", onAbort);
    this.#watchers.add(w);
    const ended = () => this.#closed || signal?.aborted === true;
    try {
      while (!ended()) {
        let batch: WatchEvent[];
        if (w.queue.length > 0) {
          batch = w.queue;
          w.queue = [];
        } else if (w.behind) {
          const compacted = this.#source.compactRevision();
          if (last < compacted) throw new CompactedError(last, compacted);
          batch = this.#source.readAfter(prefix, last, this.#options.batchSize);
          // Caught up: from here on, live events reach the queue. Same tick as the read.
          if (batch.length < this.#options.batchSize) w.behind = false;
        } else {
          await new Promise<void>((resolve) => (w.wake = resolve));
          w.wake = undefined;
          continue;
        }
        for (const event of batch) {
          // A watch from a future revision skips what comes before it; also a duplicate guard.
          if (event.revision <= last) continue;
          last = event.revision;
          yield event;
          if (ended()) return;
        }
      }
    } finally {
      this.#watchers.delete(w);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

function wake(w: Watcher): void {
  const resolve = w.wake;
  w.wake = undefined;
  resolve?.();
}
