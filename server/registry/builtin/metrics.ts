/**
 * metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics (the resource metrics API that k3s serves
 * through its bundled metrics-server, and `kubectl top` reads): get and list only, never stored.
 * These definitions give discovery and OpenAPI what they need; the answers come from
 * server/metrics/metrics-api.ts, routed ahead of the generic handlers.
 */
import type { ResourceDefinition } from "../types.ts";
import { defineKind } from "./define.ts";

const GROUP = "metrics.k8s.io";
const schema = (containers: boolean) => ({
  type: "object",
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    timestamp: { type: "string", format: "date-time" },
    window: { type: "string" },
    ...(containers
      ? { containers: { type: "array", items: { type: "object", properties: { name: { type: "string" }, usage: { type: "object", additionalProperties: { "x-kubernetes-int-or-string": true } } } } } }
      : { usage: { type: "object", additionalProperties: { "x-kubernetes-int-or-string": true } } }),
  },
});

export const nodeMetrics: ResourceDefinition = defineKind({
  group: GROUP,
  version: "v1beta1",
  kind: "NodeMetrics",
  resource: "nodes",
  namespaced: false,
  verbs: ["get", "list"],
  openAPIV3Schema: schema(false),
  strategy: { generation: "none" },
});

export const podMetrics: ResourceDefinition = defineKind({
  group: GROUP,
  version: "v1beta1",
  kind: "PodMetrics",
  resource: "pods",
  namespaced: true,
  verbs: ["get", "list"],
  openAPIV3Schema: schema(true),
  strategy: { generation: "none" },
});

export const metricsResources: ResourceDefinition[] = [nodeMetrics, podMetrics];
