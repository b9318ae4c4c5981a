import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The portable suites, run under Deno (`deno task test`): the ones that need neither Node-only
 * APIs nor a spawned Node. Add a suite here when it runs the same under both runtimes.
 */
export default defineConfig({
  resolve: {
    // As in vitest.config.ts: a plugin's `import ... from "k3ts"` gets this checkout's source.
    alias: [{ find: /^k3ts$/, replacement: fileURLToPath(new URL("./mod.ts", import.meta.url)) }],
  },
  test: {
    include: ["test/plugins/*.test.ts", "test/datastore/sqlite.test.ts", "test/datastore/postgres.test.ts", "test/datastore/memory-plugin.test.ts", "test/portforward/spdy-*.test.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
  },
});
