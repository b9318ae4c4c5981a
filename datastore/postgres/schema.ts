/**
 * Tables, the write function, and their migration.
 *
 * - `k3ts_kv`: current state, one row per live key. Reads of "now" touch only this table, so
 *   they do not slow down as history grows (kine's single append-only table does: kine#323).
 * - `k3ts_log`: one row per write, with the previous value, for watch replay and reads at past
 *   revisions; compaction deletes its old rows without touching current state.
 * - `k3ts_meta`: a single row holding the revision counter, the compacted revision and the
 *   schema version.
 *
 * Revisions: every write runs `k3ts_write`, which locks the meta row first. Writers therefore
 * serialize on that row until they commit, so revision N+1 is allocated only after N is
 * committed and visible: revisions commit in order and the visible log is always a gap-free
 * prefix. A write that fails (conflict, existing key, any error) rolls back its counter update
 * with everything else, so it leaves no hole — unlike a sequence (kine#759, #82). The function
 * also does the expected-revision check under that lock (no lost update) and sends the NOTIFY,
 * which Postgres delivers at commit, in commit order. One round trip per write, or per batch of
 * writes (k3ts_write_batch).
 */
import type { Sql } from "postgres";
import { DatastoreError } from "../errors.ts";

export const SCHEMA_VERSION = 1;
export const NOTIFY_CHANNEL = "k3ts_changes";

/** Advisory lock keys (two int4s): "k3ts" in ASCII, then what the lock guards. */
export const LOCK_SPACE = 0x6b337473;
export const LOCK_MIGRATE = 1;
export const LOCK_COMPACT = 2;

/** Status codes `k3ts_write` returns. */
export const WRITE_OK = 0;
export const WRITE_EXISTS = 1;
export const WRITE_NOT_FOUND = 2;
export const WRITE_CONFLICT = 3;

/** Operations `k3ts_write` takes (also the `type` column of the log). */
export const OP_CREATE = 0;
export const OP_UPDATE = 1;
export const OP_DELETE = 2;

const V1 = `
CREATE TABLE k3ts_kv (
  key text COLLATE "C" PRIMARY KEY,
  value bytea NOT NULL,
  create_revision bigint NOT NULL,
  mod_revision bigint NOT NULL
);
CREATE TABLE k3ts_log (
  revision bigint PRIMARY KEY,
  key text COLLATE "C" NOT NULL,
  type smallint NOT NULL,             -- 0 create, 1 update, 2 delete
  create_revision bigint NOT NULL,
  value bytea,                        -- absent on delete
  prev_value bytea,                   -- absent on create
  prev_revision bigint,
  created_at timestamptz NOT NULL DEFAULT now()   -- for compaction by age
);
-- Past-revision reads look up the first change of a key after a revision.
CREATE INDEX k3ts_log_key_revision ON k3ts_log (key, revision);
`;

/** Replaced on every start, so a fix to it needs no schema version. */
const WRITE_FUNCTION = `
CREATE OR REPLACE FUNCTION k3ts_write(p_op smallint, p_key text, p_value bytea, p_expected bigint)
RETURNS TABLE (status smallint, revision bigint, create_revision bigint, mod_revision bigint, value bytea)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  r bigint;
  cur record;
BEGIN
  -- The serialization point: held until commit.
  SELECT m.revision INTO r FROM k3ts_meta m WHERE m.id = 1 FOR UPDATE;
  -- A new statement, so a new snapshot that sees the previous writer's commit.
  SELECT kv.value, kv.create_revision, kv.mod_revision INTO cur FROM k3ts_kv kv WHERE kv.key = p_key;

  IF p_op = 0 THEN
    IF FOUND THEN
      RETURN QUERY SELECT 1::smallint, r, cur.create_revision, cur.mod_revision, cur.value;
      RETURN;
    END IF;
    r := r + 1;
    INSERT INTO k3ts_kv VALUES (p_key, p_value, r, r);
    INSERT INTO k3ts_log (revision, key, type, create_revision, value)
      VALUES (r, p_key, 0, r, p_value);
    UPDATE k3ts_meta SET revision = r WHERE id = 1;
    PERFORM pg_notify('${NOTIFY_CHANNEL}', r::text);
    RETURN QUERY SELECT 0::smallint, r, r, r, NULL::bytea;
    RETURN;
  END IF;

  IF NOT FOUND THEN
    RETURN QUERY SELECT 2::smallint, r, NULL::bigint, NULL::bigint, NULL::bytea;
    RETURN;
  END IF;
  IF p_expected IS NOT NULL AND cur.mod_revision <> p_expected THEN
    RETURN QUERY SELECT 3::smallint, r, cur.create_revision, cur.mod_revision, cur.value;
    RETURN;
  END IF;

  r := r + 1;
  IF p_op = 1 THEN
    UPDATE k3ts_kv SET value = p_value, mod_revision = r WHERE key = p_key;
    INSERT INTO k3ts_log (revision, key, type, create_revision, value, prev_value, prev_revision)
      VALUES (r, p_key, 1, cur.create_revision, p_value, cur.value, cur.mod_revision);
    UPDATE k3ts_meta SET revision = r WHERE id = 1;
    PERFORM pg_notify('${NOTIFY_CHANNEL}', r::text);
    RETURN QUERY SELECT 0::smallint, r, cur.create_revision, r, NULL::bytea;
  ELSE
    DELETE FROM k3ts_kv WHERE key = p_key;
    INSERT INTO k3ts_log (revision, key, type, create_revision, prev_value, prev_revision)
      VALUES (r, p_key, 2, cur.create_revision, cur.value, cur.mod_revision);
    UPDATE k3ts_meta SET revision = r WHERE id = 1;
    PERFORM pg_notify('${NOTIFY_CHANNEL}', r::text);
    RETURN QUERY SELECT 0::smallint, r, cur.create_revision, r, cur.value;
  END IF;
END
$fn$;
`;

