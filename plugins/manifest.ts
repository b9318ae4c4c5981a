/**
 * The manifest: k3ts's YAML config file, after k3s's. Its keys are the flags' names (the
 * command line wins over them); `key+:` appends to a repeatable flag instead of replacing it;
 * drop-ins in `<file>.d/*.yaml` are applied after the file in name order; `modules:` chooses
 * the datastore, runtime and CNI modules and `plugins:` lists the plugins to load:
 *
 *   cluster-cidr: 10.42.0.0/16
 *   modules:
 *     datastore: {use: sqlite}
 *   plugins:
 *     - {use: ./my-plugin.ts, with: {port: 80}}
 *
 * Each file is validated on its own (valibot), so an error names the file it is in and the key
 * path as written there.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import * as v from "valibot";
import type * as Yaml from "yaml";
import { ConfigError } from "./errors.ts";
import { FLAGS, checkFlagValue, findFlag, parseFlagText } from "./flags.ts";
import type { Flag, FlagValue } from "./flags.ts";
import { describeInput, describeIssue } from "./issues.ts";
import { didYouMean } from "./suggest.ts";

/** Where a plugin reference was written, for messages and for resolving relative paths. */
export interface Origin {
  file: string;
  /** The key path in that file: `modules.datastore`, `plugins[2]`. */
  path: string;
}

/** A `{use, with}` entry of `modules:` or `plugins:`. */
export interface PluginRef {
  use: string;
  with?: Record<string, unknown>;
  origin: Origin;
}

export const MODULE_KINDS = ["datastore", "cni", "runtime"] as const;
export type ModuleKind = (typeof MODULE_KINDS)[number];

export interface Manifest {
  /** The main file, whether or not it exists. */
  file: string;
  /** The files that were read, in the order they were applied. */
  files: string[];
  /** Flag values the files set, by flag name. */
  flags: Record<string, FlagValue>;
  /** The file that last set each flag. */
  flagOrigins: Record<string, string>;
  modules: Partial<Record<ModuleKind, PluginRef>>;
  plugins: PluginRef[];
}

const pluginRefSchema = v.strictObject({
  use: v.pipe(v.string(), v.nonEmpty("expected a module name, path or package")),
  with: v.optional(v.record(v.string(), v.unknown())),
});

const modulesSchema = v.strictObject({
  datastore: v.optional(pluginRefSchema),
  cni: v.optional(pluginRefSchema),
  runtime: v.optional(pluginRefSchema),
});

/** A flag's manifest value: the flag's type, with the leniency of YAML (a port may be "6443"). */
function flagSchema(flag: Flag) {
  return v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const result = readManifestValue(flag, dataset.value);
      if ("problem" in result) {
        addIssue({ message: result.problem, expected: flag.type, received: describeInput(dataset.value) });
        return NEVER;
      }
      return result.value;
    }),
  );
}

function readManifestValue(flag: Flag, raw: unknown): { value: FlagValue } | { problem: string } {
  let value: FlagValue;
  switch (flag.type) {
    case "string":
      // YAML reads `write-kubeconfig-mode: 644` as a number; the flag means the text.
      if (typeof raw === "string") value = raw;
      else if (typeof raw === "number" && Number.isFinite(raw)) value = String(raw);
      else return { problem: "expected a string" };
      break;
    case "number":
      if (typeof raw === "number") value = raw;
      else if (typeof raw === "string" && /^\d+$/.test(raw)) value = Number(raw);
      else return { problem: "expected a number" };
      break;
    case "boolean": {
      const parsed = typeof raw === "string" ? parseFlagText(flag, raw) : undefined;
      if (typeof raw === "boolean") value = raw;
      else if (parsed && "value" in parsed) value = parsed.value;
      else return { problem: "expected true or false" };
      break;
    }
    case "list": {
      const items = Array.isArray(raw) ? raw : [raw];
      if (!items.every((item) => typeof item === "string" || typeof item === "number")) {
        return { problem: "expected a string or a list of strings" };
      }
      value = items.map(String);
      break;
    }
  }
  const problem = checkFlagValue(flag, value);
  return problem ? { problem } : { value };
}

const MANIFEST_FLAGS = FLAGS.filter((flag) => flag.inManifest !== false);

function buildFileSchema() {
  const entries: Record<string, v.GenericSchema> = {
    modules: v.optional(modulesSchema),
    plugins: v.optional(v.array(pluginRefSchema)),
    "plugins+": v.optional(v.array(pluginRefSchema)),
  };
  for (const flag of MANIFEST_FLAGS) {
    entries[flag.name] = v.optional(flagSchema(flag));
    if (flag.type === "list") entries[`${flag.name}+`] = v.optional(flagSchema(flag));
  }
  return v.strictObject(entries);
}

const fileSchema = buildFileSchema();

