/**
 * The schema of a served kind, for patches, server-side apply and field validation: built-in
 * kinds from client-node's models with our patch metadata, custom resources from their CRD's
 * openAPIV3Schema (set on the definition when the CRD is registered).
 */
import type { ResourceDefinition } from "../types.ts";
import { builtinSchemas } from "./builtin-schema.ts";
import { loadModelGraph } from "./model.ts";
import { UNTYPED, type SchemaNode } from "./schema-node.ts";

let builtins: Promise<{ forModel(name: string): SchemaNode | undefined }> | undefined;

export async function schemaFor(def: ResourceDefinition): Promise<SchemaNode> {
  if (def.schema) return def.schema;
  if (!def.modelName) return UNTYPED;
  builtins ??= loadModelGraph().then(builtinSchemas);
  return (await builtins).forModel(def.modelName) ?? UNTYPED;
}
