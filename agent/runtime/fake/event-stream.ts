/**
 * Fan-out of container events to subscribers, each an async iterable that ends when its signal
 * aborts. A subscriber that falls behind buffers (events are small and the kubelet drains them
 * at once).
 */
import type { ContainerEvent } from "../mod.ts";

export class EventFanOut {
  readonly #subscribers = new Set<(e: ContainerEvent | undefined) => void>();

  publish(event: ContainerEvent): void {
    for (const s of this.#subscribers) s(event);
  }

  /** Ends every subscription. */
  close(): void {
    for (const s of this.#subscribers) s(undefined);
    this.#subscribers.clear();
  }

  subscribe(signal: AbortSignal): AsyncIterable<ContainerEvent> {
    const buffered: ContainerEvent[] = [];
    let ended = signal.aborted;
    let wake: (() => void) | undefined;
    const subscriber = (e: ContainerEvent | undefined) => {
      if (e) buffered.push(e);
      else ended = true;
      wake?.();
    };
    this.#subscribers.add(subscriber);
    signal.addEventListener("abort", () => subscriber(undefined), { once: true });
    const subscribers = this.#subscribers;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (buffered.length) yield buffered.shift()!;
            if (ended) return;
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        } finally {
          subscribers.delete(subscriber);
        }
      },
    };
  }
}
