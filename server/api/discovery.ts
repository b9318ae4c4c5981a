/**
 * Discovery: what kubectl's RESTMapper reads before any resource command. The legacy documents
 * (/api, /apis, /api/v1, /apis/<g>/<v>) and the aggregated one (apidiscovery.k8s.io/v2 and
 * v2beta1, one round trip for everything), both built from the catalog and cached until it
 * changes. Clients pick aggregated discovery by the response's Content-Type.
 */
import type { Catalog } from "../registry/catalog.ts";
import { groupVersion, type ResourceDefinition } from "../registry/types.ts";
import { parseAccept } from "./negotiate.ts";

interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

function legacyResources(defs: ResourceDefinition[]): APIResource[] {
  const out: APIResource[] = [];
  for (const d of [...defs].sort((a, b) => a.resource.localeCompare(b.resource))) {
    const main: APIResource = { name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: [...d.verbs] };
    if (d.shortNames?.length) main.shortNames = d.shortNames;
    if (d.categories?.length) main.categories = d.categories;
    out.push(main);
    if (d.statusSubresource) out.push({ name: `${d.resource}/status`, singularName: "", namespaced: d.namespaced, kind: d.kind, verbs: ["get", "patch", "update"] });
    if (d.scale) out.push({ name: `${d.resource}/scale`, singularName: "", namespaced: d.namespaced, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] });
    for (const s of d.otherSubresources ?? []) {
      const r: APIResource = { name: `${d.resource}/${s.name}`, singularName: "", namespaced: d.namespaced, kind: s.kind, verbs: [...s.verbs] };
      if (s.group !== undefined) r.group = s.group;
      if (s.version !== undefined) r.version = s.version;
      out.push(r);
    }
  }
  return out;
}

export function apiVersions(serverAddress: string): unknown {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function apiGroupList(catalog: Catalog): unknown {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: catalog.groups().map((g) => ({
      name: g.name,
      versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
    })),
  };
}

export function apiGroup(catalog: Catalog, group: string): unknown | undefined {
  const versions = catalog.versionsOf(group);
  if (!versions.length) return undefined;
  return {
    kind: "APIGroup",
    apiVersion: "v1",
    name: group,
    versions: versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${group}/${versions[0]}`, version: versions[0] },
  };
}

export function apiResourceList(catalog: Catalog, group: string, version: string): unknown | undefined {
  const defs = catalog.groupVersion(group, version);
  if (!defs.length) return undefined;
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: groupVersion({ group, version }), resources: legacyResources(defs) };
}

function aggregatedResource(d: ResourceDefinition): unknown {
  const subresources: unknown[] = [];
  const self = { group: d.group, version: d.version, kind: d.kind };
  if (d.statusSubresource) subresources.push({ subresource: "status", responseKind: self, verbs: ["get", "patch", "update"] });
  if (d.scale) subresources.push({ subresource: "scale", responseKind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] });
  for (const s of d.otherSubresources ?? []) {
    subresources.push({ subresource: s.name, responseKind: { group: s.group ?? d.group, version: s.version ?? d.version, kind: s.kind }, verbs: [...s.verbs] });
  }
  const r: Record<string, unknown> = {
    resource: d.resource,
    responseKind: self,
    scope: d.namespaced ? "Namespaced" : "Cluster",
    singularResource: d.singular,
    verbs: [...d.verbs],
  };
  if (d.shortNames?.length) r.shortNames = d.shortNames;
  if (d.categories?.length) r.categories = d.categories;
  if (subresources.length) r.subresources = subresources;
  return r;
}

/** The aggregated document for /api (core only) or /apis (every other group). */
export function aggregatedDiscovery(catalog: Catalog, core: boolean, version: "v2" | "v2beta1"): unknown {
  const groups = core ? [{ name: "", versions: catalog.versionsOf("") }] : catalog.groups();
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: catalog.groupVersion(g.name, v).sort((a, b) => a.resource.localeCompare(b.resource)).map(aggregatedResource),
        freshness: "Current",
      })),
    })),
  };
}

/** Which aggregated discovery version the client asked for, if any (the first it lists that we serve). */
export function wantsAggregated(accept: string | null): "v2" | "v2beta1" | undefined {
  for (const r of parseAccept(accept)) {
    if (r.type !== "application/json") continue;
    if (r.params.as === "APIGroupDiscoveryList" && r.params.g === "apidiscovery.k8s.io" && (r.params.v === "v2" || r.params.v === "v2beta1")) {
      return r.params.v;
    }
    if (!r.params.as) return undefined;
  }
  return undefined;
}

export function aggregatedContentType(version: "v2" | "v2beta1"): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}
