/**
 * The scale subresource (autoscaling/v1 Scale): what `kubectl scale` reads and patches. The
 * replicas live where the kind's scale paths say (`.spec.replicas` for built-ins; a CRD's
 * specReplicasPath); the selector is reported as a label-selector string.
 */
import { applyMergePatch } from "../../api/patch/json-merge.ts";
import { loadJsonPatch } from "../../api/patch/lazy.ts";
import type { ResourceDefinition, ScaleSubresource } from "../../registry/types.ts";
import type { KubeObject } from "../../storage/object.ts";
import { decodeCbor } from "../cbor.ts";
import { decodeObjectBody, mediaTypeOf, PATCH_CONTENT_TYPES } from "../negotiate.ts";
import { respond } from "../respond.ts";
import { badRequest, conflict, invalid, methodNotSupported, unsupportedMediaType } from "../status.ts";
import { readBytes } from "./body.ts";
import type { ResourceCall } from "./context.ts";
import { writeScope } from "./write.ts";

function readPath(object: unknown, path: string): unknown {
  let cur: unknown = object;
  for (const part of path.replace(/^\./, "").split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function writePath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, "").split(".");
  let cur = object;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    cur = (next && typeof next === "object" ? next : (cur[part] = {})) as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** A LabelSelector as the string form Scale.status.selector carries. */
function selectorString(selector: unknown): string | undefined {
  if (typeof selector === "string") return selector;
  if (!selector || typeof selector !== "object") return undefined;
  const s = selector as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  const parts: string[] = [];
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === "In") parts.push(`${e.key} in (${(e.values ?? []).join(",")})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${(e.values ?? []).join(",")})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.sort().join(",");
}

export function scaleOf(def: ResourceDefinition, object: KubeObject, scale: ScaleSubresource): Record<string, unknown> {
  const m = object.metadata;
  const status: Record<string, unknown> = { replicas: Number(readPath(object, scale.statusReplicasPath) ?? 0) };
  const selector = scale.labelSelectorPath ? selectorString(readPath(object, scale.labelSelectorPath)) : undefined;
  if (selector !== undefined) status.selector = selector;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(readPath(object, scale.specReplicasPath) ?? 0) },
    status,
  };
}

export async function handleScale(call: ResourceCall): Promise<Response> {
  const { def, store, info, format } = call;
  const scale = def.scale!;
  const namespace = info.namespace || undefined;
  if (info.verb === "get") {
    const object = await store.get(namespace, info.name, { resourceVersion: call.query.get("resourceVersion") ?? undefined });
    return respond(scaleOf(def, object, scale), 200, format.encoding);
  }
  if (info.verb !== "update" && info.verb !== "patch") throw methodNotSupported({ group: "autoscaling", resource: "scale" }, info.verb);
  const bytes = await readBytes(call.request);
  const contentType = call.request.headers.get("content-type");
  let body: unknown;
  let patchType: string | undefined;
  if (info.verb === "patch") {
    patchType = PATCH_CONTENT_TYPES[mediaTypeOf(contentType)];
    if (!patchType || patchType === "apply") throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch (err) {
      throw badRequest(`error decoding patch: ${(err as Error).message}`);
    }
  } else {
    body = (await decodeObjectBody(contentType, bytes, decodeCbor)).value;
  }
  const { applyJsonPatch } = patchType === "json" ? await loadJsonPatch() : { applyJsonPatch: undefined };
  const updated = await store.modify(namespace, info.name, (old) => {
    const current = scaleOf(def, old, scale);
    // Scale has no lists with merge keys: a strategic merge patch merges like a JSON merge patch.
    const wanted = (info.verb === "update" ? body : applyJsonPatch ? applyJsonPatch(current, body) : applyMergePatch(current, body)) as Record<string, unknown>;
    const meta = (wanted.metadata ?? {}) as { resourceVersion?: string };
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) throw conflict(store.qualified, info.name);
    const replicas = (wanted.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid("Scale", "autoscaling", info.name, [{ reason: "FieldValueInvalid", field: "spec.replicas", message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    }
    const next = structuredClone(old) as KubeObject;
    writePath(next as Record<string, unknown>, scale.specReplicasPath, replicas);
    return next;
  }, writeScope(call));
  return respond(scaleOf(def, updated, scale), 200, format.encoding);
}
