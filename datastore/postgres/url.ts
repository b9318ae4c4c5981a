/**
 * Parses a datastore endpoint the way k3s takes it (`--datastore-endpoint`):
 * `postgres://user:pass@host:port/dbname?sslmode=disable` (or `postgresql://`).
 *
 * We parse it ourselves instead of handing the string to postgres.js so that a bad URL fails
 * with a message that names what is wrong (and never echoes the password), and so that we know
 * the database name: it is created when missing, which needs a connection to another database.
 */
import { DatastoreError } from "../errors.ts";

export type SslMode = false | "prefer" | "require" | "verify-full";

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  ssl: SslMode;
  /** Seconds a connection attempt may take. */
  connectTimeout: number;
  /** The URL with the password masked: safe for logs and error messages. */
  display: string;
}

/** kine's default when the URL names no database. */
const DEFAULT_DATABASE = "kubernetes";

/** libpq's sslmode values, mapped onto what postgres.js offers. */
const SSL_MODES: Record<string, SslMode> = {
  disable: false,
  allow: "prefer",
  prefer: "prefer",
  require: "require",
  "verify-ca": "verify-full",
  "verify-full": "verify-full",
};

export class InvalidUrlError extends DatastoreError {
  constructor(message: string) {
    super("InvalidURL", message);
  }
}

function mask(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = "xxxxx";
  return copy.href;
}

export function parsePostgresUrl(input: string): PostgresTarget {
  const expected = "expected postgres://user:password@host:port/database?sslmode=disable";
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    // Do not echo the input: it may hold a password.
    throw new InvalidUrlError(`postgres datastore: the endpoint is not a URL (${expected})`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new InvalidUrlError(
      `postgres datastore: unsupported scheme "${url.protocol.replace(/:$/, "")}" (${expected})`,
    );
  }
  if (!url.hostname) throw new InvalidUrlError(`postgres datastore: the URL names no host (${expected})`);

  const port = url.port ? Number(url.port) : 5432;
  const path = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (path.includes("/")) {
    throw new InvalidUrlError(`postgres datastore: bad database name "${path}" (${expected})`);
  }

  let ssl: SslMode = "prefer"; // libpq's default
  let connectTimeout = 10;
  for (const [name, value] of url.searchParams) {
    if (name === "sslmode") {
      if (!(value in SSL_MODES)) {
        throw new InvalidUrlError(
          `postgres datastore: unknown sslmode "${value}" (one of ${Object.keys(SSL_MODES).join(", ")})`,
        );
      }
      ssl = SSL_MODES[value]!;
    } else if (name === "connect_timeout") {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds <= 0) {
        throw new InvalidUrlError(`postgres datastore: connect_timeout must be a positive number of seconds`);
      }
      connectTimeout = seconds;
    } else {
      throw new InvalidUrlError(
        `postgres datastore: unsupported URL parameter "${name}" (supported: sslmode, connect_timeout)`,
      );
    }
  }

  const host = url.hostname.replace(/^\[(.*)\]$/, "$1"); // IPv6 literals come bracketed
  return {
    host,
    port,
    user: decodeURIComponent(url.username) || "postgres",
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: path || DEFAULT_DATABASE,
    ssl,
    connectTimeout,
    display: mask(url),
  };
}
