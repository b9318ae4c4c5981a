/**
 * Every built-in kind the API server serves, in the order discovery lists their groups.
 */
import type { ResourceDefinition } from "../types.ts";
import { customResourceDefinitions } from "../crd/definition.ts";
import { mutatingwebhookconfigurations, validatingwebhookconfigurations } from "./admissionregistration.ts";
import { appsResources } from "./apps.ts";
import { batchResources } from "./batch.ts";
import { leases } from "./coordination.ts";
import { configmaps, namespaces, secrets, serviceaccounts } from "./core-config.ts";
import { events, eventsV1 } from "./core-events.ts";
import { nodes } from "./core-nodes.ts";
import { podtemplates, pods } from "./core-pods.ts";
import { limitranges, resourcequotas } from "./core-policy.ts";
import { endpoints, services } from "./core-services.ts";
import { endpointslices } from "./discovery.ts";
import { networkingResources } from "./networking.ts";
import { runtimeclasses } from "./node.ts";
import { poddisruptionbudgets } from "./policy.ts";
import { rbacResources } from "./rbac.ts";
import { authenticationResources, authorizationResources } from "./reviews.ts";
import { priorityclasses } from "./scheduling.ts";
import { storageclasses } from "./storage.ts";
import { persistentvolumeclaims, persistentvolumes } from "./core-storage.ts";
import { metricsResources } from "./metrics.ts"; // metrics.k8s.io (served by server/metrics)

export function builtinResources(): ResourceDefinition[] {
  return [
    namespaces, configmaps, secrets, serviceaccounts,
    pods, podtemplates, services, endpoints, nodes, events, persistentvolumes, persistentvolumeclaims, limitranges, resourcequotas,
    ...appsResources, // apps (before events.k8s.io, as upstream lists the groups)
    eventsV1,
    ...authenticationResources, ...authorizationResources, ...batchResources, ...networkingResources,
    poddisruptionbudgets, ...rbacResources, storageclasses,
    mutatingwebhookconfigurations, validatingwebhookconfigurations,
    customResourceDefinitions, // apiextensions.k8s.io (server/registry/crd)
    priorityclasses, leases, runtimeclasses, endpointslices,
    ...metricsResources, // metrics.k8s.io/v1beta1 NodeMetrics, PodMetrics (server/metrics)
  ];
}
