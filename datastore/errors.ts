/**
 * Errors every Datastore driver throws, so that the API server can map them to Kubernetes
 * statuses without knowing the driver: KeyExists → 409 AlreadyExists, Conflict → 409 Conflict,
 * KeyNotFound → 404, Compacted → 410 Expired, FutureRevision → 504 ResourceVersionTooLarge.
 */
import type { Entry } from "./mod.ts";

export class DatastoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

export class KeyExistsError extends DatastoreError {
  readonly key: string;
  constructor(key: string) {
    super("KeyExists", `key already exists: ${key}`);
    this.key = key;
  }
}

export class KeyNotFoundError extends DatastoreError {
  readonly key: string;
  constructor(key: string) {
    super("KeyNotFound", `key not found: ${key}`);
    this.key = key;
  }
}

/** The key's modRevision was not the expected one: someone else wrote it first. */
export class ConflictError extends DatastoreError {
  readonly key: string;
  readonly expectedRevision: number;
  /** The entry as it is now. */
  readonly current: Entry;
  constructor(key: string, expectedRevision: number, current: Entry) {
    super(
      "Conflict",
      `key ${key} is at revision ${current.modRevision}, not the expected ${expectedRevision}`,
    );
    this.key = key;
    this.expectedRevision = expectedRevision;
    this.current = current;
  }
}

/**
 * The asked revision is below the compacted revision: its history is gone. A read or watch at
 * the compacted revision itself is answered (as in etcd): the log keeps every change after it.
 */
export class CompactedError extends DatastoreError {
  readonly revision: number;
  readonly compactRevision: number;
  constructor(revision: number, compactRevision: number) {
    super("Compacted", `revision ${revision} has been compacted (compacted up to ${compactRevision})`);
    this.revision = revision;
    this.compactRevision = compactRevision;
  }
}

/** The asked revision is newer than the store's current revision. */
export class FutureRevisionError extends DatastoreError {
  readonly revision: number;
  readonly currentRevision: number;
  constructor(revision: number, currentRevision: number) {
    super("FutureRevision", `revision ${revision} is newer than the current revision ${currentRevision}`);
    this.revision = revision;
    this.currentRevision = currentRevision;
  }
}

export class DatastoreClosedError extends DatastoreError {
  constructor(name: string) {
    super("Closed", `the ${name} datastore is closed`);
  }
}

/** True for the errors above, also when they come from another copy of this module (a plugin's). */
export function isDatastoreError(err: unknown, code?: string): err is DatastoreError {
  if (!(err instanceof Error) || typeof (err as { code?: unknown }).code !== "string") return false;
  return code === undefined || (err as DatastoreError).code === code;
}
