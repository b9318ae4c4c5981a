/**
 * An unbounded push → async-iterate queue: the watch cache delivers events synchronously and a
 * consumer reads them with `for await`. Ending it (or the consumer breaking out) unsubscribes.
 */
export class EventQueue<T, S = T> implements AsyncIterable<T> {
  #items: S[] = [];
  /** Turns a queued item into what the consumer gets, when it is taken (so a queue that backs up holds only what was pushed). */
  readonly #take: (item: S) => T;
  #waiting: ((r: IteratorResult<T>) => void) | undefined;
  #ended = false;
  #error: unknown;
  #onStop: (() => void) | undefined;

  constructor(onStop?: () => void, take?: (item: S) => T) {
    this.#onStop = onStop;
    this.#take = take ?? ((item) => item as unknown as T);
  }

  set onStop(f: () => void) {
    this.#onStop = f;
  }

  push(item: S): void {
    if (this.#ended) return;
    const w = this.#waiting;
    if (w) {
      this.#waiting = undefined;
      w({ value: this.#take(item), done: false });
    } else this.#items.push(item);
  }

  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#onStop?.();
    const w = this.#waiting;
    this.#waiting = undefined;
    if (w) {
      if (error !== undefined) this.#reject?.(error);
      else w({ value: undefined, done: true });
    }
  }

  #reject: ((e: unknown) => void) | undefined;

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.#items.length) return Promise.resolve({ value: this.#take(this.#items.shift()!), done: false });
        if (this.#ended) return this.#error !== undefined ? Promise.reject(this.#error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#reject = reject;
        });
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
