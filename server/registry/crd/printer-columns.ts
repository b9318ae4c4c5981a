/**
 * The table of a custom resource (apiextensions pkg/registry/customresource/tableconvertor):
 * Name, then the version's additionalPrinterColumns, each cell the first value its JSONPath
 * reaches — printed to text for string columns, raw otherwise (kubectl formats numbers, and
 * dates as ages). A version without columns gets Age (`.metadata.creationTimestamp`, a date).
 */
import type { TableColumn, TableDefinition } from "../types.ts";
import { evaluate, parseJsonPath } from "./jsonpath.ts";
import type { PrinterColumn } from "./types.ts";

const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

const AGE: PrinterColumn = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
};

const COLUMN_TYPES = new Set(["string", "integer", "number", "boolean", "date"]);

function printed(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function printerColumnsTable(columns: readonly PrinterColumn[] | undefined): TableDefinition {
  const used = columns && columns.length > 0 ? columns : [AGE];
  const compiled = used.map((c) => ({ column: c, steps: parseJsonPath(c.jsonPath) }));
  const definitions: TableColumn[] = [
    { name: "Name", type: "string", format: "name", description: NAME_DESCRIPTION, priority: 0 },
    ...used.map((c) => ({
      name: c.name,
      type: (COLUMN_TYPES.has(c.type) ? c.type : "string") as TableColumn["type"],
      format: c.format ?? "",
      description: c.description ?? "",
      priority: c.priority ?? 0,
    })),
  ];
  return {
    columns: definitions,
    cells(object) {
      const cells: unknown[] = [object.metadata.name];
      for (const { column, steps } of compiled) {
        const found = evaluate(steps, object);
        if (found.length === 0 || found[0] === undefined) cells.push(null);
        else cells.push(column.type === "string" ? printed(found[0]) : found[0]);
      }
      return cells;
    },
  };
}
