/**
 * OpenAPI v3 paths and operations for a group-version's resources, in kube-apiserver's shape:
 * operation ids like `patchCoreV1NamespacedPod`, `x-kubernetes-action` and
 * `x-kubernetes-group-version-kind` on every operation, and the query parameters each verb takes.
 *
 * kubectl depends on two of these facts: its field-validation check (cli-runtime
 * query_param_verifier.go) looks for the PATCH operation carrying the kind's GVK and a
 * `fieldValidation` query parameter; without it `kubectl apply` falls back to OpenAPI v2, which
 * we do not serve.
 */
import { ref, type GroupVersionKind, type Schema } from "./schemas.ts";

/** A subresource as the operations need it. */
export interface ResolvedSubresource {
  readonly name: string;
  /** Component name of the request/response body, and the GVK operations carry. */
  readonly schema: string;
  readonly gvk: GroupVersionKind;
  readonly verbs: readonly string[];
}

/** One resource with its schemas already resolved to component names. */
export interface ResolvedResource {
  readonly gvk: GroupVersionKind;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly schema: string;
  /** Component name of the list kind, if there is one. */
  readonly listSchema?: string;
  readonly subresources: readonly ResolvedSubresource[];
  /** Custom resources take no strategic merge patch. */
  readonly strategicMerge: boolean;
}

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

const q = (name: string, type: string, description: string): Schema => ({
  name, in: "query", description, schema: type === "boolean" ? { type: "boolean", uniqueItems: true } : { type, uniqueItems: true },
});

