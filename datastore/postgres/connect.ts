/**
 * Opening connections: the pool, the wait for an unreachable server, and creating the database
 * when it is missing (k3s does the same for a `--datastore-endpoint` whose database is absent).
 */
import postgres from "postgres";
import type { Options, PostgresType, Sql } from "postgres";
import type { Logger } from "../../plugins/mod.ts";
import { DatastoreError } from "../errors.ts";
import type { PostgresTarget } from "./url.ts";

export class DatastoreUnavailableError extends DatastoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("Unavailable", message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** int8 as a JS number: revisions stay far below 2^53. */
const int8: PostgresType<number> = {
  to: 20,
  from: [20],
  serialize: (n: number) => String(n),
  parse: (s: string) => Number(s),
};

export interface PoolOptions {
  max?: number;
  /** Postgres `synchronous_commit` for this pool's sessions (see open.ts for the trade-off). */
  synchronousCommit?: "on" | "off";
  applicationName?: string;
  onnotify?: (channel: string, payload: string) => void;
  onclose?: () => void;
}

export type Pool = Sql<{ int8: number }>;

export function createPool(target: PostgresTarget, options: PoolOptions = {}, database = target.database): Pool {
  const connection: Record<string, string> = { application_name: options.applicationName ?? "k3ts" };
  if (options.synchronousCommit) connection.synchronous_commit = options.synchronousCommit;
  const config: Options<{ int8: PostgresType<number> }> = {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database,
    ssl: target.ssl,
    max: options.max ?? 10,
    connect_timeout: target.connectTimeout,
    // Connections stay open: the pool is small and reconnecting costs a TLS handshake.
    idle_timeout: 0,
    max_lifetime: null,
    types: { int8 },
    connection,
    onnotice: () => {}, // "relation already exists, skipping" and the like
    fetch_types: false,
  };
  // postgres.js supports `onnotify` (its own listen() is built on it) but does not type it.
  if (options.onnotify) (config as Record<string, unknown>).onnotify = options.onnotify;
  if (options.onclose) config.onclose = options.onclose;
  return postgres(config) as unknown as Pool;
}

/** SQLSTATE and socket codes that mean "the server is not there (yet)": worth waiting for. */
const TRANSIENT = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, recovering)
  "53300", // too_many_connections
]);

export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errno?: unknown };
  if (typeof e?.code === "string") return e.code;
  if (typeof e?.errno === "string") return e.errno;
  return undefined;
}

export function isTransient(err: unknown): boolean {
  const code = errorCode(err);
  if (code !== undefined && TRANSIENT.has(code)) return true;
  // Aggregate errors (a host name with several addresses) carry the codes inside.
  const inner = (err as { errors?: unknown[] })?.errors;
  return Array.isArray(inner) && inner.length > 0 && inner.every(isTransient);
}

function describe(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error && err.message ? err.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort(): void {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}

export interface RetryOptions {
  /** false: fail at the first refused connection instead of waiting for the server. */
  retry: boolean;
  log: Logger;
  signal?: AbortSignal;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

async function createDatabase(target: PostgresTarget, log: Logger): Promise<void> {
  // CREATE DATABASE cannot run in the database it creates: use the maintenance database.
  const admin = createPool(target, { max: 1 }, "postgres");
  try {
    log.info("creating database", { database: target.database });
    await admin.unsafe(`CREATE DATABASE "${target.database.replaceAll('"', '""')}"`);
  } catch (err) {
    // Another server created it first: that is what we wanted.
    if (errorCode(err) !== "42P04" && errorCode(err) !== "23505") {
      throw new DatastoreUnavailableError(
        `postgres datastore: database "${target.database}" is missing and could not be created at ${target.display}: ${describe(err)}`,
        { cause: err },
      );
    }
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/**
 * Waits until `sql` can run a query against the target database, creating the database when
 * missing. Transient failures are retried with exponential backoff (logged each time) unless
 * `retry` is false; other failures (bad password, no permission) are thrown at once.
 */
export async function waitForDatabase(sql: Pool, target: PostgresTarget, options: RetryOptions): Promise<void> {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  let delay = initial;
  let created = false;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      await sql`SELECT 1`;
      if (attempt > 1) options.log.info("connected", { endpoint: target.display, attempts: attempt });
      return;
    } catch (err) {
      if (errorCode(err) === "3D000" && !created) {
        // invalid_catalog_name: the server is there, the database is not.
        await createDatabase(target, options.log);
        created = true;
        continue;
      }
      if (!isTransient(err)) {
        throw new DatastoreUnavailableError(
          `postgres datastore: cannot use ${target.display}: ${describe(err)}`,
          { cause: err },
        );
      }
      if (!options.retry) {
        throw new DatastoreUnavailableError(
          `postgres datastore: cannot reach ${target.host}:${target.port} (${describe(err)}); not retrying (connectRetry is off)`,
          { cause: err },
        );
      }
      options.log.warn("postgres not reachable, retrying", {
        endpoint: target.display,
        attempt,
        retryInMs: delay,
        error: describe(err),
      });
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, max);
    }
  }
}
