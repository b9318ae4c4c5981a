/**
 * The words kube-apiserver uses to refuse a request (apiserver endpoints/handlers/responsewriters
 * forbiddenMessage, and errors.NewForbidden for the Status), so that clients and people see the
 * messages they know.
 */
import type { Attributes } from "./authorizer.ts";

/** `User "x" cannot list resource "pods" in API group "" in the namespace "default"`. */
export function forbiddenMessage(attributes: Attributes): string {
  const user = JSON.stringify(attributes.user.username);
  if (!attributes.isResourceRequest) return `User ${user} cannot ${attributes.verb} path ${JSON.stringify(attributes.path)}`;
  const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource ?? "";
  const what = `User ${user} cannot ${attributes.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attributes.apiGroup ?? "")}`;
  return attributes.namespace ? `${what} in the namespace ${JSON.stringify(attributes.namespace)}` : `${what} at the cluster scope`;
}

/** The 403 Status body. `reason` is the authorizer's explanation, appended as upstream does. */
export function forbiddenStatus(attributes: Attributes, reason = "") {
  const detail = forbiddenMessage(attributes) + (reason ? `: ${reason}` : "");
  const group = attributes.apiGroup ?? "";
  const resource = attributes.isResourceRequest ? attributes.resource ?? "" : "";
  const qualified = resource && group ? `${resource}.${group}` : resource;
  const name = attributes.name ?? "";
  const message = qualified === ""
    ? `forbidden: ${detail}`
    : name === "" ? `${qualified} is forbidden: ${detail}` : `${qualified} ${JSON.stringify(name)} is forbidden: ${detail}`;
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: "Forbidden",
    details: { ...(name ? { name } : {}), ...(group ? { group } : {}), ...(resource ? { kind: resource } : {}) },
    code: 403,
  };
}
