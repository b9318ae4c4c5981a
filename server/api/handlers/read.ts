/**
 * GET of one object and LIST of a collection, with resourceVersion semantics, selectors,
 * pagination, and the Table transform kubectl get asks for.
 */
import { groupVersion } from "../../registry/types.ts";
import type { ResourceVersionMatch } from "../../storage/object-store.ts";
import { respond } from "../respond.ts";
import { badRequest, invalid, type StatusCause } from "../status.ts";
import { parseIncludeObject, toTable } from "../table.ts";
import { type ResourceCall, typed } from "./context.ts";

export async function handleGet(call: ResourceCall): Promise<Response> {
  const { info, store, def, format, query } = call;
  const fieldSelector = query.get("fieldSelector");
  if (fieldSelector) {
    const m = /(?:^|,)metadata\.name==?([^,]*)/.exec(fieldSelector);
    if (m && m[1] !== info.name) throw badRequest(`fieldSelector metadata.name doesn't match requested name: ${m[1]} != ${info.name}`);
  }
  const object = typed(def, await store.get(info.namespace || undefined, info.name, { resourceVersion: query.get("resourceVersion") ?? undefined, signal: call.request.signal }));
  if (format.as === "Table") {
    return respond(toTable(def.table, [object], parseIncludeObject(query.get("includeObject")), { resourceVersion: object.metadata.resourceVersion }), 200, format.encoding);
  }
  if (format.as === "PartialObjectMetadata") {
    return respond({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata }, 200, format.encoding);
  }
  return respond(object, 200, format.encoding);
}

/** Checks of list options that upstream makes (meta/internalversion/validation). */
export function validateListOptions(query: URLSearchParams, watch: boolean): void {
  const causes: StatusCause[] = [];
  const rv = query.get("resourceVersion") ?? "";
  const match = query.get("resourceVersionMatch") ?? "";
  const sendInitialEvents = query.get("sendInitialEvents");
  if (match && !["Exact", "NotOlderThan"].includes(match)) {
    causes.push({ reason: "FieldValueNotSupported", field: "resourceVersionMatch", message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""` });
  }
  if (match && !watch) {
    if (rv === "") causes.push({ reason: "FieldValueForbidden", field: "resourceVersionMatch", message: "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided" });
    if (query.get("continue")) causes.push({ reason: "FieldValueForbidden", field: "resourceVersionMatch", message: "Forbidden: resourceVersionMatch is forbidden when continue is provided" });
    if (match === "Exact" && rv === "0") causes.push({ reason: "FieldValueForbidden", field: "resourceVersionMatch", message: "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"" });
  }
  if (sendInitialEvents !== null && !watch) {
    causes.push({ reason: "FieldValueForbidden", field: "sendInitialEvents", message: "Forbidden: sendInitialEvents is forbidden for list" });
  }
  if (watch && match && !(match === "NotOlderThan" && sendInitialEvents !== null)) {
    causes.push({ reason: "FieldValueForbidden", field: "resourceVersionMatch", message: "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided" });
  }
  const limit = query.get("limit");
  if (limit !== null && limit !== "" && !/^-?\d+$/.test(limit)) throw badRequest(`invalid limit: ${JSON.stringify(limit)}`);
  if (causes.length) throw invalid("ListOptions", "meta.k8s.io", "", causes);
}

export async function handleList(call: ResourceCall): Promise<Response> {
  const { info, store, def, format, query, services } = call;
  validateListOptions(query, false);
  const predicate = services.predicate(def, query.get("labelSelector"), query.get("fieldSelector"));
  const limit = Number(query.get("limit") ?? "0") || undefined;
  const outcome = await store.list(info.namespace || undefined, {
    resourceVersion: query.get("resourceVersion") ?? undefined,
    resourceVersionMatch: (query.get("resourceVersionMatch") ?? "") as ResourceVersionMatch,
    limit,
    continue: query.get("continue") ?? undefined,
    predicate,
    signal: call.request.signal,
  });
  const metadata: Record<string, unknown> = { resourceVersion: outcome.resourceVersion };
  if (outcome.continue) metadata.continue = outcome.continue;
  if (outcome.remainingItemCount !== undefined) metadata.remainingItemCount = outcome.remainingItemCount;
  const items = outcome.items.map((o) => typed(def, o));
  if (format.as === "Table") {
    return respond(toTable(def.table, items, parseIncludeObject(query.get("includeObject")), metadata), 200, format.encoding);
  }
  if (format.as === "PartialObjectMetadataList" || format.as === "PartialObjectMetadata") {
    return respond({
      kind: "PartialObjectMetadataList",
      apiVersion: "meta.k8s.io/v1",
      metadata,
      items: items.map((o) => ({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata })),
    }, 200, format.encoding);
  }
  return respond({ kind: def.listKind, apiVersion: groupVersion(def), metadata, items }, 200, format.encoding);
}
