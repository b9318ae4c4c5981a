/**
 * API paths of a resource type without discovery: a namespace given means a namespaced path,
 * none means the cluster scope (or every namespace, for a list or watch of a namespaced kind),
 * which is the same rule the Client contract's callers follow.
 */
import type { ResourceType } from "../../plugins/client.ts";

export function basePath(type: ResourceType): string {
  return type.apiVersion.includes("/") ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
}

/** /api/v1[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]] */
export function resourcePath(type: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  let path = basePath(type);
  if (namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${type.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

/** `?a=b&...` of the defined values, or "". */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The kind of a list's items: PodList -> Pod. */
export function itemKind(listKind: string | undefined): string | undefined {
  return listKind?.endsWith("List") ? listKind.slice(0, -4) : undefined;
}
