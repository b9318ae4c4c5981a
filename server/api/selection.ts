/**
 * Label and field selectors from a request's query string, as one predicate over objects.
 * Parse errors are 400 BadRequest with the parser's message, as upstream answers them.
 */
import type { ResourceDefinition } from "../registry/types.ts";
import type { KubeObject } from "../storage/object.ts";
import type { PredicateBuilder } from "./handlers/context.ts";
import { BUILTIN_FIELD_ALIASES, fieldTableFor } from "./selectors/field-tables.ts";
import { type FieldSelector, fieldSelectorFor } from "./selectors/fields.ts";
import { type LabelSelector, parseLabelSelector } from "./selectors/labels.ts";
import { badRequest } from "./status.ts";

function storageName(def: ResourceDefinition): { group: string; resource: string } {
  return def.storage ?? { group: def.group, resource: def.resource };
}

export const buildPredicate: PredicateBuilder = (def, labelSelector, fieldSelector) => {
  let labels: LabelSelector | undefined;
  let fields: FieldSelector | undefined;
  try {
    if (labelSelector) labels = parseLabelSelector(labelSelector);
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  try {
    if (fieldSelector) {
      const { group, resource } = storageName(def);
      const table = def.fieldTable ?? fieldTableFor(group, resource);
      fields = fieldSelectorFor(fieldSelector, table, BUILTIN_FIELD_ALIASES[`${group}/${resource}`]);
    }
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  if (labels?.requirements.length === 0 && !labels.nothing) labels = undefined;
  if (fields?.empty) fields = undefined;
  if (!labels && !fields) return undefined;
  return (o: KubeObject) => (!labels || labels.matches(o.metadata.labels)) && (!fields || fields.matches(o));
};
