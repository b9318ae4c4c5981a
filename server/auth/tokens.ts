/**
 * k3s-style join tokens: `K10<CA hash>::<user>:<password>`, or the short form (just the password),
 * which skips CA pinning. The server token (user "server") lets another server join; the agent
 * token (user "node") lets agents join. Semantics follow k3s pkg/clientaccess/token.go.
 */
import { constantTimeEqual, sha256Hex } from "./constant-time.ts";
import type { FileStore } from "./file-store.ts";
import { pemBlocks } from "./pem.ts";

export const TOKEN_PREFIX = "K10";
const CA_HASH_LENGTH = 64; // hex SHA-256
// kubeadm bootstrap tokens ("abcdef.0123456789abcdef") are credentials of their own, not user:password.
const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export interface ParsedToken {
  /** The CA hash to pin, or undefined for a short token. */
  caHash?: string;
  /** "server", "node", or "" for a short token (k3s fills in the user by context). */
  username: string;
  password: string;
  /** Set instead of username/password for a bootstrap token. */
  bootstrapToken?: { id: string; secret: string };
}

export class TokenFormatError extends Error {
  override name = "TokenFormatError";
}

/** Parses a full or short token; throws TokenFormatError like k3s's parseToken. */
export function parseToken(token: string): ParsedToken {
  if (token.length === 0) throw new TokenFormatError("token must not be empty");
  let rest = token;
  let caHash: string | undefined;
  if (rest.startsWith(TOKEN_PREFIX)) {
    rest = rest.slice(TOKEN_PREFIX.length);
    const separator = rest.indexOf("::");
    if (separator >= 0) {
      const hash = rest.slice(0, separator);
      if (hash.length > 0 && hash.length !== CA_HASH_LENGTH) throw new TokenFormatError("invalid token CA hash length");
      caHash = hash.length > 0 ? hash.toLowerCase() : undefined;
      rest = rest.slice(separator + 2);
    }
  } else if (!BOOTSTRAP_TOKEN.test(rest)) {
    // A bare password: k3s turns it into ":<password>", an empty user.
    return { username: "", password: rest };
  }
  const bootstrap = BOOTSTRAP_TOKEN.exec(rest);
  if (bootstrap) return { caHash, username: "", password: "", bootstrapToken: { id: bootstrap[1]!, secret: bootstrap[2]! } };
  const colon = rest.indexOf(":");
  if (colon < 0 || colon === rest.length - 1) throw new TokenFormatError("invalid token format");
  return { caHash, username: rest.slice(0, colon), password: rest.slice(colon + 1) };
}

/** `K10<hash of caBundle>::<username>:<password>`. */
export async function formatToken(caBundle: string, username: string, password: string): Promise<string> {
  return `${TOKEN_PREFIX}${await hashCaBundle(caBundle)}::${username}:${password}`;
}

/**
 * The CA hash as k3s computes it: a single certificate is hashed as the literal bytes of the
 * file (so the stored PEM text must be hashed exactly, trailing newline included); a bundle of
 * several is hashed as the DER of the root that the first certificate chains to, so that the
 * token survives intermediate rotation.
 */
export async function hashCaBundle(caBundle: string): Promise<string> {
  const blocks = pemBlocks(caBundle);
  if (blocks.length === 0) throw new Error("CA bundle holds no certificate");
  if (blocks.length > 1) {
    const { x509 } = await import("./x509-lib.ts"); // only for bundles: a single CA is hashed as text
    const [leaf, ...others] = blocks.map((der) => new x509.X509Certificate(der));
    try {
      const chain = await new x509.X509ChainBuilder({ certificates: others }).build(leaf!);
      const root = chain[chain.length - 1];
      if (chain.length > 1 && root) return sha256Hex(new Uint8Array(root.rawData));
    } catch {
      // Like k3s: a bundle that does not verify is hashed as raw bytes.
    }
  }
  return sha256Hex(caBundle);
}

/** Whether the CA the server presented matches the token's pin; a short token pins nothing. */
export async function verifyCaHash(token: ParsedToken, caBundle: string): Promise<{ ok: boolean; actual: string }> {
  const actual = await hashCaBundle(caBundle);
  if (token.caHash === undefined) return { ok: true, actual };
  return { ok: await constantTimeEqual(token.caHash, actual), actual };
}

