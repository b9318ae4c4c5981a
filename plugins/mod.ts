/**
 * The plugin contract. Everything k3ts loads from the manifest — the datastore, CNI and runtime
 * modules and third-party plugins — is a plugin: a module whose default export is
 * `definePlugin({name, provides, config, setup})`.
 *
 * This file is layer 1 of DESIGN.md: it imports nothing else of k3ts.
 */
import type { GenericSchema } from "valibot";
import type { Logger } from "./logger.ts";

export type { Logger, LogLevel } from "./logger.ts";

/** What a plugin gets when it starts. */
export interface PluginContext {
  /** The plugin's name as the manifest gave it (its `use:`) or as it named itself. */
  readonly name: string;
  /** A directory of its own under the data dir, created before `setup` runs. */
  readonly dataDir: string;
  /** The node's (or server's) data dir. */
  readonly rootDataDir: string;
  /** A logger whose lines name the plugin. */
  readonly log: Logger;
  /** Aborted when k3ts shuts down; every loop the plugin runs should take it. */
  readonly signal: AbortSignal;
  /**
   * Reports a failure after `setup` returned (a background loop that died). It is logged and
   * the process goes on; k3ts stops the plugin no sooner than shutdown.
   */
  fail(error: unknown): void;
  /**
   * What the plugins and modules started before this one provide, by the names in their
   * `provides` (for example `datastore`).
   */
  readonly provided: ReadonlyMap<string, unknown>;
}

/** What `setup` returns: the things the plugin provides, and how to stop it. */
export interface PluginInstance<Provides = Record<string, unknown>> {
  provides?: Provides;
  stop?(): void | Promise<void>;
}

export interface PluginDefinition<Config = unknown, Provides = Record<string, unknown>> {
  /** A stable name: lower case letters, digits and dashes, optionally with an npm scope. */
  name: string;
  /** The capabilities this plugin provides (`datastore`, `runtime`, `cni`, or its own). */
  provides?: readonly string[];
  /** A valibot schema for the manifest's `with:`; checked before `setup` runs. */
  config?: GenericSchema<unknown, Config>;
  setup(ctx: PluginContext, config: Config): PluginInstance<Provides> | Promise<PluginInstance<Provides>>;
}

/** Marks a plugin definition; the identity function, there for type inference. */
export function definePlugin<Config = undefined, Provides = Record<string, unknown>>(
  definition: PluginDefinition<Config, Provides>,
): PluginDefinition<Config, Provides> {
  return definition;
}
