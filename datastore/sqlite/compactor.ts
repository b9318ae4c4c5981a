/**
 * Trims the change log and keeps the files bounded.
 *
 * kine's users met compaction that fell behind churn, that held the write lock long enough to
 * fail writers with "database is locked" (k3s#11269, kine#414), and databases and WALs that
 * grew without bound (k3s#1575, #3660, #5033, #11901). So here:
 * - automatic compaction keeps at most `keepRevisions` revisions and nothing older than
 *   `maxAgeSeconds`, and runs every `intervalSeconds` and also after every `everyWrites` writes,
 *   so churn cannot outrun it;
 * - it deletes in batches of `batchSize` revisions, one short transaction each, yielding to the
 *   event loop between them so writers interleave;
 * - afterwards it returns free pages to the file system when they are a large share of the file
 *   (auto_vacuum=INCREMENTAL) and truncates the WAL (checkpoint TRUNCATE; journal_size_limit
 *   bounds it between checkpoints).
 */
import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "../../plugins/logger.ts";
import type { CompactionOptions } from "../compaction.ts";
import type { Statements } from "./history.ts";

export { type CompactionOptions, defaultCompactionOptions } from "../compaction.ts";

export class Compactor {
  readonly #db: DatabaseSync;
  readonly #stmts: Statements;
  readonly #currentRevision: () => number;
  readonly #options: CompactionOptions;
  readonly #log: Logger;
  #compactRevision: number;
  #writesSinceRun = 0;
  #kick: (() => void) | undefined;
  /** Commits the store's open write transaction, if any, before compaction opens its own. */
  readonly #commitWrites: () => void;
  /** Compactions run one at a time; this is the tail of the queue. */
  #running: Promise<void> = Promise.resolve();
  /** Completed compaction runs (for tests and metrics). */
  runs = 0;

  constructor(
    db: DatabaseSync,
    stmts: Statements,
    currentRevision: () => number,
    options: CompactionOptions,
    log: Logger,
    commitWrites: () => void = () => {},
  ) {
    this.#commitWrites = commitWrites;
    this.#db = db;
    this.#stmts = stmts;
    this.#currentRevision = currentRevision;
    this.#options = options;
    this.#log = log;
    const row = stmts.get("SELECT value FROM meta WHERE name = 'compact_rev'").get() as { value: number };
    this.#compactRevision = row.value;
  }

  get compactRevision(): number {
    return this.#compactRevision;
  }

  /**
   * Called after every committed write: wakes the loop once `everyWrites` have accumulated.
   * The loop yields to the event loop between batches, so writers that never yield to it (a
   * tight loop of awaited writes) could starve it; when the log runs `everyWrites` past its
   * bound, the writer itself pays for one batch, inline. Churn cannot outrun compaction.
   */
  noteWrite(): void {
    if (++this.#writesSinceRun >= this.#options.everyWrites) this.#kick?.();
    if (!this.#options.enabled) return;
    const limit = this.#options.keepRevisions + 2 * this.#options.everyWrites;
    if (this.#currentRevision() - this.#compactRevision <= limit) return;
    try {
      const target = this.#currentRevision() - this.#options.keepRevisions;
      this.#deleteBatch(Math.min(target, this.#compactRevision + this.#options.batchSize));
    } catch (err) {
      // The write that called us has committed; its caller must not see this as its failure.
      this.#log.warn("inline compaction failed", { error: String(err) });
    }
  }

  /** The automatic compaction loop; ends when `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.#options.enabled) return;
    while (!signal.aborted) {
      await this.#sleep(signal);
      if (signal.aborted) return;
      this.#writesSinceRun = 0;
      try {
        await this.compactTo(this.automaticTarget(), signal);
      } catch (err) {
        // Compaction failing (a full disk) must not stop the store; it is retried next round.
        this.#log.warn("automatic compaction failed", { error: String(err) });
      }
    }
  }

  /** The revision automatic compaction compacts up to now. */
  automaticTarget(): number {
    const current = this.#currentRevision();
    let target = current - this.#options.keepRevisions;
    if (this.#options.maxAgeSeconds > 0) {
      const cutoff = Date.now() - this.#options.maxAgeSeconds * 1000;
      // The oldest entry young enough to keep; rows before it are older (ts follows rev, near
      // enough: a clock step back only keeps a few rows longer). None young: all may go.
      const young = this.#stmts.get("SELECT rev FROM log WHERE ts >= ? ORDER BY rev LIMIT 1").get(cutoff) as
        | { rev: number }
        | undefined;
      target = Math.max(target, young ? young.rev - 1 : current);
    }
    return target;
  }

  /** Drops log entries at or below `target` (clamped to the current revision), in batches. */
  compactTo(target: number, signal: AbortSignal): Promise<void> {
    const run = this.#running.then(() => this.#compact(target, signal));
    this.#running = run.catch(() => {});
    return run;
  }

  async #compact(target: number, signal: AbortSignal): Promise<void> {
    target = Math.min(target, this.#currentRevision());
    if (target <= this.#compactRevision || signal.aborted) return;
    const started = this.#compactRevision;
    while (this.#compactRevision < target) {
      this.#deleteBatch(Math.min(target, this.#compactRevision + this.#options.batchSize));
      // Let writers and readers in between batches. The store closes only after aborting us.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (signal.aborted) return;
    }
    this.#reclaimSpace();
    this.runs++;
    this.#log.debug("compacted", { from: started, to: target });
  }

  /** One short transaction: drops the log up to `upTo` and records it as compacted. */
  #deleteBatch(upTo: number): void {
    if (upTo <= this.#compactRevision) return;
    this.#commitWrites();
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      this.#stmts.get("DELETE FROM log WHERE rev <= ?").run(upTo);
      this.#stmts.get("UPDATE meta SET value = ? WHERE name = 'compact_rev'").run(upTo);
      this.#db.exec("COMMIT");
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw err;
    }
    this.#compactRevision = upTo;
  }

  /** Returns free pages when they are over a quarter of the file, then truncates the WAL. */
  #reclaimSpace(): void {
    this.#commitWrites();
    const pages = (this.#db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    const free = (this.#db.prepare("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count;
    // Freed pages are reused by later writes; giving them back only pays when many are idle.
    // incremental_vacuum frees one page per step: step it to the end (Deno's exec() steps once).
    if (free > 256 && free * 4 > pages) this.#db.prepare(`PRAGMA incremental_vacuum(${free})`).all();
    this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  #sleep(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#kick = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.#options.intervalSeconds * 1000);
      signal.addEventListener("abort", done);
      this.#kick = done;
      // Writes may have piled up while the last run ran.
      if (this.#writesSinceRun >= this.#options.everyWrites) done();
    });
  }
}
