/**
 * One watcher's inbox: the change feed pushes events in, the watcher's iteration takes them out.
 * The feed never waits for a watcher, so the inbox is unbounded; a watcher that stops reading
 * should abort its signal (the API server ends its watches when clients go away).
 */
import type { WatchEvent } from "../mod.ts";

export class Subscription {
  readonly prefix: string;
  #items: WatchEvent[] = [];
  #head = 0;
  #wake: (() => void) | undefined;
  #error: unknown;
  #failed = false;
  #ended = false;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  push(event: WatchEvent): void {
    if (this.#ended || this.#failed) return;
    this.#items.push(event);
    this.#notify();
  }

  /** The next take() throws `error` once the events before it are taken. */
  fail(error: unknown): void {
    if (this.#ended || this.#failed) return;
    this.#failed = true;
    this.#error = error;
    this.#notify();
  }

  /** The next take() returns undefined once the events before it are taken. */
  end(): void {
    this.#ended = true;
    this.#notify();
  }

  /** The next event; undefined when the subscription ended or `signal` aborted. */
  async take(signal?: AbortSignal): Promise<WatchEvent | undefined> {
    for (;;) {
      if (signal?.aborted) return undefined;
      if (this.#head < this.#items.length) {
        const event = this.#items[this.#head]!;
        this.#items[this.#head++] = undefined as unknown as WatchEvent; // let it be collected
        if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
          this.#items = this.#items.slice(this.#head);
          this.#head = 0;
        }
        return event;
      }
      if (this.#failed) throw this.#error;
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
