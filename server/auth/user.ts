/**
 * Who a request is from, as authentication hands it to authorization (apiserver's user.Info),
 * and the well-known names Kubernetes gives users and groups.
 */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

export const SYSTEM_MASTERS = "system:masters";
export const SYSTEM_AUTHENTICATED = "system:authenticated";
export const SYSTEM_UNAUTHENTICATED = "system:unauthenticated";
export const SYSTEM_ANONYMOUS = "system:anonymous";
export const SYSTEM_NODES = "system:nodes";
export const SYSTEM_ADMIN = "system:admin";
export const SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";
const NODE_PREFIX = "system:node:";
const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

export function nodeUsername(nodeName: string): string {
  return NODE_PREFIX + nodeName;
}

/** The node a user acts for: named system:node:<name> and in system:nodes, as upstream's NodeIdentifier demands. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.username.startsWith(NODE_PREFIX) || !user.groups.includes(SYSTEM_NODES)) return undefined;
  const name = user.username.slice(NODE_PREFIX.length);
  return name === "" ? undefined : name;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** The groups every ServiceAccount of `namespace` is in. */
export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** Splits system:serviceaccount:<ns>:<name>, or undefined for any other user. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const [namespace, name, ...rest] = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(":");
  if (!namespace || !name || rest.length > 0) return undefined;
  return { namespace, name };
}