// Query parameters, with short descriptions of our own.
const P = {
  pretty: q("pretty", "string", "If 'true', then the output is pretty printed."),
  dryRun: q("dryRun", "string", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed"),
  fieldManager: q("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes."),
  fieldValidation: q("fieldValidation", "string",
    "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: - Ignore - Warn (the default) - Strict"),
  force: q("force", "boolean", "Force is going to \"force\" Apply requests. It must be unset for non-apply patch requests."),
  allowWatchBookmarks: q("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
  continue: q("continue", "string", "The continue option should be set when retrieving more results from the server."),
  fieldSelector: q("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
  labelSelector: q("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
  limit: q("limit", "integer", "limit is a maximum number of responses to return for a list call."),
  resourceVersion: q("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from."),
  resourceVersionMatch: q("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
  sendInitialEvents: q("sendInitialEvents", "boolean", "`sendInitialEvents=true` may be set together with `watch=true`."),
  timeoutSeconds: q("timeoutSeconds", "integer", "Timeout for the list/watch call."),
  watch: q("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
  gracePeriodSeconds: q("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted."),
  orphanDependents: q("orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy."),
  propagationPolicy: q("propagationPolicy", "string", "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
} as const;

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

const pathParam = (name: string, description: string): Schema => ({ name, in: "path", description, required: true, schema: { type: "string", uniqueItems: true } });

const BODY_TYPES = ["application/json", "application/yaml"];

function content(schema: Schema, types = BODY_TYPES): Schema {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function responses(schema: Schema, codes: readonly string[]): Schema {
  const out: Schema = {};
  for (const code of codes) out[code] = { description: code === "200" ? "OK" : code === "201" ? "Created" : "Accepted", content: content(schema) };
  out["401"] = { description: "Unauthorized" };
  return out;
}

/** `rbac.authorization.k8s.io` -> `RbacAuthorization`; core -> `Core`. */
export function groupIdentifier(group: string): string {
  if (group === "") return "Core";
  return group.replace(/\.k8s\.io$/, "").split(/[.-]/).map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join("");
}

/** Upstream's tag: `core_v1`, `rbacAuthorization_v1`. */
export function groupTag(group: string, version: string): string {
  const id = groupIdentifier(group);
  return `${id.charAt(0).toLowerCase()}${id.slice(1)}_${version}`;
}

/** The URL prefix of a group-version: `/api/v1`, `/apis/apps/v1`. */
export function groupVersionPrefix(group: string, version: string): string {
  return group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** Builds the paths of the given resources of one group-version. */
export function buildPaths(resources: readonly ResolvedResource[]): Record<string, Schema> {
  const paths: Record<string, Schema> = {};
  for (const r of resources) addResourcePaths(paths, r);
  return Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function addResourcePaths(paths: Record<string, Schema>, r: ResolvedResource): void {
  const { group, version, kind } = r.gvk;
  const prefix = groupVersionPrefix(group, version);
  const id = `${groupIdentifier(group)}${version.charAt(0).toUpperCase()}${version.slice(1)}`;
  const scope = r.namespaced ? "Namespaced" : "";
  const nsPath = r.namespaced ? "/namespaces/{namespace}" : "";
  const collection = `${prefix}${nsPath}/${r.plural}`;
  const item = `${collection}/{name}`;
  const nsParam = r.namespaced ? [pathParam("namespace", "object name and auth scope, such as for teams and projects")] : [];
  const nameParam = pathParam("name", `name of the ${kind}`);
  const can = (verb: string) => r.verbs.includes(verb);
  const tags = [groupTag(group, version)];
  const gvk = { group, kind, version };
  const op = (action: string, operationId: string, description: string, gvkOf: GroupVersionKind, extra: Schema): Schema => ({
    tags, description, operationId, ...extra,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": { group: gvkOf.group, kind: gvkOf.kind, version: gvkOf.version },
  });
  const patchBody = (schemaRef: Schema): Schema => {
    const types = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"];
    if (r.strategicMerge) types.push("application/strategic-merge-patch+json");
    return { content: Object.fromEntries(types.map((t) => [t, { schema: schemaRef }])), required: true };
  };
  const patchRef = ref(`${META}.Patch`);
  const objRef = ref(r.schema);

  // collection: list, create, deletecollection
  const coll: Schema = {};
  if ((can("list") || can("watch")) && r.listSchema) {
    coll.get = op("list", `list${id}${scope}${kind}`, `list or watch objects of kind ${kind}`, gvk, {
      parameters: LIST_PARAMS,
      responses: { "200": { description: "OK", content: content(ref(r.listSchema), [...BODY_TYPES, "application/json;stream=watch"]) }, "401": { description: "Unauthorized" } },
    });
  }
  if (can("create")) {
    coll.post = op("post", `create${id}${scope}${kind}`, `create a ${kind}`, gvk, {
      parameters: WRITE_PARAMS, requestBody: { content: content(objRef), required: true }, responses: responses(objRef, ["200", "201", "202"]),
    });
  }
  if (can("deletecollection")) {
    coll.delete = op("deletecollection", `delete${id}Collection${scope}${kind}`, `delete collection of ${kind}`, gvk, {
      parameters: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p.name !== "watch" && p.name !== "allowWatchBookmarks")],
      requestBody: { content: content(ref(`${META}.DeleteOptions`)) },
      responses: responses(ref(`${META}.Status`), ["200"]),
    });
  }
  if (Object.keys(coll).length > 0) paths[collection] = { ...coll, parameters: [...nsParam, P.pretty] };

  // all namespaces list
  if (r.namespaced && (can("list") || can("watch")) && r.listSchema) {
    paths[`${prefix}/${r.plural}`] = {
      get: op("list", `list${id}${kind}ForAllNamespaces`, `list or watch objects of kind ${kind}`, gvk, {
        responses: { "200": { description: "OK", content: content(ref(r.listSchema), [...BODY_TYPES, "application/json;stream=watch"]) }, "401": { description: "Unauthorized" } },
      }),
      parameters: [...LIST_PARAMS, P.pretty],
    };
  }

  // item: get, put, patch, delete
  const one: Schema = {};
  if (can("get")) one.get = op("get", `read${id}${scope}${kind}`, `read the specified ${kind}`, gvk, { responses: responses(objRef, ["200"]) });
  if (can("update")) {
    one.put = op("put", `replace${id}${scope}${kind}`, `replace the specified ${kind}`, gvk, {
      parameters: WRITE_PARAMS, requestBody: { content: content(objRef), required: true }, responses: responses(objRef, ["200", "201"]),
    });
  }
  if (can("patch")) {
    one.patch = op("patch", `patch${id}${scope}${kind}`, `partially update the specified ${kind}`, gvk, {
      parameters: [...WRITE_PARAMS, P.force], requestBody: patchBody(patchRef), responses: responses(objRef, ["200", "201"]),
    });
  }
  if (can("delete")) {
    one.delete = op("delete", `delete${id}${scope}${kind}`, `delete a ${kind}`, gvk, {
      parameters: DELETE_PARAMS, requestBody: { content: content(ref(`${META}.DeleteOptions`)) },
      responses: responses(objRef, ["200", "202"]),
    });
  }
  if (Object.keys(one).length > 0) paths[item] = { ...one, parameters: [nameParam, ...nsParam, P.pretty] };

  // subresources
  for (const sub of r.subresources) {
    const subId = sub.name.charAt(0).toUpperCase() + sub.name.slice(1);
    const subRef = ref(sub.schema);
    const ops: Schema = {};
    const subCan = (v: string) => sub.verbs.includes(v);
    if (subCan("get")) ops.get = op("get", `read${id}${scope}${kind}${subId}`, `read ${sub.name} of the specified ${kind}`, sub.gvk, { responses: responses(subRef, ["200"]) });
    if (subCan("update")) {
      ops.put = op("put", `replace${id}${scope}${kind}${subId}`, `replace ${sub.name} of the specified ${kind}`, sub.gvk, {
        parameters: WRITE_PARAMS, requestBody: { content: content(subRef), required: true }, responses: responses(subRef, ["200", "201"]),
      });
    }
    if (subCan("patch")) {
      ops.patch = op("patch", `patch${id}${scope}${kind}${subId}`, `partially update ${sub.name} of the specified ${kind}`, sub.gvk, {
        parameters: [...WRITE_PARAMS, P.force], requestBody: patchBody(patchRef), responses: responses(subRef, ["200", "201"]),
      });
    }
    if (subCan("create")) {
      ops.post = op("post", `create${id}${scope}${kind}${subId}`, `create ${sub.name} of a ${kind}`, sub.gvk, {
        parameters: WRITE_PARAMS, requestBody: { content: content(subRef), required: true }, responses: responses(subRef, ["200", "201", "202"]),
      });
    }
    if (Object.keys(ops).length > 0) paths[`${item}/${sub.name}`] = { ...ops, parameters: [nameParam, ...nsParam, P.pretty] };
  }
}
