/**
 * The `postgres` datastore module: `modules: {datastore: {use: postgres, with: {url: ...}}}`.
 */
import * as v from "valibot";
import { definePlugin } from "../../plugins/mod.ts";
import type { DatastoreProvides } from "../mod.ts";
import { openPostgresDatastore } from "./open.ts";

export { openPostgresDatastore } from "./open.ts";
export type { PostgresDatastoreOptions } from "./open.ts";

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

export const postgresConfig = v.object({
  url: v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")),
  /** false: fail at once when the server is unreachable at start (`--datastore-connect-retry=false`). */
  connectRetry: v.optional(v.boolean()),
  synchronousCommit: v.optional(v.picklist(["on", "off"])),
  poolSize: v.optional(positiveInt),
  compaction: v.optional(
    v.object({
      enabled: v.optional(v.boolean()),
      keepRevisions: v.optional(positiveInt),
      maxAgeSeconds: v.optional(v.pipe(v.number(), v.minValue(0))),
      intervalSeconds: v.optional(v.pipe(v.number(), v.minValue(1))),
      everyWrites: v.optional(positiveInt),
      batchSize: v.optional(positiveInt),
    }),
  ),
});

export type PostgresConfig = v.InferOutput<typeof postgresConfig>;

export default definePlugin<PostgresConfig, DatastoreProvides>({
  name: "postgres",
  provides: ["datastore"],
  config: postgresConfig,
  async setup(ctx, config) {
    const datastore = await openPostgresDatastore({ ...config, log: ctx.log, signal: ctx.signal });
    return { provides: { datastore }, stop: () => datastore.close() };
  },
});
