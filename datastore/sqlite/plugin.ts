/**
 * The `sqlite` datastore module, the embedded default: `modules: {datastore: {use: sqlite}}`.
 *
 * with:
 *   path: <file>             default <data-dir>/server/db/state.db
 *   synchronous: normal|full default normal (see schema.ts: a process crash loses nothing; a
 *                            power loss may lose the last transactions, never corrupts)
 *   compaction: {enabled, keepRevisions, maxAgeSeconds, intervalSeconds, everyWrites, batchSize}
 */
import { join } from "node:path";
import * as v from "valibot";
import { definePlugin } from "../../plugins/mod.ts";
import type { DatastoreProvides } from "../mod.ts";
import { defaultCompactionOptions } from "./compactor.ts";
import { openSqliteDatastore } from "./store.ts";

export { openSqliteDatastore, SqliteDatastore, type SqliteDatastoreOptions } from "./store.ts";
export { type CompactionOptions, defaultCompactionOptions } from "./compactor.ts";

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));

const configSchema = v.optional(
  v.strictObject({
    path: v.optional(v.pipe(v.string(), v.minLength(1))),
    synchronous: v.optional(v.picklist(["normal", "full"])),
    compaction: v.optional(
      v.strictObject({
        enabled: v.optional(v.boolean()),
        keepRevisions: v.optional(positiveInt),
        maxAgeSeconds: v.optional(nonNegativeInt),
        intervalSeconds: v.optional(positiveInt),
        everyWrites: v.optional(positiveInt),
        batchSize: v.optional(positiveInt),
      }),
    ),
  }),
  {},
);

export type SqlitePluginConfig = v.InferOutput<typeof configSchema>;

export default definePlugin<SqlitePluginConfig, DatastoreProvides>({
  name: "sqlite",
  provides: ["datastore"],
  config: configSchema,
  async setup(ctx, config) {
    const path = config.path ?? join(ctx.rootDataDir, "server", "db", "state.db");
    const datastore = await openSqliteDatastore({
      path,
      synchronous: config.synchronous,
      compaction: { ...defaultCompactionOptions, ...config.compaction },
      log: ctx.log,
    });
    ctx.log.info("sqlite datastore open", { path, revision: await datastore.currentRevision() });
    return { provides: { datastore }, stop: () => datastore.close() };
  },
});
