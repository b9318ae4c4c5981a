/**
 * The change feed: LISTEN/NOTIFY tells us that revisions up to N are committed; we read them from
 * the log and hand them to every watcher whose prefix matches. No polling: the only queries are
 * one per notification burst and one catch-up after every (re)connect of the listener.
 *
 * Why it is gap-free: revisions commit in order (see schema.ts), so when the notification for N
 * arrives every revision up to N is visible, and the feed reads the log strictly after the last
 * revision it delivered. A dropped listener connection loses notifications, never log rows: the
 * catch-up after reconnecting reads the current revision and the pump reads everything up to it.
 *
 * Why a watch is gap- and duplicate-free: a watcher registers with the feed and notes the
 * feed's position P at that instant (both synchronous, so no batch can slip between them).
 * Everything after P reaches its inbox live; it replays (fromRevision, P] from the log itself.
 */
import type { Logger } from "../../plugins/mod.ts";
import type { WatchEvent, WatchOptions } from "../mod.ts";
import { CompactedError, DatastoreClosedError } from "../errors.ts";
import { decodeValue } from "./codec.ts";
import { type Pool, createPool, errorCode, sleep } from "./connect.ts";
import { prefixEnd } from "./range.ts";
import { NOTIFY_CHANNEL } from "./schema.ts";
import { Subscription } from "./subscription.ts";
import type { PostgresTarget } from "./url.ts";

/** Rows read per query, by the pump and by replays. */
const BATCH = 1000;

interface LogRow {
  revision: number;
  key: string;
  type: number;
  create_revision: number;
  value: Uint8Array | null;
  prev_value: Uint8Array | null;
  prev_revision: number | null;
}

const TYPES = ["create", "update", "delete"] as const;

function toEvent(row: LogRow): WatchEvent {
  const event: WatchEvent = {
    type: TYPES[row.type]!,
    key: row.key,
    revision: row.revision,
    createRevision: row.create_revision,
  };
  if (row.value) event.value = decodeValue(row.value);
  if (row.prev_value) {
    event.prevValue = decodeValue(row.prev_value);
    event.prevRevision = row.prev_revision!;
  }
  return event;
}

export interface FeedOptions {
  target: PostgresTarget;
  /** The store's pool, for replays. */
  sql: Pool;
  log: Logger;
}

export class ChangeFeed {
  readonly #sql: Pool;
  readonly #log: Logger;
  /** A one-connection pool of our own: LISTEN is per session, and the pump reads on it too so
   * that watch latency does not queue behind writers on the shared pool. */
  readonly #listener: Pool;
  readonly #stop = new AbortController();
  readonly #subs = new Set<Subscription>();
  /** Every revision up to here has been handed to the subscribers. */
  #position = 0;
  /** Revisions up to here are known to be committed. */
  #target = 0;
  #pumping = false;
  #connecting = false;
  /** Bumped whenever the listener connection closes, to notice a close during a reconnect. */
  #closes = 0;
  #closed = false;

