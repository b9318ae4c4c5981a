/**
 * Names reconciled one at a time, in arrival order, each at most once while waiting, with a
 * retry after a fixed delay when the reconcile asks for it or fails. The namespace controller and
 * the CRD registrar use it: they must not work on two objects at once (both walk every kind).
 */
import type { Logger } from "../../plugins/mod.ts";

export interface SerialKeyQueueOptions {
  reconcile(name: string): Promise<void>;
  /** Delay before a retried name comes back. */
  retryMs: number;
  log: Logger;
  /** What a failure is about, for the warning (e.g. "namespace"). */
  what: string;
}

export class SerialKeyQueue {
  readonly #o: SerialKeyQueueOptions;
  readonly #pending = new Set<string>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: SerialKeyQueueOptions) {
    this.#o = options;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  enqueue(name: string): void {
    if (this.#stopped) return;
    this.#pending.add(name);
    this.#kick();
  }

  /** Looks at `name` again after the retry delay. */
  later(name: string): void {
    if (this.#stopped) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      this.enqueue(name);
    }, this.#o.retryMs);
    this.#timers.add(t);
  }

  /** Resolves once nothing is pending or running. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #kick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#pending.size > 0) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0 && !this.#stopped) {
      const [name] = this.#pending;
      this.#pending.delete(name);
      try {
        await this.#o.reconcile(name);
      } catch (err) {
        if (this.#stopped) return;
        this.#o.log.warn(`${this.#o.what} reconcile failed; retrying`, { [this.#o.what]: name, error: err });
        this.later(name);
      }
    }
  }
}
