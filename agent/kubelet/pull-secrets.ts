/**
 * A pod's imagePullSecrets as upstream's kubelet uses them (pkg/credentialprovider): Secrets of
 * type kubernetes.io/dockerconfigjson (`.dockerconfigjson`: {"auths": {KEY: entry}}) or
 * kubernetes.io/dockercfg (`.dockercfg`: {KEY: entry}) make a keyring; an image gets the
 * credentials of every key that matches it, the most specific key first, and the pull is tried
 * with each in turn.
 *
 * A key is a registry host, optionally with a port, a path and a scheme (`https://` is dropped);
 * its host may have `*` labels (`*.example.com`). It matches an image whose host matches label by
 * label, whose port is the same, and whose repository path starts with the key's path. Docker
 * Hub's keys (`https://index.docker.io/v1/`, `index.docker.io`, `docker.io`) match images on
 * docker.io. An entry's `auth` (base64 "user:password") fills in a missing username and password.
 */
import type { Client, KubeObject } from "../../plugins/client.ts";
import type { AuthConfig } from "../runtime/mod.ts";
import { imageRepository, normalizeImageName } from "../runtime/image-names.ts";
import type { Pod } from "./types.ts";

interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface SecretJson extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

interface KeyringEntry {
  host: string;
  port: string;
  path: string;
  /** host[:port]/path, normalized: sorted in reverse, a path's key comes before its host's. */
  key: string;
  auth: AuthConfig;
}

const DOCKER_HUB_HOSTS = new Set(["index.docker.io", "registry-1.docker.io", "docker.io"]);

/** host, port and path of a key or of an image repository, lower-cased host, Docker Hub folded into docker.io. */
function split(location: string): { host: string; port: string; path: string } {
  const withoutScheme = location.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const slash = withoutScheme.indexOf("/");
  const hostPort = slash < 0 ? withoutScheme : withoutScheme.slice(0, slash);
  let path = slash < 0 ? "" : withoutScheme.slice(slash + 1).replace(/\/+$/, "");
  const colon = hostPort.lastIndexOf(":");
  let host = (colon < 0 ? hostPort : hostPort.slice(0, colon)).toLowerCase();
  const port = colon < 0 ? "" : hostPort.slice(colon + 1);
  if (DOCKER_HUB_HOSTS.has(host)) {
    host = "docker.io";
    // The legacy key https://index.docker.io/v1/ names the whole registry, not a path v1.
    if (path === "v1") path = "";
  }
  return { host, port, path };
}

function hostMatches(pattern: string, host: string): boolean {
  const want = pattern.split(".");
  const have = host.split(".");
  return want.length === have.length && want.every((label, i) => label === "*" || label === have[i]);
}

function pathMatches(prefix: string, path: string): boolean {
  return prefix === "" || path === prefix || path.startsWith(`${prefix}/`);
}

function decodeAuth(auth: string): { username?: string; password?: string } {
  try {
    const text = new TextDecoder().decode(Uint8Array.from(atob(auth), (c) => c.charCodeAt(0)));
    const colon = text.indexOf(":");
    return colon < 0 ? {} : { username: text.slice(0, colon), password: text.slice(colon + 1) };
  } catch {
    return {};
  }
}

/**
 * No serverAddress, as upstream's kubelet sends none: containerd's CRI would drop credentials
 * whose serverAddress does not parse to the host it contacts (a key like `localhost:5000` has no
 * URL host at all), and the key has already chosen the image.
 */
function toAuthConfig(entry: DockerConfigEntry): AuthConfig {
  const fromAuth = entry.auth ? decodeAuth(entry.auth) : {};
  const auth: AuthConfig = {};
  const username = entry.username || fromAuth.username;
  const password = entry.password || fromAuth.password;
  if (username) auth.username = username;
  if (password) auth.password = password;
  if (entry.identitytoken) auth.identityToken = entry.identitytoken;
  if (entry.registrytoken) auth.registryToken = entry.registrytoken;
  return auth;
}

/** The registry entries of a docker config Secret; [] for other Secrets or unreadable data. */
export function dockerConfigEntries(secret: SecretJson): Array<[string, DockerConfigEntry]> {
  const data = secret.data ?? {};
  const decode = (value: string) => JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)))) as unknown;
  try {
    if (secret.type === "kubernetes.io/dockerconfigjson" && data[".dockerconfigjson"]) {
      const parsed = decode(data[".dockerconfigjson"]) as { auths?: Record<string, DockerConfigEntry> };
      return Object.entries(parsed.auths ?? {});
    }
    if (secret.type === "kubernetes.io/dockercfg" && data[".dockercfg"]) {
      return Object.entries(decode(data[".dockercfg"]) as Record<string, DockerConfigEntry>);
    }
  } catch {
    // Validation makes both keys valid JSON at create time; anything else is simply not a keyring.
  }
  return [];
}

export class DockerKeyring {
  readonly #entries: KeyringEntry[] = [];

  add(key: string, entry: DockerConfigEntry): void {
    const trimmed = key.trim();
    if (!trimmed) return;
    const location = split(trimmed);
    this.#entries.push({ ...location, key: `${location.host}${location.port && `:${location.port}`}/${location.path}`, auth: toAuthConfig(entry) });
    // Most specific first, as upstream's reverse-sorted index: a path's key before its host's.
    this.#entries.sort((a, b) => b.key.localeCompare(a.key));
  }

  /** The credentials to try for `image`, best match first; [] to pull without any. */
  lookup(image: string): AuthConfig[] {
    const { host, port, path } = split(imageRepository(normalizeImageName(image)));
    return this.#entries.filter((e) => hostMatches(e.host, host) && e.port === port && pathMatches(e.path, path)).map((e) => e.auth);
  }
}

/**
 * The keyring of a pod's imagePullSecrets, read through the node's client (the node authorizer
 * lets a node get the Secrets its pods name), and the names of those it could not read.
 */
export async function podKeyring(client: Client, pod: Pod): Promise<{ keyring: DockerKeyring; missing: string[] }> {
  const keyring = new DockerKeyring();
  const missing: string[] = [];
  const secrets = client.resource<SecretJson>({ apiVersion: "v1", resource: "secrets" });
  for (const ref of pod.spec.imagePullSecrets ?? []) {
    if (!ref.name) continue;
    const secret = await secrets.get(ref.name, pod.metadata.namespace).catch(() => undefined);
    if (!secret) {
      missing.push(ref.name);
      continue;
    }
    for (const [key, entry] of dockerConfigEntries(secret)) keyring.add(key, entry);
  }
  return { keyring, missing };
}