/**
 * Several writes in one statement and one transaction: one WAL flush for all of them (see
 * writer.ts). Each runs through k3ts_write, in order, and reports its own status, so a
 * conflict fails only its own write. The values come concatenated in one bytea, with their
 * lengths (-1: none) in the JSON list of operations: no array literals to escape.
 */
const WRITE_BATCH_FUNCTION = `
CREATE OR REPLACE FUNCTION k3ts_write_batch(p_ops json, p_blob bytea)
RETURNS TABLE (status smallint, revision bigint, create_revision bigint, mod_revision bigint, value bytea)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  op record;
  pos integer := 1;
BEGIN
  FOR op IN
    SELECT (a.e->>'o')::smallint AS o, a.e->>'k' AS k, (a.e->>'x')::bigint AS x, (a.e->>'l')::integer AS l
    FROM json_array_elements(p_ops) WITH ORDINALITY AS a(e, n) ORDER BY a.n
  LOOP
    RETURN QUERY SELECT * FROM k3ts_write(op.o, op.k,
      CASE WHEN op.l < 0 THEN NULL ELSE substring(p_blob FROM pos FOR op.l) END, op.x);
    IF op.l > 0 THEN pos := pos + op.l; END IF;
  END LOOP;
END
$fn$;
`;

/** Migrations from version N-1 to N, by N. */
const MIGRATIONS: Record<number, string> = { 1: V1 };

/**
 * Brings the database to SCHEMA_VERSION. Several servers may start at once: the advisory lock
 * makes one migrate while the others wait and then find nothing to do.
 */
export async function migrate(sql: Sql, log?: { info(msg: string, f?: Record<string, unknown>): void }): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_MIGRATE})`;
    await tx.unsafe(`
      CREATE TABLE IF NOT EXISTS k3ts_meta (
        id smallint PRIMARY KEY CHECK (id = 1),
        schema_version integer NOT NULL,
        revision bigint NOT NULL,
        compact_revision bigint NOT NULL
      )`);
    const [row] = await tx<{ schema_version: number }[]>`SELECT schema_version FROM k3ts_meta WHERE id = 1`;
    let version = row?.schema_version ?? 0;
    if (version > SCHEMA_VERSION) {
      throw new DatastoreError(
        "SchemaTooNew",
        `postgres datastore: the database has schema version ${version}, this k3ts knows up to ${SCHEMA_VERSION}; upgrade k3ts`,
      );
    }
    if (!row) await tx`INSERT INTO k3ts_meta (id, schema_version, revision, compact_revision) VALUES (1, 0, 0, 0)`;
    while (version < SCHEMA_VERSION) {
      version += 1;
      log?.info("migrating schema", { to: version });
      await tx.unsafe(MIGRATIONS[version]!);
      await tx`UPDATE k3ts_meta SET schema_version = ${version} WHERE id = 1`;
    }
    await tx.unsafe(WRITE_FUNCTION);
    await tx.unsafe(WRITE_BATCH_FUNCTION);
  });
}