/** A random secret as lowercase hex (16 bytes by default, as k3s's generated tokens). */
export function randomSecret(bytes = 16): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export const TOKEN_FILES = { server: "token", agent: "agent-token", admin: "admin-token" } as const;

export interface ServerTokens {
  /** Full token for joining servers: K10<hash>::server:<password>. */
  server: string;
  /** Full token for joining agents: K10<hash>::node:<password>. */
  agent: string;
  serverPassword: string;
  agentPassword: string;
  /** Bearer token for the admin kubeconfig (user system:admin, group system:masters). */
  admin: string;
}

/**
 * Loads the server's tokens or creates them. A `--token` / `--agent-token` given on the command
 * line (short or full) sets the password; a full one must pin this cluster's CA.
 */
export async function loadOrCreateServerTokens(
  store: FileStore,
  options: { caBundle: string; token?: string; agentToken?: string },
): Promise<ServerTokens> {
  const password = async (given: string | undefined, file: string, user: string): Promise<string> => {
    if (given !== undefined && given !== "") {
      const parsed = parseToken(given);
      if (!(await verifyCaHash(parsed, options.caBundle)).ok) {
        throw new Error(`the ${user} token's CA hash does not match this cluster's CA`);
      }
      if (parsed.bootstrapToken) throw new Error(`the ${user} token must be a password, not a bootstrap token`);
      return parsed.password;
    }
    const stored = await store.read(file);
    if (stored !== undefined && stored.trim() !== "") return parseToken(stored.trim()).password;
    return randomSecret();
  };
  const serverPassword = await password(options.token, TOKEN_FILES.server, "server");
  // k3s: without its own agent token, agents join with the server password.
  const agentPassword = options.agentToken === undefined && (await store.read(TOKEN_FILES.agent)) === undefined
    ? serverPassword
    : await password(options.agentToken, TOKEN_FILES.agent, "node");
  const server = await formatToken(options.caBundle, "server", serverPassword);
  const agent = await formatToken(options.caBundle, "node", agentPassword);
  let admin = (await store.read(TOKEN_FILES.admin))?.trim();
  if (!admin) {
    admin = randomSecret(32);
    await store.write(TOKEN_FILES.admin, admin + "\n", { secret: true });
  }
  // Rewritten every start: the CA hash or a command-line token may have changed.
  if ((await store.read(TOKEN_FILES.server)) !== server + "\n") await store.write(TOKEN_FILES.server, server + "\n", { secret: true });
  if ((await store.read(TOKEN_FILES.agent)) !== agent + "\n") await store.write(TOKEN_FILES.agent, agent + "\n", { secret: true });
  return { server, agent, serverPassword, agentPassword, admin };
}

/**
 * Who presents join credentials (HTTP Basic `server:<pw>` / `node:<pw>`, or a bare token as
 * Bearer), as the join endpoints (/cacerts aside) need to know. Undefined if neither matches.
 */
export async function joinRole(
  authorization: string | null | undefined,
  tokens: Pick<ServerTokens, "serverPassword" | "agentPassword">,
): Promise<"server" | "node" | undefined> {
  if (!authorization) return undefined;
  const space = authorization.indexOf(" ");
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  let username = "";
  let password = "";
  if (scheme === "basic") {
    let decoded: string;
    try {
      decoded = atob(value);
    } catch {
      return undefined;
    }
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  } else if (scheme === "bearer") {
    try {
      ({ username, password } = parseToken(value));
    } catch {
      return undefined;
    }
  } else {
    return undefined;
  }
  // Both comparisons always run, so timing does not reveal which password was close.
  const [isServer, isNode] = await Promise.all([
    constantTimeEqual(password, tokens.serverPassword),
    constantTimeEqual(password, tokens.agentPassword),
  ]);
  if (isServer && (username === "server" || username === "")) return "server";
  if (isNode && (username === "node" || username === "")) return "node";
  // k3s accepts the server password from agents too.
  if (isServer && username === "node") return "node";
  return undefined;
}
