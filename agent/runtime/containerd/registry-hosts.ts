/**
 * registries.yaml in the form Debian's containerd (1.6) reads: one `hosts.toml` per registry under
 * the CRI plugin's `config_path` (a certs.d-style dir), and credentials for config.toml.
 *
 * - A mirror's endpoints become `[host."<url>"]` entries, tried in order; an `http://` endpoint is
 *   plain HTTP. The registry's own ("default") endpoint comes last, as k3s documents — unless
 *   `disableDefaultEndpoint`: then it is left out, so no pull is ever sent to the real name.
 * - `configs.<host>.tls` goes to the entry of that host (`ca`, `client`, `skip_verify`): the CRI
 *   plugin refuses `configs.tls` in config.toml once `config_path` is set.
 * - `configs.<host>.auth` stays in config.toml (`registry.configs."<host>".auth`): containerd
 *   1.6's CRI asks it, per host it contacts, when the kubelet's PullImage carries no AuthConfig —
 *   the kubelet sends one only from a pod's imagePullSecrets. CRI's AuthConfig would not do for
 *   registries.yaml: one AuthConfig applies to every host of a pull, mirrors included, while
 *   configs are per host.
 * - `rewrite` needs k3s's patched containerd; stock containerd has no such setting, so it is
 *   reported and not applied.
 */
import type { Registries, RegistryAuth, RegistryTls } from "./registries.ts";

export interface RegistryHostFiles {
  /** Directory name under config_path (containerd's: `host` or `host_port_`; `_default` for `*`) → hosts.toml content. */
  files: Record<string, string>;
  /** Host → credentials, for config.toml's `registry.configs`. */
  auths: Record<string, RegistryAuth>;
  warnings: string[];
}

const str = (value: string) => JSON.stringify(value);

/** The registry's own endpoint, as containerd computes it. */
export function defaultEndpoint(registry: string): string {
  return registry === "docker.io" ? "https://registry-1.docker.io" : `https://${registry}`;
}

/** The directory containerd looks up for a registry: `*` is `_default`; ':' is fine on Linux. */
function hostDir(registry: string): string {
  return registry === "*" ? "_default" : registry;
}

function tlsLines(tls: RegistryTls | undefined, indent: string): string[] {
  if (!tls) return [];
  const lines: string[] = [];
  if (tls.ca_file) lines.push(`${indent}ca = ${str(tls.ca_file)}`);
  if (tls.cert_file) lines.push(`${indent}client = [[${str(tls.cert_file)}, ${str(tls.key_file ?? "")}]]`);
  if (tls.insecure_skip_verify !== undefined && tls.insecure_skip_verify !== null) lines.push(`${indent}skip_verify = ${tls.insecure_skip_verify}`);
  return lines;
}

function tlsFor(registries: Registries, url: string): RegistryTls | undefined {
  return registries.configs[new URL(url).host]?.tls ?? undefined;
}

function hostsToml(registries: Registries, registry: string, endpoints: string[], disableDefaultEndpoint: boolean): string {
  const lines = [`# Written by k3ts from registries.yaml (${registry}) at every agent start; edits are overwritten.`];
  const own = registry === "*" ? undefined : defaultEndpoint(registry);
  const hosts = endpoints.filter((e) => e.replace(/\/+$/, "") !== own);
  if (own && !(disableDefaultEndpoint && hosts.length > 0)) hosts.push(own);
  // containerd always adds the file's `server` as a last host; as a push-only host it is never
  // asked during pulls, which leaves the order (and the fallback) to the [host] list above.
  // (containerd 1.6 also rejects a hosts.toml without any [host] table.) For `*`, the fallback
  // is the pulled image's own registry, which containerd adds when `server` is absent.
  const server = own ?? (disableDefaultEndpoint ? hosts.at(-1) : undefined);
  if (server) lines.push(`server = ${str(server)}`, `capabilities = ["push"]`, ...tlsLines(tlsFor(registries, server), ""));
  for (const endpoint of hosts) {
    // The registry's own endpoint also takes the registry's configs entry (docker.io's is registry-1.docker.io).
    const tls = tlsFor(registries, endpoint) ?? (endpoint === own ? registries.configs[registry]?.tls : undefined);
    lines.push("", `[host.${str(endpoint)}]`, `  capabilities = ["pull", "resolve"]`, ...tlsLines(tls, "  "));
  }
  return `${lines.join("\n")}\n`;
}

export function registryHostFiles(registries: Registries, options: { disableDefaultEndpoint?: boolean } = {}): RegistryHostFiles {
  const out: RegistryHostFiles = { files: {}, auths: {}, warnings: [] };
  for (const [registry, mirror] of Object.entries(registries.mirrors)) {
    out.files[hostDir(registry)] = hostsToml(registries, registry, mirror.endpoint, options.disableDefaultEndpoint === true);
    if (Object.keys(mirror.rewrite).length > 0) {
      out.warnings.push(`mirrors.${registry}.rewrite is not applied: stock containerd has no rewrite setting (k3s patches its containerd for it)`);
    }
  }
  for (const [host, config] of Object.entries(registries.configs)) {
    if (config.auth) out.auths[host] = config.auth;
    // A registry with TLS settings and no mirror: a file of its own, so that its own endpoint gets them.
    if (config.tls && registries.mirrors[host] === undefined && host !== "*") {
      out.files[hostDir(host)] = hostsToml(registries, host, [], false);
    }
  }
  return out;
}

/** A mirrors option of the module (`{docker.io: [urls]}`) folded into registries.yaml's form; the file's entries win. */
export function withMirrors(registries: Registries | undefined, mirrors: Record<string, string[]> | undefined): Registries {
  const merged: Registries = { mirrors: {}, configs: { ...registries?.configs } };
  for (const [registry, endpoint] of Object.entries(mirrors ?? {})) merged.mirrors[registry] = { endpoint, rewrite: {} };
  Object.assign(merged.mirrors, registries?.mirrors);
  return merged;
}
