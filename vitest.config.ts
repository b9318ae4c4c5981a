import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // A plugin's `import ... from "k3ts"` gets this checkout's source, as the running k3ts gives
    // it its own (plugins/platform.ts provideHostApi); package.json's exports point at dist/.
    alias: [{ find: /^k3ts$/, replacement: fileURLToPath(new URL("./mod.ts", import.meta.url)) }],
  },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites that share Postgres or ports run in their own files; two cores, so two workers.
    maxWorkers: 2,
  },
});
