/**
 * Applies a patch (JSON patch, merge patch, strategic merge patch or server-side apply) to a
 * stored object through the resource store's read-modify-write loop, so a concurrent writer makes
 * it re-apply rather than fail — unless the patch names a resourceVersion, which makes it
 * conditional. Apply creates what is missing. Shared by the PATCH handler and the in-process client.
 */
import { applyPatch } from "../../api/patch/apply/apply.ts";
import { applyMergePatch } from "../../api/patch/json-merge.ts";
import type { JsonObject } from "../../api/patch/json-value.ts";
import { loadJsonPatch, loadStrategicMerge } from "../../api/patch/lazy.ts";
import { ApiError, badRequest, conflict, unsupportedMediaType } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { schemaFor } from "../schema/for-resource.ts";
import { groupVersion } from "../types.ts";
import type { ResourceStore, Subresource, WriteScope } from "./resource-store.ts";

export type PatchKind = "json" | "merge" | "strategic" | "apply";

export interface PatchRequest {
  namespace: string | undefined;
  name: string;
  type: PatchKind;
  body: unknown;
  subresource: Subresource;
  force: boolean;
  scope: WriteScope;
}

export interface PatchOutcome {
  object: KubeObject;
  created: boolean;
}

export async function patchObject(store: ResourceStore, req: PatchRequest): Promise<PatchOutcome> {
  const def = store.def;
  if (req.type === "strategic" && !def.modelName) {
    throw unsupportedMediaType("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/apply-patch+cbor");
  }
  const schema = await schemaFor(def);
  const apiVersion = groupVersion(def);
  const manager = req.scope.fieldManager ?? "unknown";
  const resetPaths = req.subresource === "status" ? [] : def.statusSubresource ? [["f:status"]] : [];
  const { applyJsonPatch } = req.type === "json" ? await loadJsonPatch() : { applyJsonPatch: undefined };
  const { applyStrategicMergePatch } = req.type === "strategic" ? await loadStrategicMerge() : { applyStrategicMergePatch: undefined };

  const patched = (old: KubeObject): KubeObject => {
    let next: JsonObject;
    switch (req.type) {
      case "json":
        next = applyJsonPatch!(old, req.body) as JsonObject;
        break;
      case "merge":
        next = applyMergePatch(old, req.body) as JsonObject;
        break;
      case "strategic":
        next = applyStrategicMergePatch!(old, req.body, schema);
        break;
      case "apply":
        next = applyPatch(old as unknown as JsonObject, req.body, {
          manager,
          apiVersion,
          schema,
          force: req.force,
          subresource: req.subresource || undefined,
          resetPaths,
        }).object;
        break;
    }
    const result = next as unknown as KubeObject;
    if (typeof result !== "object" || result === null || Array.isArray(result)) throw badRequest("the patch did not produce an object");
    result.metadata ??= {};
    // A patch that names a resourceVersion is conditional on it.
    const rv = result.metadata.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== old.metadata.resourceVersion) throw conflict(store.qualified, req.name);
    return result;
  };

  const scope = { ...req.scope, apply: req.type === "apply" };
  try {
    return { object: await store.modify(req.namespace, req.name, patched, scope, req.subresource), created: false };
  } catch (err) {
    if (req.type !== "apply" || !(err instanceof ApiError) || err.code !== 404 || req.subresource) throw err;
    const created = applyPatch(undefined, req.body, { manager, apiVersion, schema, force: req.force, resetPaths }).object as unknown as KubeObject;
    created.metadata ??= {};
    if (created.metadata.name !== undefined && created.metadata.name !== req.name) {
      throw badRequest(`the name of the object (${created.metadata.name}) does not match the name on the URL (${req.name})`);
    }
    created.metadata.name = req.name;
    return { object: await store.create(req.namespace, created, scope), created: true };
  }
}
