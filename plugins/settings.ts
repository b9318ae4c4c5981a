/**
 * Settles each flag's value from its four sources, in k3s's order: the command line, then the
 * environment, then the manifest file, then the default. Also maps the shortcut flags
 * --datastore-endpoint and --runtime onto the manifest's modules.
 */
import { ConfigError } from "./errors.ts";
import { checkFlagValue, defaultValue, findFlag, flagsFor, parseFlagText } from "./flags.ts";
import type { Command, DefaultsContext, FlagValue } from "./flags.ts";
import { loadManifest } from "./manifest.ts";
import type { Manifest, ModuleKind, PluginRef } from "./manifest.ts";

export type Source = "command line" | "environment" | "manifest" | "default";

export interface Settings {
  command: Command;
  /** Every flag of the command that has a value. */
  values: Record<string, FlagValue>;
  /** Where each value came from. */
  sources: Record<string, Source>;
  /** How each source is named in messages: `--data-dir`, `$K3TS_DATA_DIR`, a file's path. */
  from: Record<string, string>;
}

/** Reads the flags' environment variables; a bad value is an error naming the variable. */
export function readEnvironment(command: Command, env: Record<string, string | undefined>): { values: Record<string, FlagValue>; from: Record<string, string> } {
  const values: Record<string, FlagValue> = {};
  const from: Record<string, string> = {};
  for (const flag of flagsFor(command)) {
    const variable = flag.env?.find((name) => env[name] !== undefined && env[name] !== "");
    if (!variable) continue;
    const text = env[variable]!;
    const parsed = parseFlagText(flag, text, ",");
    const problem = "problem" in parsed ? parsed.problem : checkFlagValue(flag, parsed.value);
    if (problem || "problem" in parsed) throw new ConfigError(`$${variable}: bad value ${JSON.stringify(text)}: ${problem}`);
    values[flag.name] = parsed.value;
    from[flag.name] = `$${variable}`;
  }
  return { values, from };
}

export interface ConfigurationInput {
  command: Command;
  /** Flags given on the command line (parseCommandLine's values). */
  commandLine: Record<string, FlagValue>;
  env: Record<string, string | undefined>;
  defaults: DefaultsContext;
}

export interface Configuration {
  settings: Settings;
  manifest: Manifest;
}

/** Finds and loads the manifest, then settles every flag. */
export function loadConfiguration(input: ConfigurationInput): Configuration {
  const environment = readEnvironment(input.command, input.env);
  const configFlag = findFlag("config")!;
  const explicitConfig = input.commandLine.config ?? environment.values.config;
  const configFile = (explicitConfig ?? defaultValue(configFlag, input.defaults)) as string;
  const manifest = loadManifest(configFile, {
    explicit: explicitConfig !== undefined,
    explicitFrom: input.commandLine.config !== undefined ? "--config" : environment.from.config,
  });
  return { settings: settle(input, environment, manifest), manifest };
}

function settle(input: ConfigurationInput, environment: ReturnType<typeof readEnvironment>, manifest: Manifest): Settings {
  const settings: Settings = { command: input.command, values: {}, sources: {}, from: {} };
  // Flags of the other command in a shared manifest are not this command's business (as in k3s).
  for (const flag of flagsFor(input.command)) {
    const name = flag.name;
    const choices: [Source, FlagValue | undefined, string][] = [
      ["command line", input.commandLine[name], `--${name}`],
      ["environment", environment.values[name], environment.from[name] ?? ""],
      ["manifest", manifest.flags[name], manifest.flagOrigins[name] ?? ""],
      ["default", defaultValue(flag, input.defaults), "default"],
    ];
    const chosen = choices.find(([, value]) => value !== undefined);
    if (!chosen) continue;
    settings.values[name] = chosen[1]!;
    settings.sources[name] = chosen[0];
    settings.from[name] = chosen[2];
  }
  return settings;
}

/**
 * The modules to start: the manifest's `modules:`, with --datastore-endpoint and --runtime
 * mapped onto them. A shortcut from the command line or the environment overrides the
 * manifest's module; both set in the manifest itself is a contradiction, and an error.
 */
export function moduleRefs(settings: Settings, manifest: Manifest): Partial<Record<ModuleKind, PluginRef>> {
  const modules = { ...manifest.modules };
  const endpoint = settings.values["datastore-endpoint"] as string | undefined;
  if (endpoint !== undefined) {
    mapShortcut(modules, "datastore", datastoreRef(endpoint, settings), settings, manifest, "datastore-endpoint");
  }
  const runtime = settings.values.runtime as string | undefined;
  if (runtime !== undefined) {
    mapShortcut(modules, "runtime", { use: runtime, origin: { file: settings.from.runtime!, path: "runtime" } }, settings, manifest, "runtime");
  }
  // --container-runtime-endpoint: the containerd module's `with: {endpoint}` (k3s: no embedded containerd).
  const criEndpoint = settings.values["container-runtime-endpoint"] as string | undefined;
  if (criEndpoint !== undefined) {
    const current = modules.runtime;
    if (current && current.use !== "containerd") {
      throw new ConfigError(`--container-runtime-endpoint needs the containerd runtime, not ${current.use}`);
    }
    const origin = current?.origin ?? { file: settings.from["container-runtime-endpoint"] ?? "--container-runtime-endpoint", path: "container-runtime-endpoint" };
    modules.runtime = { use: "containerd", with: { ...current?.with, endpoint: criEndpoint }, origin };
  }
  return modules;
}

function mapShortcut(
  modules: Partial<Record<ModuleKind, PluginRef>>,
  kind: ModuleKind,
  ref: PluginRef,
  settings: Settings,
  manifest: Manifest,
  flag: string,
): void {
  const existing = modules[kind];
  if (existing && settings.sources[flag] === "manifest") {
    const flagFile = settings.from[flag]!;
    if (existing.origin.file === flagFile) {
      throw new ConfigError(`${flagFile}: both ${flag} and modules.${kind} are set; keep one`);
    }
    // Both in files: the one applied later (a drop-in over the main file) wins.
    if (manifest.files.indexOf(existing.origin.file) > manifest.files.indexOf(flagFile)) return;
  }
  modules[kind] = ref;
}

/** sqlite://PATH → {use: sqlite, with: {path}}; postgres://… → {use: postgres, with: {url}}. */
export function datastoreRef(endpoint: string, settings: Settings): PluginRef {
  const origin = { file: settings.from["datastore-endpoint"] ?? "--datastore-endpoint", path: "datastore-endpoint" };
  if (endpoint.startsWith("sqlite://")) {
    const path = endpoint.slice("sqlite://".length);
    return { use: "sqlite", ...(path ? { with: { path } } : {}), origin };
  }
  if (/^postgres(ql)?:\/\//.test(endpoint)) {
    return { use: "postgres", with: { url: endpoint, connectRetry: settings.values["datastore-connect-retry"] !== false }, origin };
  }
  throw new ConfigError(`${origin.file}: datastore-endpoint: bad value ${JSON.stringify(endpoint)}: expected sqlite://PATH or postgres://...`);
}
