/**
 * Group commit for writes.
 *
 * Writers serialize on the revision row until they commit (schema.ts), so the commit's WAL
 * flush sits inside everyone's critical section: with one write per transaction the store
 * manages one write per flush (~950/s with 16 writers on the reference box, below the 1,500/s
 * goal). Here a process sends one write statement at a time; writes that arrive while one is
 * under way queue and go together in the next, as one transaction with one flush (k3ts_write_batch).
 * A lone write goes out at once, as before, so the batching adds no latency when idle.
 *
 * Each write in a batch keeps its own outcome (conflicts are statuses, not errors). If the
 * batch fails with an SQL error (say, a key Postgres cannot store), nothing of it committed, so
 * its writes are retried one by one and only the bad one fails. If the connection fails, the
 * batch may or may not have committed: every write in it fails, none is retried.
 */
import { type Pool, isTransient } from "./connect.ts";

export interface WriteRow {
  status: number;
  revision: number;
  create_revision: number | null;
  mod_revision: number | null;
  value: Uint8Array | null;
}

interface Pending {
  op: number;
  key: string;
  value: Uint8Array | null;
  expected: number | null;
  resolve(row: WriteRow): void;
  reject(err: unknown): void;
}

/** Bounds on one batch: statement count, and value bytes (so one statement stays modest). */
const MAX_WRITES = 128;
const MAX_BYTES = 4 << 20;

export class WriteBatcher {
  readonly #sql: Pool;
  #queue: Pending[] = [];
  #busy = false;

  constructor(sql: Pool) {
    this.#sql = sql;
  }

  write(op: number, key: string, value: Uint8Array | null, expected: number | null): Promise<WriteRow> {
    return new Promise<WriteRow>((resolve, reject) => {
      this.#queue.push({ op, key, value, expected, resolve, reject });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#queue.length > 0) await this.#run(this.#take());
    } finally {
      this.#busy = false;
    }
  }

  #take(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.#queue.length && n < MAX_WRITES) {
      bytes += this.#queue[n]!.value?.byteLength ?? 0;
      if (n > 0 && bytes > MAX_BYTES) break;
      n++;
    }
    return this.#queue.splice(0, n);
  }

  async #run(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.#single(batch[0]!);
    let rows: WriteRow[];
    try {
      rows = await this.#batch(batch);
    } catch (err) {
      if (isTransient(err)) {
        for (const p of batch) p.reject(err);
        return;
      }
      // Rolled back as a whole: find the culprit by running them one by one.
      for (const p of batch) await this.#single(p);
      return;
    }
    batch.forEach((p, i) => p.resolve(rows[i]!));
  }

  async #single(p: Pending): Promise<void> {
    try {
      const [row] = await this.#sql<WriteRow[]>`
        SELECT * FROM k3ts_write(${p.op}::smallint, ${p.key}::text, ${p.value}::bytea, ${p.expected}::bigint)`;
      p.resolve(row!);
    } catch (err) {
      p.reject(err);
    }
  }

  async #batch(batch: Pending[]): Promise<WriteRow[]> {
    const ops = batch.map((p) => ({ o: p.op, k: p.key, x: p.expected, l: p.value ? p.value.byteLength : -1 }));
    const blob = Buffer.concat(batch.flatMap((p) => (p.value ? [p.value] : [])));
    const rows = await this.#sql<WriteRow[]>`
      SELECT * FROM k3ts_write_batch(${JSON.stringify(ops)}::text::json, ${blob}::bytea)`;
    if (rows.length !== batch.length) throw new Error(`k3ts_write_batch returned ${rows.length} rows for ${batch.length} writes`);
    return rows;
  }
}
