/**
 * core/v1 Pod: defaults and admission defaults, status on create (Pending and the QoS class),
 * validation, graceful deletion as upstream's pod strategy decides it (CheckGracefulDelete),
 * the subresources kubectl and the kubelet use, and the pods table.
 */
import type { KubeObject } from "../../storage/object.ts";
import type { ResourceDefinition } from "../types.ts";
import { admitNewPod, defaultPod } from "./core-pod-defaults.ts";
import { podQosClass } from "./core-pod-qos.ts";
import { podTable } from "./core-pod-table.ts";
import { validatePod, validatePodUpdate } from "./core-pod-validation.ts";
import { defineKind } from "./define.ts";
import { formatLabels } from "./format-labels.ts";

/**
 * Updates that the binding subresource makes: the only writes that may set spec.nodeName.
 * Upstream's BindingREST writes storage directly, past the strategy; here the binding handler
 * goes through the store like any update and marks its object, so the pod rules let it pass.
 */
const bindings = new WeakMap<KubeObject, unknown>();

/**
 * Marks `pod` (the object a binding hands to the store) as a binding's write: it may set
 * spec.nodeName, and its status (the PodScheduled condition) is written in the same update,
 * although the main resource otherwise keeps the stored status.
 */
export function markAsBinding(pod: KubeObject): KubeObject {
  bindings.set(pod, pod.status);
  return pod;
}

interface PodFields {
  spec?: { nodeName?: string; terminationGracePeriodSeconds?: number };
  status?: { phase?: string };
}

/**
 * Pods delete gracefully: the requested grace, else the pod's terminationGracePeriodSeconds;
 * at once when the pod never reached a node or has already finished; at least 1 second for a
 * negative value (upstream's CheckGracefulDelete).
 */
export function podGracePeriod(object: KubeObject, requested: number | undefined): number {
  const pod = object as unknown as PodFields;
  let period = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 0;
  if (!pod.spec?.nodeName) period = 0;
  const phase = pod.status?.phase;
  if (phase === "Failed" || phase === "Succeeded") period = 0;
  if (period < 0) period = 1;
  return period;
}

export const pods: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "Pod",
  resource: "pods",
  shortNames: ["po"],
  categories: ["all"],
  namespaced: true,
  modelName: "V1Pod",
  statusSubresource: true,
  otherSubresources: [
    { name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"] },
    { name: "binding", kind: "Binding", verbs: ["create"] },
    { name: "ephemeralcontainers", kind: "Pod", verbs: ["get", "patch", "update"] },
    { name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
    { name: "exec", kind: "PodExecOptions", verbs: ["create", "get"] },
    { name: "log", kind: "Pod", verbs: ["get"] },
    { name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
    { name: "proxy", kind: "PodProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] },
  ],
  strategy: {
    // Pods track generation from 1.33 on; k3ts serves 1.32's behaviour.
    generation: "none",
    defaults: defaultPod,
    prepareForCreate(pod) {
      admitNewPod(pod);
      pod.status = { phase: "Pending", qosClass: podQosClass(pod.spec as never) };
    },
    prepareForUpdate(pod) {
      if (bindings.has(pod)) pod.status = bindings.get(pod);
    },
    validate: validatePod,
    validateUpdate: (pod, old) => validatePodUpdate(pod, old, bindings.has(pod)),
    gracePeriod: podGracePeriod,
  },
});
pods.table = podTable;

export const podtemplates: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "PodTemplate",
  resource: "podtemplates",
  namespaced: true,
  modelName: "V1PodTemplate",
  strategy: { generation: "none" },
  noAge: true,
  columns: [
    { name: "Containers", description: "Names of each container in the template.", cell: (o) => templateContainers(o).map((c) => c.name).join(",") },
    { name: "Images", description: "Images referenced by each container in the template.", cell: (o) => templateContainers(o).map((c) => c.image).join(",") },
    { name: "Pod Labels", description: "The labels for the pod template.", cell: (o) => formatLabels((o.template as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels) },
  ],
});

function templateContainers(o: KubeObject): { name?: string; image?: string }[] {
  const containers = (o.template as { spec?: { containers?: unknown } } | undefined)?.spec?.containers;
  return Array.isArray(containers) ? containers : [];
}
