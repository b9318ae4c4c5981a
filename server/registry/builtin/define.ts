/**
 * A compact way to declare a built-in kind: names, scope and model, with the common strategy
 * (generation on spec changes, unconditional updates allowed) unless the kind says otherwise.
 */
import { age } from "../../api/human-duration.ts";
import type { KubeObject } from "../../storage/object.ts";
import { ALL_VERBS, type ResourceDefinition, type Strategy, type TableColumn, type TableDefinition, type Verb } from "../types.ts";

export interface KindSpec extends Partial<Omit<ResourceDefinition, "strategy" | "table">> {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  strategy?: Partial<Strategy>;
  /** Columns after NAME (which every table starts with) and before AGE (which ends it unless `noAge`). */
  columns?: ColumnSpec[];
  noAge?: boolean;
}

export interface ColumnSpec {
  name: string;
  type?: TableColumn["type"];
  format?: string;
  /** 1 for `-o wide` only. */
  priority?: number;
  description?: string;
  cell(object: KubeObject): unknown;
}

export function table(columns: ColumnSpec[], withAge = true): TableDefinition {
  const all: ColumnSpec[] = [
    { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.", cell: (o) => o.metadata.name },
    ...columns,
  ];
  if (withAge) all.push({ name: "Age", type: "string", description: "CreationTimestamp is a timestamp representing the server time when this object was created.", cell: (o) => age(o.metadata.creationTimestamp) });
  return {
    columns: all.map((c) => ({ name: c.name, type: c.type ?? "string", format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 })),
    cells: (o) => all.map((c) => c.cell(o)),
  };
}

export function defineKind(spec: KindSpec): ResourceDefinition {
  const { strategy, columns, noAge, ...rest } = spec;
  const def: ResourceDefinition = {
    listKind: `${spec.kind}List`,
    singular: spec.kind.toLowerCase(),
    verbs: ALL_VERBS as Verb[],
    ...rest,
    strategy: { generation: "spec", allowUnconditionalUpdate: true, ...strategy },
  };
  if (columns) def.table = table(columns, !noAge);
  return def;
}

/** How many keys a map field has (the DATA column of ConfigMaps and Secrets). */
export function countKeys(...maps: unknown[]): number {
  let n = 0;
  for (const m of maps) if (m && typeof m === "object") n += Object.keys(m).length;
  return n;
}
