/**
 * Where objects live in the datastore. One prefix per resource, so that a resource's objects
 * list and watch as one range: `/registry/<group>/<resource>/<namespace>/<name>` for namespaced
 * resources and `/registry/<group>/<resource>/<name>` for cluster-scoped ones. The core group,
 * whose name is empty in the API, is spelled `core` here so that no path segment is empty.
 */
export const REGISTRY_PREFIX = "/registry/";

export interface ResourceScope {
  group: string;
  resource: string;
  namespaced: boolean;
}

export interface ParsedKey {
  group: string;
  resource: string;
  namespace?: string;
  name: string;
}

function groupSegment(group: string): string {
  return group === "" ? "core" : group;
}

/** The prefix under which every object of the resource lives. */
export function resourcePrefix(r: { group: string; resource: string }): string {
  return `${REGISTRY_PREFIX}${groupSegment(r.group)}/${r.resource}/`;
}

/** The prefix of one namespace's objects of a namespaced resource. */
export function namespacePrefix(r: { group: string; resource: string }, namespace: string): string {
  return `${resourcePrefix(r)}${namespace}/`;
}

export function objectKey(r: ResourceScope, namespace: string | undefined, name: string): string {
  if (r.namespaced) {
    if (!namespace) throw new Error(`${r.resource} is namespaced: a namespace is needed for ${name}`);
    return `${namespacePrefix(r, namespace)}${name}`;
  }
  return `${resourcePrefix(r)}${name}`;
}

/** The resource prefix a key belongs to (the first three segments), or undefined for foreign keys. */
export function resourcePrefixOfKey(key: string): string | undefined {
  if (!key.startsWith(REGISTRY_PREFIX)) return undefined;
  const groupEnd = key.indexOf("/", REGISTRY_PREFIX.length);
  if (groupEnd < 0) return undefined;
  const resourceEnd = key.indexOf("/", groupEnd + 1);
  if (resourceEnd < 0) return undefined;
  return key.slice(0, resourceEnd + 1);
}

export function parseKey(key: string): ParsedKey | undefined {
  if (!key.startsWith(REGISTRY_PREFIX)) return undefined;
  const parts = key.slice(REGISTRY_PREFIX.length).split("/");
  if (parts.length === 3) return { group: parts[0] === "core" ? "" : parts[0], resource: parts[1], name: parts[2] };
  if (parts.length === 4) {
    return { group: parts[0] === "core" ? "" : parts[0], resource: parts[1], namespace: parts[2], name: parts[3] };
  }
  return undefined;
}
