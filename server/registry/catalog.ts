/**
 * The kinds the server serves right now: built-in ones registered at start, custom ones added
 * and removed as CustomResourceDefinitions come and go. Discovery, OpenAPI and dispatch all read
 * it; `onChange` lets them drop what they cached.
 */
import { groupVersion, type ResourceDefinition } from "./types.ts";

export interface GroupVersionResources {
  group: string;
  version: string;
  resources: ResourceDefinition[];
}

export class Catalog {
  /** "group/version/resource" → definition. */
  readonly #byPath = new Map<string, ResourceDefinition>();
  /** Group → versions in preference order. */
  readonly #groupVersions = new Map<string, string[]>();
  readonly #listeners = new Set<() => void>();
  #generation = 0;

  /** Bumped on every change: caches keyed on it know when to rebuild. */
  get generation(): number {
    return this.#generation;
  }

  add(def: ResourceDefinition, options: { preferred?: boolean } = {}): void {
    this.#byPath.set(`${def.group}/${def.version}/${def.resource}`, def);
    const versions = this.#groupVersions.get(def.group) ?? [];
    if (!versions.includes(def.version)) {
      if (options.preferred) versions.unshift(def.version);
      else versions.push(def.version);
    }
    this.#groupVersions.set(def.group, versions);
    this.#changed();
  }

  remove(group: string, version: string, resource: string): void {
    if (!this.#byPath.delete(`${group}/${version}/${resource}`)) return;
    if (![...this.#byPath.values()].some((d) => d.group === group && d.version === version)) {
      const versions = (this.#groupVersions.get(group) ?? []).filter((v) => v !== version);
      if (versions.length) this.#groupVersions.set(group, versions);
      else this.#groupVersions.delete(group);
    }
    this.#changed();
  }

  /** Sets the preference order of a group's versions (CRDs order them by version priority). */
  setVersionOrder(group: string, versions: string[]): void {
    this.#groupVersions.set(group, versions.filter((v) => this.#groupVersions.get(group)?.includes(v)));
    this.#changed();
  }

  #changed(): void {
    this.#generation++;
    for (const l of this.#listeners) l();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.#byPath.get(`${group}/${version}/${resource}`);
  }

  /** Every definition of a group version (main resources only). */
  groupVersion(group: string, version: string): ResourceDefinition[] {
    return [...this.#byPath.values()].filter((d) => d.group === group && d.version === version);
  }

  /** Groups other than core, in registration order, each with its versions in preference order. */
  groups(): { name: string; versions: string[] }[] {
    return [...this.#groupVersions.entries()].filter(([g]) => g !== "").map(([name, versions]) => ({ name, versions }));
  }

  versionsOf(group: string): string[] {
    return this.#groupVersions.get(group) ?? [];
  }

  all(): ResourceDefinition[] {
    return [...this.#byPath.values()];
  }

  /** All definitions grouped per group version, core first. */
  groupVersions(): GroupVersionResources[] {
    const out: GroupVersionResources[] = [];
    const push = (group: string) => {
      for (const version of this.versionsOf(group)) out.push({ group, version, resources: this.groupVersion(group, version) });
    };
    push("");
    for (const g of this.groups()) push(g.name);
    return out;
  }

  /** Finds the definition for a kind in a group version ("apps/v1", "Deployment"). */
  byKind(apiVersion: string, kind: string): ResourceDefinition | undefined {
    for (const d of this.#byPath.values()) if (groupVersion(d) === apiVersion && d.kind === kind) return d;
    return undefined;
  }
}
