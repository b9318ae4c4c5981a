/**
 * PATCH over HTTP: JSON patch, JSON merge patch, strategic merge patch (built-in kinds only, as
 * upstream) and server-side apply, on the main resource or its status. The patch itself is
 * applied by server/registry/rest/patch-object.ts.
 */
import { patchObject } from "../../registry/rest/patch-object.ts";
import type { Subresource } from "../../registry/rest/resource-store.ts";
import { decodeCbor } from "../cbor.ts";
import { decodeObjectBody, mediaTypeOf, PATCH_CONTENT_TYPES, type PatchType } from "../negotiate.ts";
import { respond } from "../respond.ts";
import { badRequest, unsupportedMediaType } from "../status.ts";
import { readBytes } from "./body.ts";
import { type ResourceCall, typed } from "./context.ts";
import { writeScope } from "./write.ts";

const SUPPORTED = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml", "application/apply-patch+cbor"];

function patchType(call: ResourceCall): PatchType {
  const media = mediaTypeOf(call.request.headers.get("content-type"));
  const type = PATCH_CONTENT_TYPES[media];
  const allowed = call.def.modelName ? [...SUPPORTED.slice(0, 2), "application/strategic-merge-patch+json", ...SUPPORTED.slice(2)] : SUPPORTED;
  if (!type || (type === "strategic" && !call.def.modelName)) {
    throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${allowed.join(", ")}`);
  }
  return type;
}

async function parseBody(type: PatchType, bytes: Uint8Array, contentType: string | null): Promise<unknown> {
  if (type === "apply") return (await decodeObjectBody(contentType, bytes, decodeCbor)).value;
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

export async function handlePatch(call: ResourceCall): Promise<Response> {
  const { def, store, info, format, query } = call;
  const subresource = (info.subresource === "status" ? "status" : "") as Subresource;
  const type = patchType(call);
  const body = await parseBody(type, await readBytes(call.request), call.request.headers.get("content-type"));
  const scope = writeScope(call);
  if (type !== "apply" && query.has("force")) throw badRequest("force: Invalid value: true: may not be specified for non-apply patch");
  if (type === "apply" && !query.get("fieldManager")) throw badRequest("PATCH " + info.path + ": fieldManager is required for apply patch");
  const outcome = await patchObject(store, {
    namespace: info.namespace || undefined,
    name: info.name,
    type,
    body,
    subresource,
    force: query.get("force") === "true",
    scope,
  });
  return respond(typed(def, outcome.object), outcome.created ? 201 : 200, format.encoding);
}