/** The keys a mapping at `path` may have, for "did you mean" on an unknown one. */
function knownKeysAt(path: string): string[] {
  if (path === "") {
    return ["modules", "plugins", ...MANIFEST_FLAGS.flatMap((f) => (f.type === "list" ? [f.name, `${f.name}+`] : [f.name]))];
  }
  if (path === "modules") return [...MODULE_KINDS];
  return ["use", "with"];
}

function unknownKeyMessage(path: string, key: string): string {
  const parent = path.slice(0, Math.max(0, path.length - key.length - 1));
  const flag = findFlag(key.replace(/\+$/, ""));
  if (parent === "" && flag?.inManifest === false) {
    return `${key}: cannot be set in the manifest (give it as --${flag.name}${flag.env ? ` or $${flag.env[0]}` : ""})`;
  }
  if (parent === "" && key.endsWith("+") && flag) return `${key}: only repeatable keys can be appended to with +`;
  return `${path}: unknown key${didYouMean(key, knownKeysAt(parent))}`;
}

interface FileContent {
  [key: string]: unknown;
  modules?: Partial<Record<ModuleKind, { use: string; with?: Record<string, unknown> }>>;
  plugins?: { use: string; with?: Record<string, unknown> }[];
  "plugins+"?: { use: string; with?: Record<string, unknown> }[];
}

const requireHere = createRequire(import.meta.url);

/**
 * The YAML parser, loaded by the first manifest file that exists: a server without one does not
 * hold yaml's ~70 modules. Synchronous, as loading the manifest is; yaml's Node export is
 * CommonJS, so this is the same instance `import("yaml")` gives (server/api/lazy-yaml.ts).
 */
function yamlParser(): typeof Yaml.parse {
  return (requireHere("yaml") as typeof Yaml).parse;
}

/** Reads and validates one file; errors name the file and every bad key. */
export function readManifestFile(file: string): FileContent {
  const parseYaml = yamlParser();
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${file}: not valid YAML: ${reason}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError(`${file}: expected a mapping of keys (like cluster-cidr: 10.42.0.0/16), found ${describeInput(data)}`);
  }
  const result = v.safeParse(fileSchema, data);
  if (!result.success) {
    const lines = result.issues.map((issue) => `  ${describeIssue(issue, { unknownKey: unknownKeyMessage })}`);
    throw new ConfigError(`${file}: invalid manifest:\n${lines.join("\n")}`);
  }
  return result.output as FileContent;
}

/** The drop-in files beside `file` (`<file>.d/*.yaml`), in the order they apply. */
export function dropInFiles(file: string): string[] {
  const dir = `${file}.d`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Loads the manifest at `file` and its drop-ins. A missing file is an empty manifest unless it
 * was named explicitly (`explicit`), which is an error.
 */
export function loadManifest(file: string, options: { explicit: boolean; explicitFrom?: string }): Manifest {
  const path = resolve(file);
  const manifest: Manifest = { file: path, files: [], flags: {}, flagOrigins: {}, modules: {}, plugins: [] };
  const files: string[] = [];
  if (existsSync(path)) files.push(path);
  else if (options.explicit) {
    throw new ConfigError(`manifest file ${path} does not exist${options.explicitFrom ? ` (given by ${options.explicitFrom})` : ""}`);
  }
  files.push(...dropInFiles(path));
  for (const each of files) apply(manifest, each, readManifestFile(each));
  manifest.files = files;
  return manifest;
}

/** Applies one file over what the files before it set: keys replace, `key+` appends. */
function apply(manifest: Manifest, file: string, content: FileContent): void {
  const ref = (entry: { use: string; with?: Record<string, unknown> }, path: string): PluginRef => ({
    use: entry.use,
    ...(entry.with ? { with: entry.with } : {}),
    origin: { file, path },
  });
  for (const [key, value] of Object.entries(content)) {
    if (value === undefined) continue;
    if (key === "modules") {
      for (const kind of MODULE_KINDS) {
        const entry = content.modules?.[kind];
        if (entry) manifest.modules[kind] = ref(entry, `modules.${kind}`);
      }
    } else if (key === "plugins") {
      manifest.plugins = content.plugins!.map((entry, i) => ref(entry, `plugins[${i}]`));
    } else if (key === "plugins+") {
      manifest.plugins.push(...content["plugins+"]!.map((entry, i) => ref(entry, `plugins+[${i}]`)));
    } else if (key.endsWith("+")) {
      const name = key.slice(0, -1);
      manifest.flags[name] = [...((manifest.flags[name] as string[] | undefined) ?? []), ...(value as string[])];
      manifest.flagOrigins[name] = file;
    } else {
      manifest.flags[key] = value as FlagValue;
      manifest.flagOrigins[key] = file;
    }
  }
}

/** The directory relative `use:` paths are resolved against: that of the file that named them. */
export function baseDirOf(ref: PluginRef): string {
  return dirname(ref.origin.file);
}
