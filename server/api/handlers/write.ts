/**
 * POST, PUT, DELETE and DELETE of a collection (and PUT of the status subresource).
 */
import type { DeleteOptions, WriteScope } from "../../registry/rest/resource-store.ts";
import { groupVersion } from "../../registry/types.ts";
import type { KubeObject } from "../../storage/object.ts";
import { respond, warningHeaders } from "../respond.ts";
import { ApiError, badRequest } from "../status.ts";
import { isDryRun, readBytes, readObject } from "./body.ts";
import { type FieldValidation, type ResourceCall, typed } from "./context.ts";

export function fieldValidationMode(query: URLSearchParams): FieldValidation {
  const v = query.get("fieldValidation") ?? "Warn";
  if (v === "Ignore" || v === "Warn" || v === "Strict") return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}, supported values: Ignore, Warn, Strict`);
}

export function writeScope(call: ResourceCall): WriteScope {
  const manager = call.query.get("fieldManager") ?? undefined;
  if (manager !== undefined && manager.length > 128) throw badRequest("fieldManager: Too long: may not be more than 128 bytes");
  return { dryRun: isDryRun(call.query), fieldManager: manager ?? userAgentManager(call.request), signal: call.request.signal };
}

/** upstream's default field manager: the program name from the User-Agent ("kubectl-edit" etc.). */
function userAgentManager(request: Request): string | undefined {
  const ua = request.headers.get("user-agent");
  if (!ua) return undefined;
  const program = ua.split("/")[0].trim();
  return program ? program.slice(0, 128) : undefined;
}

async function checkFields(call: ResourceCall, object: KubeObject, json: string | undefined): Promise<string[]> {
  const mode = fieldValidationMode(call.query);
  return (await call.services.checkFields?.(call.def, object, json, mode)) ?? [];
}

export async function handleCreate(call: ResourceCall): Promise<Response> {
  const { def, store, info, format } = call;
  // upstream has no POST route on an object's path.
  if (info.name) throw new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {});
  const { object, json } = await readObject(call.request, def);
  const warnings = await checkFields(call, object, json);
  const created = await store.create(info.namespace || undefined, object, writeScope(call));
  return respond(typed(def, created), 201, format.encoding, warningHeaders(warnings));
}

export async function handleUpdate(call: ResourceCall, subresource: "" | "status"): Promise<Response> {
  const { def, store, info, format } = call;
  const { object, json } = await readObject(call.request, def);
  const warnings = await checkFields(call, object, json);
  const updated = await store.update(info.namespace || undefined, info.name, object, writeScope(call), subresource);
  return respond(typed(def, updated), 200, format.encoding, warningHeaders(warnings));
}

/** DeleteOptions from the body (kubectl sends one) and the query string. */
export async function readDeleteOptions(call: ResourceCall): Promise<DeleteOptions> {
  const options: DeleteOptions = {};
  const bytes = call.request.body ? await readBytes(call.request) : new Uint8Array();
  if (bytes.length > 0) {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch (err) {
      throw badRequest(`error decoding DeleteOptions: ${(err as Error).message}`);
    }
    if (typeof body.gracePeriodSeconds === "number") options.gracePeriodSeconds = body.gracePeriodSeconds;
    if (typeof body.propagationPolicy === "string") options.propagationPolicy = body.propagationPolicy as DeleteOptions["propagationPolicy"];
    if (typeof body.orphanDependents === "boolean") options.orphanDependents = body.orphanDependents;
    if (body.preconditions && typeof body.preconditions === "object") options.preconditions = body.preconditions as DeleteOptions["preconditions"];
    if (Array.isArray(body.dryRun)) for (const v of body.dryRun) call.query.append("dryRun", String(v));
  }
  const q = call.query;
  if (q.has("gracePeriodSeconds")) {
    const g = Number(q.get("gracePeriodSeconds"));
    if (!Number.isInteger(g)) throw badRequest(`invalid gracePeriodSeconds: ${q.get("gracePeriodSeconds")}`);
    options.gracePeriodSeconds = g;
  }
  if (q.has("propagationPolicy")) options.propagationPolicy = q.get("propagationPolicy") as DeleteOptions["propagationPolicy"];
  if (q.has("orphanDependents")) options.orphanDependents = q.get("orphanDependents") === "true";
  if (options.propagationPolicy && !["Orphan", "Background", "Foreground"].includes(options.propagationPolicy)) {
    throw badRequest(`propagationPolicy: Unsupported value: "${options.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
  }
  if (options.propagationPolicy && options.orphanDependents !== undefined) {
    throw badRequest("propagationPolicy: Invalid value: orphanDependents and deletionPropagation cannot be both set");
  }
  return options;
}

export async function handleDelete(call: ResourceCall): Promise<Response> {
  const { def, store, info, format } = call;
  const options = await readDeleteOptions(call);
  const outcome = await store.delete(info.namespace || undefined, info.name, options, writeScope(call));
  const code = !outcome.deleted && options.orphanDependents === false ? 202 : 200;
  return respond(typed(def, outcome.object), code, format.encoding);
}

export async function handleDeleteCollection(call: ResourceCall): Promise<Response> {
  const { def, store, info, format, query, services } = call;
  const options = await readDeleteOptions(call);
  const scope = writeScope(call);
  const predicate = services.predicate(def, query.get("labelSelector"), query.get("fieldSelector"));
  const { items, resourceVersion } = await store.list(info.namespace || undefined, { predicate, signal: call.request.signal });
  const deleted: KubeObject[] = [];
  for (const item of items) {
    try {
      const outcome = await store.delete(item.metadata.namespace, item.metadata.name!, options, scope);
      deleted.push(typed(def, outcome.object));
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
  return respond({ kind: def.listKind, apiVersion: groupVersion(def), metadata: { resourceVersion }, items: deleted }, 200, format.encoding);
}
