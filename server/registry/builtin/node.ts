/**
 * node.k8s.io/v1 RuntimeClass: a name for a container runtime handler (a CRI runtime handler
 * such as runc or kata), with overhead and scheduling constraints. The handler may not change.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { immutable, invalidValue, required } from "../validation/field-errors.ts";
import { dns1123Label } from "../validation/names.ts";
import type { ResourceDefinition } from "../types.ts";
import { defineKind } from "./define.ts";

function validateRuntimeClass(o: KubeObject): StatusCause[] {
  const handler = o.handler;
  if (handler === undefined || handler === null || handler === "") return [required("handler")];
  return dns1123Label(String(handler)).map((m) => invalidValue("handler", handler, m));
}

export const runtimeclasses: ResourceDefinition = defineKind({
  group: "node.k8s.io",
  version: "v1",
  kind: "RuntimeClass",
  resource: "runtimeclasses",
  namespaced: false,
  modelName: "V1RuntimeClass",
  strategy: {
    generation: "none",
    validate: validateRuntimeClass,
    validateUpdate: (o, old) => [...validateRuntimeClass(o), ...(o.handler === old.handler ? [] : [immutable("handler", o.handler)])],
  },
  columns: [{ name: "Handler", description: "handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.", cell: (o) => o.handler ?? "" }],
});
