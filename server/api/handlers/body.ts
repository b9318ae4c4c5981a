/**
 * Reading a request body: size limit, decoding by Content-Type, and the checks on apiVersion
 * and kind that kube-apiserver's decoder makes before any handler runs.
 */
import type { ResourceDefinition } from "../../registry/types.ts";
import type { KubeObject } from "../../storage/object.ts";
import { decodeCbor } from "../cbor.ts";
import { decodeObjectBody } from "../negotiate.ts";
import { badRequest, requestEntityTooLarge } from "../status.ts";

/** kube-apiserver's limit for one object in a request body (3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export async function readBytes(request: Request): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_REQUEST_BODY_BYTES) throw requestEntityTooLarge("the server has received too large of a request body");
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > MAX_REQUEST_BODY_BYTES) throw requestEntityTooLarge("the server has received too large of a request body");
  return bytes;
}

export interface ReadObject {
  object: KubeObject;
  /** The JSON text, when the body was JSON (for duplicate-field detection). */
  json?: string;
}

/** Decodes an object of `def`'s kind (or of `expect` when a subresource takes another kind). */
export async function readObject(request: Request, def: ResourceDefinition, expect?: { apiVersion: string; kind: string }): Promise<ReadObject> {
  const bytes = await readBytes(request);
  const { value, json } = await decodeObjectBody(request.headers.get("content-type"), bytes, decodeCbor);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(`Object 'Kind' is missing in '${json ?? "the request body"}'`);
  }
  const object = value as KubeObject;
  const apiVersion = expect?.apiVersion ?? (def.group ? `${def.group}/${def.version}` : def.version);
  const kind = expect?.kind ?? def.kind;
  if (object.kind === undefined || object.kind === "") {
    // Built-in endpoints default the kind from the URL, as kube-apiserver's typed decoder does;
    // custom resources are decoded as unstructured objects, which must name their kind.
    if (!def.modelName && !expect) throw badRequest(`Object 'Kind' is missing in '${(json ?? "").slice(0, 200)}'`);
    object.kind = kind;
  }
  if (object.kind !== kind) {
    throw badRequest(`${object.kind} in version "${object.apiVersion ?? ""}" cannot be handled as a ${kind}: no kind "${object.kind}" is registered for version "${apiVersion}"`);
  }
  if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersion})`);
  }
  object.apiVersion = apiVersion;
  if (object.metadata === undefined || object.metadata === null) object.metadata = {};
  if (typeof object.metadata !== "object" || Array.isArray(object.metadata)) {
    throw badRequest("metadata must be an object");
  }
  return { object, json };
}

/** `?dryRun=All` (the only value upstream accepts). */
export function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll("dryRun");
  for (const v of values) if (v !== "All") throw badRequest(`Invalid dryRun value: ${JSON.stringify(v)}: supported values: "All"`);
  return values.length > 0;
}
