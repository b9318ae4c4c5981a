/**
 * The AGE column as a column spec, for tables whose wide columns come after it (workloads):
 * define.ts's `table()` puts AGE last, which is right only when there are no wide columns.
 */
import { age } from "../../api/human-duration.ts";
import type { ColumnSpec } from "./define.ts";

export const AGE_COLUMN: ColumnSpec = {
  name: "Age",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  cell: (o) => age(o.metadata.creationTimestamp),
};
