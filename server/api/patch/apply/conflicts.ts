/**
 * The 409 an apply gets when it would change fields another manager owns (apiserver
 * fieldmanager NewConflictError): one cause per field, a message listing them by manager.
 */
import { ApiError } from "../../status.ts";
import { pathString, type FieldPath } from "./field-set.ts";
import { describeManager, type Manager } from "./managed-fields.ts";

export interface Conflict {
  manager: Manager;
  path: FieldPath;
}

export function conflictError(conflicts: readonly Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${describeManager(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    message = `Apply failed with 1 conflict: conflict with ${describeManager(c.manager)}: ${pathString(c.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const name = describeManager(c.manager);
      byManager.set(name, [...(byManager.get(name) ?? []), pathString(c.path)]);
    }
    const lines: string[] = [];
    for (const name of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${name}:`, ...byManager.get(name)!.map((p) => `- ${p}`));
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
  }
  return new ApiError(409, "Conflict", message, { causes });
}
