/**
 * A simulated container's log, kept in memory (a bounded number of lines), readable as CRI log
 * consumers read theirs: all of it, the last N lines, since a time, with timestamps, and followed
 * until the container's log is closed (the container exited) or the reader aborts.
 */
import type { LogOptions } from "../mod.ts";

interface Line {
  at: number;
  text: string;
}

const MAX_LINES = 1000;

export class MemoryLog {
  readonly #lines: Line[] = [];
  readonly #followers = new Set<(line: Line | undefined) => void>();
  #closed = false;

  write(text: string, at = Date.now()): void {
    if (this.#closed) return;
    const line = { at, text };
    this.#lines.push(line);
    if (this.#lines.length > MAX_LINES) this.#lines.shift();
    for (const f of this.#followers) f(line);
  }

  /** No more lines: followers end. */
  close(): void {
    this.#closed = true;
    for (const f of this.#followers) f(undefined);
    this.#followers.clear();
  }

  stream(options: LogOptions = {}): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    const format = (l: Line) => encoder.encode(`${options.timestamps ? `${new Date(l.at).toISOString().replace("Z", "000000Z")} ` : ""}${l.text}\n`);
    let lines = this.#lines.filter((l) => options.since === undefined || l.at >= options.since);
    if (options.tail !== undefined && options.tail >= 0) lines = lines.slice(Math.max(0, lines.length - options.tail));
    let budget = options.limitBytes ?? Infinity;
    const follow = options.follow === true && !this.#closed;
    let follower: ((line: Line | undefined) => void) | undefined;
    const stop = () => {
      if (follower) this.#followers.delete(follower);
      follower = undefined;
    };
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        const push = (l: Line): boolean => {
          if (budget <= 0) return false;
          let bytes = format(l);
          if (bytes.length > budget) bytes = bytes.slice(0, budget);
          budget -= bytes.length;
          controller.enqueue(bytes);
          return budget > 0;
        };
        for (const l of lines) if (!push(l)) return controller.close();
        if (!follow) return controller.close();
        follower = (l) => {
          if (l && push(l)) return;
          stop();
          controller.close();
        };
        this.#followers.add(follower);
        options.signal?.addEventListener("abort", () => {
          if (!follower) return;
          stop();
          controller.close();
        }, { once: true });
      },
      cancel: stop,
    });
  }
}
