/**
 * Which resources the garbage collector follows, and how it finds the resource of a kind named
 * by an ownerReference (upstream: GetDeletableResources and the RESTMapper). One resource per
 * storage, in its group's preferred version, among those that can be listed, watched and deleted;
 * Events are left out as upstream's default ignoredResources leave them out (they are many, and
 * nothing owns them).
 */
import type { ResourceDiscovery, ServedResource } from "../types.ts";

const IGNORED_STORAGE = new Set(["/events"]);
const NEEDED_VERBS = ["delete", "list", "watch"];

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

export class ResourceResolver {
  readonly #discovery: ResourceDiscovery | undefined;
  #byKind = new Map<string, ServedResource>();
  #followed: ServedResource[] = [];

  constructor(discovery: ResourceDiscovery | undefined) {
    this.#discovery = discovery;
    this.refresh();
  }

  /** Rereads discovery (after a change). */
  refresh(): void {
    const all = this.#discovery?.resources() ?? [];
    // Preferred versions first, so that they win both maps.
    const ordered = [...all.filter((r) => r.preferred), ...all.filter((r) => !r.preferred)];
    const byKind = new Map<string, ServedResource>();
    const byStorage = new Map<string, ServedResource>();
    for (const r of ordered) {
      const exact = `${r.apiVersion}|${r.kind}`;
      const loose = `${groupOf(r.apiVersion)}|${r.kind}`;
      if (!byKind.has(exact)) byKind.set(exact, r);
      if (!byKind.has(loose)) byKind.set(loose, r);
      if (!IGNORED_STORAGE.has(r.storage) && NEEDED_VERBS.every((v) => r.verbs.includes(v)) && !byStorage.has(r.storage)) byStorage.set(r.storage, r);
    }
    this.#byKind = byKind;
    this.#followed = [...byStorage.values()];
  }

  /** The resources to follow (one per storage). */
  followed(): ServedResource[] {
    return this.#followed;
  }

  /** The resource of a kind: its own version if served, else its group's preferred one (same objects). */
  resolve(apiVersion: string, kind: string): ServedResource | undefined {
    return this.#byKind.get(`${apiVersion}|${kind}`) ?? this.#byKind.get(`${groupOf(apiVersion)}|${kind}`);
  }
}
