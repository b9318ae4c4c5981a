/**
 * The downward API: a pod's own fields (fieldRef) and its containers' resources
 * (resourceFieldRef) as strings, shared by env vars and downwardAPI volumes, after upstream's
 * fieldpath.ExtractFieldPathAsString and resource.ExtractResourceValueByContainerName.
 */
import { quantityValue } from "./resources.ts";
import type { Pod } from "./types.ts";

export interface FieldRef {
  fieldPath: string;
  apiVersion?: string;
}

export interface ResourceFieldRef {
  containerName?: string;
  resource: string;
  divisor?: string | number;
}

/** What the pod's object does not know yet when its containers start. */
export interface PodRuntimeFields {
  podIPs: string[];
  hostIPs: string[];
  /** Node allocatable, for limits that are not set (upstream defaults them to the node's). */
  nodeCpuCores: number;
  nodeMemoryBytes: number;
}

/** `labels` or `annotations` as a downward API file: `key="value"` lines, sorted, values quoted as Go's %q. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join("\n");
}

/** The value of a fieldRef; throws for a path the API does not support. */
export function fieldRefValue(pod: Pod, ref: FieldRef, rt: PodRuntimeFields): string {
  const path = ref.fieldPath;
  const m = pod.metadata;
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) return (sub[1] === "labels" ? m.labels : m.annotations)?.[sub[2]] ?? "";
  switch (path) {
    case "metadata.name": return m.name ?? "";
    case "metadata.namespace": return m.namespace ?? "";
    case "metadata.uid": return m.uid ?? "";
    case "metadata.labels": return formatMap(m.labels);
    case "metadata.annotations": return formatMap(m.annotations);
    case "spec.nodeName": return pod.spec.nodeName ?? "";
    case "spec.serviceAccountName": return (pod.spec as { serviceAccountName?: string }).serviceAccountName ?? "";
    case "status.podIP": return rt.podIPs[0] ?? "";
    case "status.podIPs": return rt.podIPs.join(",");
    case "status.hostIP": return rt.hostIPs[0] ?? "";
    case "status.hostIPs": return rt.hostIPs.join(",");
  }
  throw new Error(`unsupported fieldPath: ${path}`);
}

/** The value of a resourceFieldRef for `containerName` (the env's own container when the ref names none). */
export function resourceFieldRefValue(pod: Pod, ref: ResourceFieldRef, containerName: string, rt: PodRuntimeFields): string {
  const name = ref.containerName || containerName;
  const c = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === name);
  if (!c) throw new Error(`container ${JSON.stringify(name)} not found in pod`);
  const [kind, resource] = ref.resource.includes(".") ? ref.resource.split(".", 2) : ["limits", ref.resource];
  const list = kind === "requests" ? c.resources?.requests : c.resources?.limits;
  let value = quantityValue(list?.[resource]);
  if (value === undefined) {
    if (kind === "requests") value = resource === "cpu" || resource === "memory" ? 0 : 0;
    else value = resource === "cpu" ? rt.nodeCpuCores : resource === "memory" ? rt.nodeMemoryBytes : 0;
  }
  const divisor = quantityValue(ref.divisor ?? 1) || 1;
  // Upstream rounds up: a cpu request of 250m with divisor 1 is "1".
  return String(Math.ceil(value / divisor));
}
