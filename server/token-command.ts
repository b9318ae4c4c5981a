/**
 * `k3ts token create|list|delete`, after `k3s token`: agent join tokens that expire, stored as
 * bootstrap-token Secrets in kube-system (as kubeadm and k3s do) and accepted by the server's
 * join endpoint in place of the agent token. Talks to the server with the admin kubeconfig of
 * the data dir (<data-dir>/server/cred/admin.kubeconfig) or --kubeconfig.
 *
 *   k3ts token create [--ttl 24h] [--description TEXT] [ID.SECRET]   prints K10<CA hash>::<id>.<secret>
 *   k3ts token list
 *   k3ts token delete ID|TOKEN...
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Client, KubeObject } from "../plugins/client.ts";
import { ConfigError } from "../plugins/errors.ts";
import { defaultValue, findFlag } from "../plugins/flags.ts";
import * as platform from "../plugins/platform.ts";
import { hashCaBundle, parseToken, TOKEN_PREFIX } from "./auth/tokens.ts";
import {
  BOOTSTRAP_NAMESPACE,
  BOOTSTRAP_TOKEN_PATTERN,
  BOOTSTRAP_TOKEN_TYPE,
  bootstrapSecretName,
  secretValue,
} from "./join/bootstrap-tokens.ts";

/** What the command needs of the admin kubeconfig; main.ts turns it into a Client. */
export interface AdminConnection {
  server: string;
  ca: string;
  token: string;
}

export interface TokenCommandIO {
  out(text: string): void;
  err(text: string): void;
  /** A Client for the cluster (main.ts builds the remote one). */
  connect(connection: AdminConnection): Client & { close?(): void };
  now?: () => Date;
}

const SECRETS = { apiVersion: "v1", resource: "secrets" };
const DEFAULT_TTL = "24h"; // as k3s token create

export const TOKEN_HELP = [
  "Usage: k3ts token <create|list|delete> [flags]",
  "",
  "Manages agent join tokens that expire (bootstrap tokens, stored as Secrets in kube-system).",
  "",
  "  create [ID.SECRET]   create a token (random unless given) and print it as K10<CA hash>::<id>.<secret>",
  "      --ttl DURATION       lifetime, e.g. 30m, 24h, 0 for no expiry (default 24h)",
  "      --description TEXT   what the token is for",
  "  list                 list tokens",
  "  delete ID|TOKEN...   delete tokens",
  "",
  "  -d, --data-dir DIR   the server's data dir (its admin kubeconfig is read from there)",
  "      --kubeconfig FILE  use this kubeconfig instead",
].join("\n");

/** Go-style durations: 90s, 30m, 24h, 1h30m; "0" for none. Milliseconds. */
export function parseDuration(text: string): number {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000 }[m[2] as "h" | "m" | "s"];
    matched += m[0].length;
  }
  if (matched === 0 || matched !== text.length) throw new ConfigError(`--ttl: expected a duration such as 30m, 24h or 1h30m, not ${JSON.stringify(text)}`);
  return total;
}

function randomFrom(alphabet: string, length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
  let out = "";
  // Rejection sampling keeps the characters uniform (256 is not a multiple of 36).
  for (const b of bytes) {
    if (b < 252 && out.length < length) out += alphabet[b % alphabet.length];
  }
  return out.length === length ? out : out + randomFrom(alphabet, length - out.length);
}

export function generateBootstrapToken(): { id: string; secret: string } {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return { id: randomFrom(alphabet, 6), secret: randomFrom(alphabet, 16) };
}

function parseArgs(args: string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.replace(/^--?/, "").split(/=(.*)/s, 2) as [string, string | undefined];
    const long = name === "d" ? "data-dir" : name;
    if (long === "help" || long === "h") {
      flags.set("help", "true");
      continue;
    }
    if (!["ttl", "description", "data-dir", "kubeconfig"].includes(long)) throw new ConfigError(`unknown flag --${long} (see k3ts token --help)`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new ConfigError(`--${long} needs a value`);
    flags.set(long, value);
  }
  return { positional, flags };
}

/** Reads the server, CA and token of a kubeconfig's current context. */
export function readAdminKubeconfig(path: string): AdminConnection {
  if (!existsSync(path)) throw new ConfigError(`no kubeconfig at ${path}: run this on a server (or give --data-dir or --kubeconfig)`);
  const config = parseYaml(readFileSync(path, "utf8")) as {
    "current-context"?: string;
    contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
    clusters?: Array<{ name: string; cluster: { server: string; "certificate-authority-data"?: string } }>;
    users?: Array<{ name: string; user: { token?: string } }>;
  };
  const context = config.contexts?.find((c) => c.name === config["current-context"])?.context ?? config.contexts?.[0]?.context;
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context?.user)?.user;
  const caData = cluster?.["certificate-authority-data"];
  if (!cluster?.server || !caData || !user?.token) throw new ConfigError(`${path}: expected a server, certificate-authority-data and a token (the admin kubeconfig k3ts server writes)`);
  return { server: cluster.server, ca: new TextDecoder().decode(Uint8Array.from(atob(caData), (c) => c.charCodeAt(0))), token: user.token };
}

