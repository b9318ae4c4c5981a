/**
 * k3s's private registry file (`/etc/rancher/k3s/registries.yaml`; k3ts: `/etc/k3ts/registries.yaml`
 * or `--private-registry`): `mirrors` maps a registry name (or `*`) to endpoint URLs tried before
 * the registry itself, `configs` maps an endpoint's host[:port] to its credentials and TLS
 * settings. Checked as the manifest is, so a bad file stops the agent with the file, the key path,
 * what was expected and what was found.
 */
import { existsSync, readFileSync } from "node:fs";
import * as v from "valibot";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../../../plugins/errors.ts";
import { describeIssue } from "../../../plugins/issues.ts";

/** Where k3ts looks when no --private-registry is given (as root). */
export const DEFAULT_REGISTRIES_FILE = "/etc/k3ts/registries.yaml";

/** A registry as image names carry it: `docker.io`, `registry.example:5000`, `[::1]:5000`, or `*` for all. */
const registryName = v.pipe(
  v.string(),
  v.check((s) => s === "*" || /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(s), "expected a registry host[:port] (or *), without scheme or path"),
);

const endpointUrl = v.pipe(
  v.string(),
  v.check((s) => {
    try {
      const url = new URL(s);
      return (url.protocol === "http:" || url.protocol === "https:") && url.host !== "" && url.search === "" && url.hash === "";
    } catch {
      return false;
    }
  }, "expected an http:// or https:// URL"),
);

const regexKey = v.pipe(
  v.string(),
  v.check((s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  }, "expected a regular expression"),
);

const optionalString = v.nullish(v.string());

const mirrorSchema = v.strictObject({
  endpoint: v.nullish(v.array(endpointUrl)),
  rewrite: v.nullish(v.record(regexKey, v.string())),
});

const authSchema = v.strictObject({
  username: optionalString,
  password: optionalString,
  auth: optionalString,
  identitytoken: optionalString,
});

const tlsSchema = v.strictObject({
  ca_file: optionalString,
  cert_file: optionalString,
  key_file: optionalString,
  insecure_skip_verify: v.nullish(v.boolean()),
});

const registriesSchema = v.nullish(
  v.strictObject({
    mirrors: v.nullish(v.record(registryName, v.nullish(mirrorSchema))),
    configs: v.nullish(v.record(registryName, v.nullish(v.strictObject({ auth: v.nullish(authSchema), tls: v.nullish(tlsSchema) })))),
  }),
);

export type RegistryAuth = v.InferOutput<typeof authSchema>;
export type RegistryTls = v.InferOutput<typeof tlsSchema>;

export interface Registries {
  mirrors: Record<string, { endpoint: string[]; rewrite: Record<string, string> }>;
  configs: Record<string, { auth?: RegistryAuth; tls?: RegistryTls }>;
}

export function emptyRegistries(): Registries {
  return { mirrors: {}, configs: {} };
}

/** Checks parsed YAML (or JSON) against the format; `file` names the source in errors. */
export function parseRegistries(input: unknown, file: string): Registries {
  const result = v.safeParse(registriesSchema, input);
  if (!result.success) {
    const lines = result.issues.map((issue) => `  ${describeIssue(issue)}`);
    throw new ConfigError(`${file}: not a valid registries file:\n${lines.join("\n")}`);
  }
  const out = emptyRegistries();
  for (const [name, mirror] of Object.entries(result.output?.mirrors ?? {})) {
    out.mirrors[name] = { endpoint: [...new Set(mirror?.endpoint ?? [])], rewrite: mirror?.rewrite ?? {} };
  }
  for (const [host, config] of Object.entries(result.output?.configs ?? {})) {
    const entry: Registries["configs"][string] = {};
    if (config?.auth) entry.auth = config.auth;
    if (config?.tls) entry.tls = config.tls;
    out.configs[host] = entry;
  }
  return out;
}

/**
 * Reads the registries file. A missing file is no configuration, unless `required` (it was named
 * with --private-registry): then it is an error, since the user expects it to apply.
 */
export function loadRegistries(file: string, options: { required: boolean }): Registries | undefined {
  if (!existsSync(file)) {
    if (options.required) throw new ConfigError(`${file}: private registry file not found (--private-registry)`);
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  return parseRegistries(parsed, file);
}
