// Shared by the patch tests: schema nodes over client-node's real model graph.
import { builtinSchemas } from "../../../server/registry/schema/builtin-schema.ts";
import { loadModelGraph } from "../../../server/registry/schema/model.ts";
import type { SchemaNode } from "../../../server/registry/schema/schema-node.ts";

const graph = await loadModelGraph();
const schemas = builtinSchemas(graph);

export function schemaOf(model: string): SchemaNode {
  const node = schemas.forModel(model);
  if (!node) throw new Error(`no model ${model}`);
  return node;
}
export { graph };