function ttlText(expiration: string | undefined, now: Date): string {
  if (!expiration) return "<forever>";
  const ms = Date.parse(expiration) - now.getTime();
  if (ms <= 0) return "<expired>";
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return h > 0 ? `${h}h${m ? `${m}m` : ""}` : `${Math.max(m, 1)}m`;
}

export async function runTokenCommand(args: string[], io: TokenCommandIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    io.out(TOKEN_HELP);
    return sub === undefined ? 1 : 0;
  }
  if (!["create", "list", "delete"].includes(sub)) throw new ConfigError(`unknown subcommand ${JSON.stringify(sub)}; expected create, list or delete`);
  const { positional, flags } = parseArgs(rest);
  if (flags.has("help")) {
    io.out(TOKEN_HELP);
    return 0;
  }
  const now = io.now ?? (() => new Date());
  const env = platform.environment();
  const dataDir = resolve(platform.workingDirectory(), flags.get("data-dir") ?? env.K3TS_DATA_DIR ??
    (defaultValue(findFlag("data-dir")!, { isRoot: platform.isRoot(), homeDir: platform.homeDirectory() }) as string));
  const connection = readAdminKubeconfig(flags.get("kubeconfig") ?? join(dataDir, "server", "cred", "admin.kubeconfig"));
  const client = io.connect(connection);
  const secrets = client.resource<KubeObject & { type?: string; data?: Record<string, string> }>(SECRETS);
  try {
    if (sub === "create") {
      if (positional.length > 1) throw new ConfigError("create takes at most one token");
      let token = generateBootstrapToken();
      if (positional[0] !== undefined) {
        const given = parseToken(positional[0]).bootstrapToken;
        if (!given) throw new ConfigError(`a token to create must look like [a-z0-9]{6}.[a-z0-9]{16}, e.g. abcdef.0123456789abcdef`);
        token = given;
      }
      const ttl = parseDuration(flags.get("ttl") ?? DEFAULT_TTL);
      const data: Record<string, string> = {
        "token-id": token.id,
        "token-secret": token.secret,
        "usage-bootstrap-authentication": "true",
        "usage-bootstrap-signing": "true",
        "auth-extra-groups": "system:bootstrappers:k3ts:default-node-token",
      };
      if (ttl > 0) data.expiration = new Date(now().getTime() + ttl).toISOString().replace(/\.\d{3}Z$/, "Z");
      const description = flags.get("description");
      if (description) data.description = description;
      try {
        await secrets.create({
          apiVersion: "v1",
          kind: "Secret",
          type: BOOTSTRAP_TOKEN_TYPE,
          metadata: { name: bootstrapSecretName(token.id), namespace: BOOTSTRAP_NAMESPACE },
          data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, btoa(v)])),
        });
      } catch (err) {
        if ((err as { code?: number }).code === 409) throw new ConfigError(`a token with id ${token.id} exists already`);
        throw err;
      }
      io.out(`${TOKEN_PREFIX}${await hashCaBundle(connection.ca)}::${token.id}.${token.secret}`);
      return 0;
    }
    if (sub === "list") {
      const list = await secrets.list({ namespace: BOOTSTRAP_NAMESPACE });
      const rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION"]];
      for (const s of list.items) {
        if (s.type !== BOOTSTRAP_TOKEN_TYPE) continue;
        const usages = ["authentication", "signing"].filter((u) => secretValue(s, `usage-bootstrap-${u}`) === "true");
        const expiration = secretValue(s, "expiration");
        rows.push([`${secretValue(s, "token-id")}.<secret>`, ttlText(expiration, now()), expiration ?? "<never>", usages.join(","), secretValue(s, "description") ?? "<none>"]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) io.out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("   "));
      return 0;
    }
    // delete
    if (positional.length === 0) throw new ConfigError("delete needs the id (or the whole token) of each token to delete");
    let code = 0;
    for (const given of positional) {
      const id = BOOTSTRAP_TOKEN_PATTERN.exec(given.replace(/^K10[0-9a-f]*::/, ""))?.[1] ?? (/^[a-z0-9]{6}$/.test(given) ? given : undefined);
      if (!id) {
        io.err(`k3ts token: ${JSON.stringify(given)} is neither a token id nor a token`);
        code = 1;
        continue;
      }
      const deleted = await secrets.delete(bootstrapSecretName(id), BOOTSTRAP_NAMESPACE);
      if (deleted) io.out(`bootstrap token "${id}" deleted`);
      else {
        io.err(`k3ts token: no token with id ${id}`);
        code = 1;
      }
    }
    return code;
  } finally {
    client.close?.();
  }
}
