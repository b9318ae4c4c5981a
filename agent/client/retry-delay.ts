/**
 * The waits between reconnects of watches and informers: doubling from 200 ms to 10 s, with
 * jitter so that many watches of one agent do not hit a returning server in the same instant.
 */
import { sleep } from "../../plugins/kit/sleep.ts";

export class RetryDelay {
  #next = 200;

  reset(): void {
    this.#next = 200;
  }

  /** Waits the next delay; resolves false (early) when `signal` aborts. */
  wait(signal: AbortSignal): Promise<boolean> {
    const ms = this.#next * (0.75 + Math.random() / 2);
    this.#next = Math.min(this.#next * 2, 10_000);
    return sleep(ms, signal);
  }
}
