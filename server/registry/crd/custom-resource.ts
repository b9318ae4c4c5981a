/**
 * The ResourceDefinition of one served version of a CRD: names from the accepted names, the
 * structural schema for patches, apply, OpenAPI and validation, and the strategy of
 * apiextensions' customresource registry — prune unknown fields, apply the schema's defaults,
 * validate against the schema, and bump generation on anything but metadata and status.
 * Objects are stored as written (conversion strategy None): the strategy stamps the version the
 * object came through, and reads through another version only rewrite apiVersion.
 */
import { customResourceFieldTable } from "../../api/selectors/field-tables.ts";
import { methodNotSupported } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { openApiSchema, type JsonSchema } from "../schema/openapi-schema.ts";
import { ALL_VERBS, groupVersion, type ResourceDefinition } from "../types.ts";
import { applyDefaults } from "./defaulting.ts";
import { printerColumnsTable } from "./printer-columns.ts";
import { prune } from "./pruning.ts";
import { validateValue } from "./schema-validation.ts";
import type { CrdNames, CrdVersion, CustomResourceDefinition, JSONSchemaProps } from "./types.ts";

export interface CustomResourceOptions {
  /** The names to serve under (status.acceptedNames once the CRD is accepted). */
  names: CrdNames;
  /** True while the CRD is being deleted: new objects are refused, as upstream does. */
  terminating(): boolean;
}

/** A ResourceDefinition per served version of `crd`. */
export function customResourceDefinitions(crd: CustomResourceDefinition, options: CustomResourceOptions): ResourceDefinition[] {
  return crd.spec.versions.filter((v) => v.served).map((v) => forVersion(crd, v, options));
}

function forVersion(crd: CustomResourceDefinition, version: CrdVersion, options: CustomResourceOptions): ResourceDefinition {
  const { group } = crd.spec;
  const names = options.names;
  const schema = version.schema?.openAPIV3Schema;
  const scale = version.subresources?.scale;
  const apiVersion = groupVersion({ group, version: version.name });
  const kind = names.kind;
  const def: ResourceDefinition = {
    group,
    version: version.name,
    kind,
    listKind: names.listKind ?? `${kind}List`,
    resource: names.plural,
    singular: names.singular || kind.toLowerCase(),
    shortNames: names.shortNames,
    categories: names.categories,
    namespaced: crd.spec.scope === "Namespaced",
    verbs: ALL_VERBS,
    schema: openApiSchema(schema as JsonSchema | undefined),
    openAPIV3Schema: schema as Record<string, unknown> | undefined,
    statusSubresource: version.subresources?.status !== undefined,
    scale: scale ? { specReplicasPath: scale.specReplicasPath, statusReplicasPath: scale.statusReplicasPath, labelSelectorPath: scale.labelSelectorPath } : undefined,
    fieldTable: customResourceFieldTable(version.selectableFields ?? []),
    table: printerColumnsTable(version.additionalPrinterColumns),
    strategy: {
      generation: "all-but-metadata-and-status",
      allowUnconditionalUpdate: true,
      defaults(o) {
        o.apiVersion = apiVersion;
        o.kind = kind;
        normalize(o, schema);
      },
      prepareForCreate() {
        if (options.terminating()) throw methodNotSupported({ group, resource: names.plural }, "create");
      },
      validate: (o) => validate(o, schema),
    },
  };
  return def;
}

/** Pruning, then defaulting: what upstream does to every object it decodes. */
export function normalize(object: KubeObject, schema: JSONSchemaProps | undefined): string[] {
  if (!schema) return [];
  const removed = prune(object, schema);
  applyDefaults(object, schema);
  return removed;
}

function validate(object: KubeObject, schema: JSONSchemaProps | undefined) {
  if (!schema) return [];
  return validateValue(schema, object);
}
