/**
 * `?fieldValidation=` for custom resources (KEP-2885): unknown fields — those pruning drops —
 * fail under Strict with `strict decoding error: unknown field "spec.foo"`, become warnings under
 * Warn (the default), and pass silently under Ignore; in every mode they are pruned.
 */
import { badRequest } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { decodeErrorMessage, strictDecodingErrorMessage, strictIssueMessage } from "../schema/field-validation.ts";
import type { ResourceDefinition } from "../types.ts";
import { prune } from "./pruning.ts";
import type { JSONSchemaProps } from "./types.ts";

export function checkCustomResourceFields(def: ResourceDefinition, object: KubeObject, mode: "Ignore" | "Warn" | "Strict"): string[] {
  const schema = def.openAPIV3Schema as JSONSchemaProps | undefined;
  if (!schema) return [];
  const issues = prune(object, schema).map((path) => ({ kind: "unknown" as const, path }));
  if (mode === "Ignore" || issues.length === 0) return [];
  if (mode === "Strict") throw badRequest(decodeErrorMessage(def.kind, def.version, strictDecodingErrorMessage(issues)));
  return issues.map(strictIssueMessage);
}
