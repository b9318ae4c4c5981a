/**
 * The meta.k8s.io/v1 Table transform (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`):
 * kubectl get prints exactly the columns and cells the server returns. Kinds without columns
 * of their own get upstream's default table: Name and Created At.
 */
import type { TableColumn, TableDefinition } from "../registry/types.ts";
import type { KubeObject } from "../storage/object.ts";

export type IncludeObject = "None" | "Metadata" | "Object";

const DEFAULT_COLUMNS: TableColumn[] = [
  { name: "Name", type: "string", format: "name", priority: 0, description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names" },
  { name: "Created At", type: "date", priority: 0, description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
];

export const DEFAULT_TABLE: TableDefinition = {
  columns: DEFAULT_COLUMNS,
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp],
};

export function parseIncludeObject(value: string | null): IncludeObject {
  if (value === "None" || value === "Object") return value;
  return "Metadata";
}

function rowObject(object: KubeObject, include: IncludeObject): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return object;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata };
}

export function tableRow(def: TableDefinition | undefined, object: KubeObject, include: IncludeObject): unknown {
  const cells = (def ?? DEFAULT_TABLE).cells(object);
  const row: Record<string, unknown> = { cells };
  const obj = rowObject(object, include);
  if (obj !== undefined) row.object = obj;
  return row;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A whole Table; `withColumns` false for the watch events after the first (as upstream sends them). */
export function toTable(def: TableDefinition | undefined, objects: KubeObject[], include: IncludeObject, meta: TableListMeta, withColumns = true): unknown {
  const table: Record<string, unknown> = {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: meta,
    columnDefinitions: withColumns ? (def ?? DEFAULT_TABLE).columns : null,
    rows: objects.map((o) => tableRow(def, o, include)),
  };
  return table;
}
