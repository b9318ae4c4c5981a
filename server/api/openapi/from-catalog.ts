/**
 * Keeps the OpenAPI v3 documents in step with the catalog: every group version the catalog
 * serves becomes an input of the OpenApiV3 service, rebuilt lazily when the catalog changes
 * (a CRD added or removed).
 */
import type { Catalog } from "../../registry/catalog.ts";
import type { ResourceDefinition } from "../../registry/types.ts";
import type { OpenApiV3 } from "./document.ts";
import type { ApiResourceSpec, CustomResourceSpec } from "./resources.ts";
import type { Schema } from "./schemas.ts";

function builtinSpec(d: ResourceDefinition & { modelName: string }): ApiResourceSpec {
  const subresources: string[] = [];
  if (d.statusSubresource) subresources.push("status");
  if (d.scale) subresources.push("scale");
  return { group: d.group, version: d.version, kind: d.kind, plural: d.resource, namespaced: d.namespaced, modelName: d.modelName, verbs: d.verbs, subresources };
}

function customSpec(d: ResourceDefinition): CustomResourceSpec {
  return {
    group: d.group,
    version: d.version,
    kind: d.kind,
    listKind: d.listKind,
    plural: d.resource,
    namespaced: d.namespaced,
    verbs: d.verbs,
    openAPIV3Schema: d.openAPIV3Schema as Schema | undefined,
    subresources: { status: d.statusSubresource ? {} : undefined, scale: d.scale },
  };
}

export function syncOpenApiWithCatalog(openapi: OpenApiV3, catalog: Catalog): () => void {
  let served = new Set<string>();
  const sync = () => {
    const now = new Set<string>();
    for (const gv of catalog.groupVersions()) {
      now.add(`${gv.group}/${gv.version}`);
      const builtins = gv.resources.filter((d): d is ResourceDefinition & { modelName: string } => !!d.modelName).map(builtinSpec);
      const custom = gv.resources.filter((d) => !d.modelName).map(customSpec);
      openapi.setGroupVersion({ group: gv.group, version: gv.version, builtins, custom });
    }
    for (const key of served) {
      if (!now.has(key)) {
        const [group, version] = key.split("/");
        openapi.removeGroupVersion(group, version);
      }
    }
    served = now;
  };
  sync();
  return catalog.onChange(sync);
}
