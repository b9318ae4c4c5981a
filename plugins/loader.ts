/**
 * Loads the plugins a manifest names: resolves each `use:`, imports it, checks that its
 * default export is a plugin definition, and checks the manifest's `with:` against the plugin's
 * `config` schema — all before any plugin starts, so that a typo anywhere stops startup before
 * anything has run.
 */
import * as v from "valibot";
import { ConfigError } from "./errors.ts";
import { describeInput, describeIssue } from "./issues.ts";
import { baseDirOf } from "./manifest.ts";
import type { PluginRef } from "./manifest.ts";
import type { PluginDefinition } from "./mod.ts";
import { resolvePluginModule } from "./resolve.ts";
import type { BuiltinModules } from "./resolve.ts";

export type { BuiltinModules } from "./resolve.ts";

export interface LoadedPlugin {
  ref: PluginRef;
  definition: PluginDefinition<unknown, Record<string, unknown>>;
  /** Where it came from, for logs: `built-in sqlite`, a path, a package. */
  source: string;
  /** `with:` after the plugin's schema (defaults filled in). */
  config: unknown;
}

export interface LoadOptions {
  builtins: BuiltinModules;
  /** Where to look for npm packages besides the manifest's directory. */
  cwd?: string;
  /** The capability the plugin must provide (`datastore` for modules.datastore). */
  mustProvide?: string;
}

/** `config.yaml: plugins[1]`: how messages name the place a plugin was asked for. */
export function refLocation(ref: PluginRef): string {
  return `${ref.origin.file}: ${ref.origin.path}`;
}

export async function loadPlugin(ref: PluginRef, options: LoadOptions): Promise<LoadedPlugin> {
  const where = refLocation(ref);
  const resolved = resolvePluginModule(ref.use, { builtins: options.builtins, baseDir: baseDirOf(ref), cwd: options.cwd, where: `${where}.use` });
  let namespace: unknown;
  try {
    namespace = await resolved.load();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${where}: cannot import ${JSON.stringify(ref.use)} (${resolved.source}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const definition = (namespace as { default?: unknown } | undefined)?.default;
  const problem = definitionProblem(definition);
  if (problem) {
    throw new ConfigError(`${where}: ${JSON.stringify(ref.use)} (${resolved.source}) is not a k3ts plugin: its default export ${problem}; export default definePlugin({name, setup}) from "k3ts"`);
  }
  const plugin = definition as LoadedPlugin["definition"];
  if (options.mustProvide && !plugin.provides?.includes(options.mustProvide)) {
    throw new ConfigError(`${where}: plugin ${plugin.name} (${resolved.source}) does not provide ${JSON.stringify(options.mustProvide)} (it provides ${JSON.stringify(plugin.provides ?? [])})`);
  }
  return { ref, definition: plugin, source: resolved.source, config: await checkConfig(plugin, ref) };
}

/** Loads every ref in order; the first failure stops (nothing has started yet). */
export async function loadPlugins(refs: readonly { ref: PluginRef; mustProvide?: string }[], options: LoadOptions): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  const names = new Map<string, PluginRef>();
  for (const { ref, mustProvide } of refs) {
    const plugin = await loadPlugin(ref, { ...options, ...(mustProvide ? { mustProvide } : {}) });
    const first = names.get(plugin.definition.name);
    if (first) {
      // Two plugins of one name would share a data dir and a log name.
      throw new ConfigError(`${refLocation(ref)}: plugin ${plugin.definition.name} is already loaded by ${refLocation(first)}`);
    }
    names.set(plugin.definition.name, ref);
    loaded.push(plugin);
  }
  return loaded;
}

const NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9][a-z0-9-._]*$/;

/** Why `value` is not a plugin definition, or undefined when it is one (checked by shape). */
export function definitionProblem(value: unknown): string | undefined {
  if (value === undefined) return "is missing";
  if (value === null || typeof value !== "object") return `is ${describeInput(value)}, not an object`;
  const d = value as Record<string, unknown>;
  if (typeof d.name !== "string") return `has no name (found ${describeInput(d.name)})`;
  if (!NAME.test(d.name)) return `has name ${JSON.stringify(d.name)}; expected lower case letters, digits and dashes, optionally @scope/`;
  if (typeof d.setup !== "function") return `has no setup function (found ${describeInput(d.setup)})`;
  if (d.provides !== undefined && !(Array.isArray(d.provides) && d.provides.every((p) => typeof p === "string"))) {
    return `has provides ${describeInput(d.provides)}; expected a list of strings`;
  }
  if (d.config !== undefined && !isValibotSchema(d.config)) return "has a config that is not a valibot schema";
  return undefined;
}

function isValibotSchema(value: unknown): value is v.GenericSchema | v.GenericSchemaAsync {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "schema" && typeof (value as Record<string, unknown>)["~run"] === "function";
}

/** Checks `with:` against the plugin's schema; errors name `plugins[1].with.port`. */
async function checkConfig(plugin: LoadedPlugin["definition"], ref: PluginRef): Promise<unknown> {
  if (!plugin.config) {
    if (ref.with !== undefined && Object.keys(ref.with).length > 0) {
      throw new ConfigError(`${refLocation(ref)}.with: plugin ${plugin.name} takes no configuration, found keys ${Object.keys(ref.with).join(", ")}`);
    }
    return undefined;
  }
  const result = await v.safeParseAsync(plugin.config, ref.with ?? {});
  if (result.success) return result.output;
  const prefix = `${ref.origin.path}.with`;
  const lines = result.issues.map((issue) => `  ${describeIssue(issue, { prefix, unknownKey: (path) => `${path}: unknown key` })}`);
  throw new ConfigError(`${ref.origin.file}: invalid configuration for plugin ${plugin.name}:\n${lines.join("\n")}`);
}
