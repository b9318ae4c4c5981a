/**
 * The catalog seen as discovery, for controllers that follow every kind (the garbage
 * collector): each served resource with its verbs, scope and storage, and a change signal when
 * CRDs add or remove kinds. Upstream's controllers read the same from the discovery API.
 */
import type { Catalog } from "../registry/catalog.ts";
import { groupVersion } from "../registry/types.ts";
import type { ResourceDiscovery, ServedResource } from "./types.ts";

export function catalogDiscovery(catalog: Catalog): ResourceDiscovery {
  return {
    resources(): ServedResource[] {
      return catalog.all().map((d) => ({
        apiVersion: groupVersion(d),
        resource: d.resource,
        kind: d.kind,
        namespaced: d.namespaced,
        verbs: d.verbs,
        storage: d.storage ? `${d.storage.group}/${d.storage.resource}` : `${d.group}/${d.resource}`,
        preferred: catalog.versionsOf(d.group)[0] === d.version,
      }));
    },
    onChange: (listener) => catalog.onChange(listener),
  };
}
