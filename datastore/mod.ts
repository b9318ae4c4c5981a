/**
 * The Datastore contract: the part of etcd that the Kubernetes API needs.
 *
 * A datastore holds keys (strings) with values (plain data: objects, arrays, strings, numbers,
 * booleans, null, Uint8Array) under one global revision counter. Every write — create, update,
 * delete — takes the next revision, and revisions are never reused or skipped, so that a change
 * feed read from revision R can promise "every change after R, in order, once".
 *
 * Drivers keep current state and the change log apart (unlike kine's single append-only table),
 * so that reads of current state do not slow down as history grows and the log can be trimmed
 * (compaction) without touching current state.
 *
 * Values handed out by a driver are shared with other readers (the in-process change feed
 * delivers the very object that was written): treat them as immutable.
 */
import type { PluginDefinition } from "../plugins/mod.ts";

export {
  CompactedError,
  ConflictError,
  DatastoreClosedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  isDatastoreError,
} from "./errors.ts";

/** A key with its value and the revisions of its life. */
export interface Entry {
  key: string;
  value: unknown;
  /** Revision of the write that created this key (the current incarnation of it). */
  createRevision: number;
  /** Revision of the last write to this key (for a deleted key: the deleting write). */
  modRevision: number;
}

export type EventType = "create" | "update" | "delete";

/** One change, as the change feed delivers it. */
export interface WatchEvent {
  type: EventType;
  key: string;
  /** The revision of this change. */
  revision: number;
  createRevision: number;
  /** The value after the change; absent on delete. */
  value?: unknown;
  /** The value before the change; absent on create. */
  prevValue?: unknown;
  /** The modRevision of the value before the change; absent on create. */
  prevRevision?: number;
}

export interface ListOptions {
  /** Read as of this revision (0 or absent: the current one). Older than the compacted revision: CompactedError. */
  revision?: number;
  /** At most this many entries (absent or 0: all). */
  limit?: number;
  /** Start after this key (exclusive): the last key of the previous page. */
  after?: string;
}

export interface ListResult {
  /** Entries in ascending key order (byte order of the UTF-8 keys). */
  items: Entry[];
  /** The revision the list was read at. */
  revision: number;
  /** True when `limit` cut the list short: ask again with `after` set to the last key. */
  more: boolean;
}

export interface WatchOptions {
  /**
   * Deliver every change with a revision greater than this one, then follow live changes.
   * Absent: only changes after the revision that is current when `watch()` is called (so a
   * write made after the call is delivered even if iteration starts later). Below the compacted
   * revision: the first step of the iteration throws CompactedError; at it, the watch works.
   */
  fromRevision?: number;
  /** Ends the watch: the iteration finishes without error. */
  signal?: AbortSignal;
}

export interface CompactionStatus {
  /** Changes at or below this revision are no longer in the log. */
  compactRevision: number;
  currentRevision: number;
}

export interface Datastore {
  /** A short name for logs: "sqlite", "postgres", or a plugin's. */
  readonly name: string;

  /** The revision of the last write (0 for an empty store). */
  currentRevision(): Promise<number>;

  /** The key's entry now, or as of `revision`; undefined when it does not exist (then). */
  get(key: string, options?: { revision?: number }): Promise<Entry | undefined>;

  /** Keys that start with `prefix`, in key order, paged by `limit` and `after`. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;

  /** How many keys start with `prefix` now (after `after`, when given). */
  count(prefix: string, options?: { after?: string }): Promise<{ count: number; revision: number }>;

  /** Creates a key that does not exist. Throws KeyExistsError if it does. */
  create(key: string, value: unknown): Promise<Entry>;

  /**
   * Replaces the value of a key whose modRevision is `expectedRevision`.
   * Throws ConflictError (carrying the current entry) when the key moved on, KeyNotFoundError
   * when it is gone.
   */
  update(key: string, value: unknown, expectedRevision: number): Promise<Entry>;

  /**
   * Deletes a key; with `expectedRevision`, only if its modRevision is still that.
   * Returns the deleted entry with `modRevision` set to the revision of the delete.
   * Throws KeyNotFoundError or ConflictError.
   */
  delete(key: string, expectedRevision?: number): Promise<Entry>;

  /** The change feed for keys under `prefix`. */
  watch(prefix: string, options?: WatchOptions): AsyncIterable<WatchEvent>;

  /** Drops log entries at or below `revision` (never beyond the current revision). */
  compact(revision: number): Promise<CompactionStatus>;

  /** Revisions the log still holds. */
  compactionStatus(): Promise<CompactionStatus>;

  /** Ends every watch and releases the store. Later calls throw DatastoreClosedError. */
  close(): Promise<void>;
}

/** What a datastore module's `setup` returns as its `provides`. */
export interface DatastoreProvides {
  datastore: Datastore;
}

/** A datastore module: a plugin that provides a Datastore (`modules.datastore` in the manifest). */
export type DatastorePlugin<Config = unknown> = PluginDefinition<Config, DatastoreProvides>;