  constructor(options: FeedOptions) {
    this.#sql = options.sql;
    this.#log = options.log;
    this.#listener = createPool(options.target, {
      max: 1,
      applicationName: "k3ts-feed",
      onnotify: (channel, payload) => this.#onNotify(channel, payload),
      onclose: () => this.#onClose(),
    });
  }

  /** Listens, and starts the feed at the current revision. */
  async start(): Promise<void> {
    await this.#listener.unsafe(`LISTEN ${NOTIFY_CHANNEL}`);
    const [row] = await this.#listener<{ revision: number }[]>`SELECT revision FROM k3ts_meta WHERE id = 1`;
    this.#position = this.#target = row!.revision;
  }

  get position(): number {
    return this.#position;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort(new DatastoreClosedError("postgres"));
    for (const sub of this.#subs) sub.end();
    this.#subs.clear();
    await this.#listener.end({ timeout: 0 }); // its reads are of no use once closed
  }

  /**
   * `known`: the newest revision this process has seen committed (its own writes and reads).
   * A watch without fromRevision starts after it — or after the feed's position if that is
   * newer — decided at the call, not at the first next(): a write this process finished before
   * the call is never delivered, and one that starts after it always is. (Asking the database
   * instead would race: the query can land after a write that began later.)
   */
  watch(prefix: string, options: WatchOptions, known: number): AsyncIterable<WatchEvent> {
    if (this.#closed) throw new DatastoreClosedError("postgres");
    const from = options.fromRevision ?? Math.max(known, this.#position);
    return this.#iterate(prefix, from, options.signal);
  }

  async *#iterate(prefix: string, from: number, signal?: AbortSignal): AsyncGenerator<WatchEvent> {
    if (this.#closed) throw new DatastoreClosedError("postgres");
    const sub = new Subscription(prefix);
    this.#subs.add(sub);
    const position = this.#position;
    const onAbort = (): void => sub.end();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      let last = from;
      yield* this.#replay(prefix, last, position, signal);
      last = Math.max(last, position);
      for (;;) {
        const event = await sub.take(signal);
        if (event === undefined) return;
        if (event.revision <= last) continue; // replayed already, or before fromRevision
        yield event;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#subs.delete(sub);
    }
  }

  /** Log entries under `prefix` in (from, to], read from the database in batches. */
  async *#replay(prefix: string, from: number, to: number, signal?: AbortSignal): AsyncGenerator<WatchEvent> {
    const end = prefixEnd(prefix);
    const upper = end === undefined ? this.#sql`` : this.#sql`AND key < ${end}`;
    let scanned = from;
    let first = true;
    do {
      if (signal?.aborted) return;
      const rows = await this.#sql<(LogRow & { compact_revision: number })[]>`
        SELECT m.compact_revision, l.* FROM k3ts_meta m LEFT JOIN LATERAL (
          SELECT revision, key, type, create_revision, value, prev_value, prev_revision
          FROM k3ts_log
          WHERE revision > ${scanned} AND revision <= ${to} AND key >= ${prefix} ${upper}
          ORDER BY revision LIMIT ${BATCH}
        ) l ON true
        WHERE m.id = 1
        ORDER BY l.revision`;
      const compacted = rows[0]!.compact_revision;
      // The log no longer holds everything after `scanned`. (The first check also runs when
      // there is nothing to replay: a watch from a compacted revision always fails.)
      if (scanned < compacted) throw new CompactedError(first ? from : scanned, compacted);
      first = false;
      const found = rows.filter((r) => r.revision !== null);
      for (const row of found) yield toEvent(row);
      scanned = found.length === BATCH ? found[found.length - 1]!.revision : to;
    } while (scanned < to);
  }

  #onNotify(channel: string, payload: string): void {
    if (channel !== NOTIFY_CHANNEL) return;
    const revision = Number(payload);
    if (!Number.isSafeInteger(revision)) return;
    if (revision > this.#target) this.#target = revision;
    void this.#pump();
  }

  #onClose(): void {
    this.#closes++;
    if (!this.#closed) void this.#reconnect();
  }

  /** Re-LISTENs with backoff until it holds, then catches up. */
  async #reconnect(): Promise<void> {
    if (this.#connecting) return;
    this.#connecting = true;
    const signal = this.#stop.signal;
    let delay = 100;
    try {
      while (!signal.aborted) {
        const closes = this.#closes;
        try {
          await this.#listener.unsafe(`LISTEN ${NOTIFY_CHANNEL}`);
          const [row] = await this.#listener<{ revision: number }[]>`SELECT revision FROM k3ts_meta WHERE id = 1`;
          if (row!.revision > this.#target) this.#target = row!.revision;
          if (this.#closes !== closes) continue; // lost again meanwhile: listen again
          this.#log.info("change feed reconnected, catching up", {
            from: this.#position,
            to: this.#target,
          });
          void this.#pump();
          return;
        } catch (err) {
          if (signal.aborted) return;
          this.#log.warn("change feed lost its connection, retrying", {
            retryInMs: delay,
            error: err instanceof Error ? err.message : String(err),
            code: errorCode(err),
          });
          await sleep(delay, signal).catch(() => {});
          delay = Math.min(delay * 2, 10_000);
        }
      }
    } finally {
      this.#connecting = false;
    }
  }

  /** Reads the log from the position to the target and fans it out; one pump at a time. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    let retryDelay = 100;
    try {
      while (this.#position < this.#target && !this.#closed) {
        let rows: (LogRow & { compact_revision: number })[];
        try {
          rows = await this.#listener<(LogRow & { compact_revision: number })[]>`
            SELECT m.compact_revision, l.* FROM k3ts_meta m LEFT JOIN LATERAL (
              SELECT revision, key, type, create_revision, value, prev_value, prev_revision
              FROM k3ts_log WHERE revision > ${this.#position}
              ORDER BY revision LIMIT ${BATCH}
            ) l ON true
            WHERE m.id = 1
            ORDER BY l.revision`;
        } catch (err) {
          if (this.#closed) return;
          // Keep at it rather than wait for a notification that may never come (the writes may
          // be over); a lost connection is also re-listened by #reconnect meanwhile.
          this.#log.warn("change feed read failed, retrying", { error: err, retryInMs: retryDelay, position: this.#position });
          await sleep(retryDelay, this.#stop.signal).catch(() => {});
          retryDelay = Math.min(retryDelay * 2, 5_000);
          continue;
        }
        retryDelay = 100;
        const compacted = rows[0]!.compact_revision;
        const found = rows.filter((r) => r.revision !== null);
        const next = found[0]?.revision;
        if (this.#position < compacted && (next === undefined || next > this.#position + 1)) {
          // Compaction removed changes before we read them: those watchers missed events and
          // must start over (the API server answers 410, clients relist).
          const error = new CompactedError(this.#position, compacted);
          this.#log.warn("change feed fell behind compaction; ending watches", { position: this.#position, compacted });
          for (const sub of this.#subs) sub.fail(error);
          this.#subs.clear();
          this.#position = next !== undefined ? next - 1 : compacted;
          continue;
        }
        if (found.length === 0) return; // nothing visible yet: the next notification resumes us
        for (const row of found) {
          const event = toEvent(row);
          for (const sub of this.#subs) if (event.key.startsWith(sub.prefix)) sub.push(event);
        }
        this.#position = found[found.length - 1]!.revision;
      }
    } finally {
      // The loop re-checks the target after every read, so a notification that arrived
      // meanwhile is never left unserved.
      this.#pumping = false;
    }
  }
}
