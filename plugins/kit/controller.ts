/**
 * A level-based controller: keys go into a work queue (from informer handlers, or anywhere),
 * workers take them one at a time and reconcile — read the current state, make the world match.
 * A failed reconcile is retried with back-off; a result may ask to be looked at again later.
 * This is the shape of controller-runtime's Reconciler, over our Client and informers.
 */
import type { Logger } from "../logger.ts";
import { WorkQueue } from "./workqueue.ts";
import { yieldToLoop } from "./yield.ts";
import type { RateLimitOptions } from "./rate-limit.ts";

export interface ReconcileResult {
  /** Look at this key again after this many milliseconds (a timer, not a failure). */
  requeueAfterMs?: number;
}

export interface ControllerOptions {
  name: string;
  /** How many keys are reconciled at once (never the same key twice at once). Default 1. */
  workers?: number;
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void>;
  log: Logger;
  rateLimit?: RateLimitOptions;
  /** Give up retrying a key after this many failures (default: never). */
  maxRetries?: number;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  readonly #o: ControllerOptions;
  #running: Promise<void> | undefined;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#o = options;
    this.queue = new WorkQueue<string>(options.rateLimit);
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  /** Runs the workers until `signal` aborts; resolves when they have all stopped. */
  start(signal: AbortSignal): Promise<void> {
    if (this.#running) return this.#running;
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    const workers = Array.from({ length: this.#o.workers ?? 1 }, () => this.#work(signal));
    this.#running = Promise.all(workers).then(() => {});
    return this.#running;
  }

  async #work(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const result = await this.#o.reconcile(key, signal);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        if (signal.aborted) return;
        const retries = this.queue.retries(key);
        if (this.#o.maxRetries !== undefined && retries >= this.#o.maxRetries) {
          this.#o.log.error("giving up on a key", { controller: this.name, key, error: err });
          this.queue.forget(key);
        } else {
          this.#o.log.debug("reconcile failed; retrying", { controller: this.name, key, retries, error: err });
          this.queue.addRateLimited(key);
        }
      } finally {
        this.queue.done(key);
      }
      // Let I/O (HTTP responses, watch streams) run between items when the loop has been busy.
      const pause = yieldToLoop();
      if (pause) await pause;
    }
  }
}

/** The work-queue key of an object: "namespace/name", or "name" for cluster-scoped ones. */
export function objectKey(o: { metadata: { name?: string; namespace?: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
