/**
 * The conformance suite against a datastore written as a third-party plugin (the fixture imports
 * only k3ts's public mod.ts), started through its plugin definition as the loader would.
 */
import { definePlugin, type DatastoreProvides, type PluginContext, silentLogger } from "../../mod.ts";
import memoryPlugin from "../fixtures/memory-datastore/plugin.ts";
import { runDatastoreConformance } from "./conformance.ts";

function context(): PluginContext {
  return {
    name: "memory-datastore",
    dataDir: "/nonexistent/memory-datastore",
    rootDataDir: "/nonexistent",
    log: silentLogger,
    signal: new AbortController().signal,
    fail: (err) => {
      throw err;
    },
    provided: new Map(),
  };
}

// The fixture's default export is a plugin definition, as the manifest loader expects.
const plugin = definePlugin<undefined, DatastoreProvides>(memoryPlugin);

runDatastoreConformance("memory plugin (third-party fixture)", async () => {
  const instance = await plugin.setup(context(), undefined);
  return {
    store: instance.provides!.datastore,
    cleanup: async () => {
      await instance.stop?.();
    },
  };
}, { durable: false }); // it keeps everything in memory: nothing to reopen
