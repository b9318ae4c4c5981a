/**
 * What a request is about, read from its method, path and query the way kube-apiserver's
 * RequestInfoFactory reads them (apiserver pkg/endpoints/request/requestinfo.go): the verb
 * (get, list, watch, create, update, patch, delete, deletecollection), group, version,
 * namespace, resource, name and subresource. Authorization and dispatch both work from it.
 */
export interface ResourceRequestInfo {
  isResourceRequest: true;
  /** The URL path, for messages. */
  path: string;
  verb: string;
  apiPrefix: "api" | "apis";
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

export interface NonResourceRequestInfo {
  isResourceRequest: false;
  path: string;
  verb: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

/** Subresources of a namespace that are not namespaced resources (`/api/v1/namespaces/x/status`). */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

const METHOD_VERBS: Record<string, string> = {
  POST: "create",
  GET: "get",
  HEAD: "get",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

function isTrue(v: string | null): boolean {
  return v === "1" || v === "true";
}

export function requestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const methodVerb = (METHOD_VERBS[method] ?? method.toLowerCase());
  const trimmed = pathname.replace(/^\/+|\/+$/g, "");
  const parts = trimmed === "" ? [] : trimmed.split("/").map(decodeURIComponentSafe);
  const nonResource: NonResourceRequestInfo = { isResourceRequest: false, path: pathname, verb: methodVerb };
  if (parts.length === 0 || (parts[0] !== "api" && parts[0] !== "apis")) return nonResource;
  const apiPrefix = parts[0] as "api" | "apis";
  let rest = parts.slice(1);
  let apiGroup = "";
  if (apiPrefix === "apis") {
    if (rest.length < 1) return nonResource;
    apiGroup = rest[0];
    rest = rest.slice(1);
  }
  if (rest.length < 1) return nonResource;
  const apiVersion = rest[0];
  rest = rest.slice(1);
  if (rest.length === 0) return nonResource; // discovery of a group version

  let verb = methodVerb;
  // The deprecated /watch/ prefix: GET /api/v1/watch/namespaces/x/pods
  if (rest[0] === "watch") {
    verb = "watch";
    rest = rest.slice(1);
  }
  let namespace = "";
  if (rest[0] === "namespaces") {
    if (rest.length > 1) {
      namespace = rest[1];
      if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
    }
  }
  const resource = rest[0] ?? "";
  const name = rest[1] ?? "";
  const subresource = rest.length > 2 ? rest.slice(2).join("/") : "";
  if (verb === "get" && method !== "POST") {
    if (isTrue(query.get("watch"))) verb = "watch";
    else if (!name) verb = "list";
  }
  if (verb === "delete" && !name) verb = "deletecollection";
  // A namespace itself (/api/v1/namespaces/<name>[/status|/finalize]): the name is not a scope.
  if (resource === "namespaces" && rest[0] === "namespaces" && rest.length >= 2) {
    return { isResourceRequest: true, path: pathname, verb, apiPrefix, apiGroup, apiVersion, namespace: "", resource, subresource: rest.slice(2).join("/"), name: rest[1] };
  }
  return { isResourceRequest: true, path: pathname, verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
