import type { ApiResourceSpec } from "../../../server/api/openapi/resources.ts";

const ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** A slice of the core/v1 resources the registry will list. */
export const CORE_V1: ApiResourceSpec[] = [
  { group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, modelName: "V1Pod", verbs: ALL,
    subresources: ["status", { name: "binding", modelName: "V1Binding", gvk: { group: "", version: "v1", kind: "Binding" } }, { name: "eviction", modelName: "V1Eviction", gvk: { group: "policy", version: "v1", kind: "Eviction" } }, "log", "exec"] },
  { group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false, modelName: "V1Namespace", verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], subresources: ["status"] },
  { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, modelName: "V1ConfigMap", verbs: ALL },
  { group: "", version: "v1", kind: "Service", plural: "services", namespaced: true, modelName: "V1Service", verbs: ALL, subresources: ["status"] },
  { group: "", version: "v1", kind: "Event", plural: "events", namespaced: true, modelName: "CoreV1Event", verbs: ALL },
  { group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false, modelName: "V1Node", verbs: ALL, subresources: ["status"] },
];

export const APPS_V1: ApiResourceSpec[] = [
  { group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true, modelName: "V1Deployment", verbs: ALL, subresources: ["status", "scale"] },
];
