/**
 * The authenticator chain, in kube-apiserver's order: client certificate, then bearer token
 * (static table, then ServiceAccount JWT), then anonymous. A bearer token that no authenticator
 * accepts is a 401 even when anonymous access is on — as upstream, a bad credential is never
 * silently downgraded to anonymous. Authenticated users get system:authenticated.
 */
import type { StaticTokenTable } from "./static-tokens.ts";
import { type VerifyOptions, verifyServiceAccountToken } from "./serviceaccount-jwt.ts";
import {
  SYSTEM_ANONYMOUS,
  SYSTEM_AUTHENTICATED,
  SYSTEM_UNAUTHENTICATED,
  serviceAccountGroups,
  serviceAccountUsername,
  type UserInfo,
} from "./user.ts";

export interface AuthnRequest {
  headers: { get(name: string): string | null };
  /**
   * The client certificate, only when the TLS adapter verified it against the client CA
   * (see client-cert.ts): the core cannot see the TLS layer itself.
   */
  clientCertificate?: { commonName: string; organizations: string[]; sha256Fingerprint?: string };
}

export type AuthnResult =
  | { ok: true; user: UserInfo; method: "x509" | "token" | "serviceaccount" | "anonymous" }
  /** Answer 401 with a Status whose message is "Unauthorized"; `reason` is for the log. */
  | { ok: false; reason: string };

/** An object that can be missing, or be on its way out. */
export interface LiveObject {
  uid: string;
  deletionTimestamp?: string | null;
}

/** Lookups that keep ServiceAccount tokens tied to live objects; undefined means not found. */
export interface ServiceAccountLookups {
  getServiceAccount(namespace: string, name: string): LiveObject | undefined | Promise<LiveObject | undefined>;
  getPod?(namespace: string, name: string): LiveObject | undefined | Promise<LiveObject | undefined>;
  getSecret?(namespace: string, name: string): LiveObject | undefined | Promise<LiveObject | undefined>;
  getNode?(name: string): LiveObject | undefined | Promise<LiveObject | undefined>;
}

export interface AuthenticatorOptions {
  tokens?: StaticTokenTable;
  serviceAccounts?: { verify: Omit<VerifyOptions, "now">; lookups: ServiceAccountLookups };
  /** --anonymous-auth; on by default upstream and in k3s (RBAC then allows only public info). */
  anonymous?: boolean;
  now?: () => Date;
}

export type Authenticator = (request: AuthnRequest) => Promise<AuthnResult>;

// Upstream treats objects deleted more than the JWT leeway ago as gone.
const DELETION_LEEWAY_MS = 60_000;

export const EXTRA = {
  podName: "authentication.kubernetes.io/pod-name",
  podUid: "authentication.kubernetes.io/pod-uid",
  nodeName: "authentication.kubernetes.io/node-name",
  nodeUid: "authentication.kubernetes.io/node-uid",
  credentialId: "authentication.kubernetes.io/credential-id",
} as const;

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const now = options.now ?? (() => new Date());
  const anonymous = options.anonymous ?? true;

  const gone = (object: LiveObject | undefined, uid: string): boolean =>
    object === undefined || object.uid !== uid ||
    (!!object.deletionTimestamp && Date.parse(object.deletionTimestamp) < now().getTime() - DELETION_LEEWAY_MS);

  async function serviceAccount(token: string): Promise<AuthnResult | undefined> {
    if (!options.serviceAccounts) return undefined;
    const { verify, lookups } = options.serviceAccounts;
    const result = await verifyServiceAccountToken(token, { ...verify, now: now() });
    if (!result.ok) return result.ours ? { ok: false, reason: result.reason } : undefined;
    const { namespace, serviceaccount, pod, secret, node } = result.claims["kubernetes.io"];
    const account = await lookups.getServiceAccount(namespace, serviceaccount.name);
    if (account === undefined) return { ok: false, reason: `serviceaccounts "${serviceaccount.name}" not found` };
    if (gone(account, serviceaccount.uid)) {
      return { ok: false, reason: `service account UID (${account.uid}) does not match claim (${serviceaccount.uid}) or it was deleted` };
    }
    // A token bound to an object dies with it; a binding we cannot check is not trusted.
    if (pod && (!lookups.getPod || gone(await lookups.getPod(namespace, pod.name), pod.uid))) {
      return { ok: false, reason: "service account token has been invalidated" };
    }
    if (secret && (!lookups.getSecret || gone(await lookups.getSecret(namespace, secret.name), secret.uid))) {
      return { ok: false, reason: "service account token has been invalidated" };
    }
    if (node && !pod && (!lookups.getNode || gone(await lookups.getNode(node.name), node.uid))) {
      return { ok: false, reason: "service account token has been invalidated" };
    }
    const extra: Record<string, string[]> = { [EXTRA.credentialId]: [`JTI=${result.claims.jti}`] };
    if (pod) Object.assign(extra, { [EXTRA.podName]: [pod.name], [EXTRA.podUid]: [pod.uid] });
    if (node) Object.assign(extra, { [EXTRA.nodeName]: [node.name], [EXTRA.nodeUid]: [node.uid] });
    const user: UserInfo = {
      username: serviceAccountUsername(namespace, serviceaccount.name),
      uid: serviceaccount.uid,
      groups: serviceAccountGroups(namespace),
      extra,
    };
    return { ok: true, user: authenticated(user), method: "serviceaccount" };
  }

  return async (request) => {
    if (request.clientCertificate) {
      const { commonName, organizations, sha256Fingerprint } = request.clientCertificate;
      const extra: Record<string, string[]> = sha256Fingerprint ? { [EXTRA.credentialId]: [`X509SHA256=${sha256Fingerprint}`] } : {};
      return { ok: true, user: authenticated({ username: commonName, groups: [...organizations], extra }), method: "x509" };
    }

    const token = bearerToken(request.headers.get("authorization"));
    if (token !== undefined) {
      const user = await options.tokens?.lookup(token);
      if (user) return { ok: true, user: authenticated(copyOfUser(user)), method: "token" };
      const result = await serviceAccount(token);
      if (result) return result;
      return { ok: false, reason: "invalid bearer token" };
    }

    if (!anonymous) return { ok: false, reason: "no credentials" };
    return { ok: true, user: { username: SYSTEM_ANONYMOUS, groups: [SYSTEM_UNAUTHENTICATED], extra: {} }, method: "anonymous" };
  };
}

/** `Bearer <token>` (scheme case-insensitive); undefined when absent, another scheme, or empty. */
export function bearerToken(authorization: string | null): string | undefined {
  if (!authorization) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

/**
 * The table's entry copied for one request (handlers may add to it). A plain copy: on every
 * request with a static token, structuredClone cost 2 % of the server's CPU under GET load.
 */
function copyOfUser(user: UserInfo): UserInfo {
  const extra: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(user.extra)) extra[key] = [...values];
  return { ...user, groups: [...user.groups], extra };
}

function authenticated(user: UserInfo): UserInfo {
  if (!user.groups.includes(SYSTEM_AUTHENTICATED)) user.groups = [...user.groups, SYSTEM_AUTHENTICATED];
  return user;
}
