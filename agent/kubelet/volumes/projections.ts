/**
 * The files of configMap, secret, downwardAPI and projected volumes (upstream's
 * MakePayload functions): every key, or just `items` (key -> path, with a mode); `defaultMode`
 * (0644 unless set) for the rest. A missing ConfigMap or Secret, or a missing item key, is an
 * error unless the source is optional — then the volume is empty or the item left out.
 */
import type { ApiObjects, KeyBytes } from "../api-objects.ts";
import { fieldRefValue, type PodRuntimeFields, resourceFieldRefValue } from "../downward-api.ts";
import type { DownwardAPIFile, KeyToPath, Pod, ProjectedSource, Volume } from "../types.ts";
import type { Payload } from "./atomic-writer.ts";
import type { TokenManager } from "./token-manager.ts";

export const DEFAULT_MODE = 0o644;
/** Upstream's default for projected serviceAccountToken sources (1 hour). */
const DEFAULT_TOKEN_SECONDS = 3600;

/** A volume that cannot be set up yet: the pod waits in ContainerCreating with a FailedMount event. */
export class VolumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VolumeError";
  }
}

export interface ProjectionContext {
  pod: Pod;
  objects: ApiObjects;
  tokens: TokenManager;
  runtime: PodRuntimeFields;
  /** The earliest time a projected token must be refreshed: the caller schedules a rewrite. */
  refreshAt?: number;
}

function keyFiles(kind: string, name: string, data: KeyBytes | undefined, items: KeyToPath[] | undefined, optional: boolean | undefined, mode: number, out: Payload): void {
  if (!data) {
    if (optional) return;
    throw new VolumeError(`${kind} "${name}" not found`);
  }
  if (!items?.length) {
    for (const [k, v] of data) out.set(k, { data: v, mode });
    return;
  }
  for (const item of items) {
    const v = data.get(item.key);
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeError(`configmap references non-existent config key: ${item.key}`.replace("configmap", kind));
    }
    out.set(item.path, { data: v, mode: item.mode ?? mode });
  }
}

const encoder = new TextEncoder();

function downwardFiles(ctx: ProjectionContext, items: DownwardAPIFile[] | undefined, mode: number, out: Payload): void {
  for (const item of items ?? []) {
    let value = "";
    if (item.fieldRef) value = fieldRefValue(ctx.pod, item.fieldRef, ctx.runtime);
    else if (item.resourceFieldRef) value = resourceFieldRefValue(ctx.pod, item.resourceFieldRef, item.resourceFieldRef.containerName ?? "", ctx.runtime);
    out.set(item.path, { data: encoder.encode(value), mode: item.mode ?? mode });
  }
}

async function projectedFiles(ctx: ProjectionContext, sources: ProjectedSource[], mode: number, out: Payload): Promise<void> {
  const ns = ctx.pod.metadata.namespace!;
  for (const s of sources) {
    if (s.configMap) keyFiles("configmap", s.configMap.name ?? "", await ctx.objects.configMap(ns, s.configMap.name ?? ""), s.configMap.items, s.configMap.optional, mode, out);
    else if (s.secret) keyFiles("secret", s.secret.name ?? "", await ctx.objects.secret(ns, s.secret.name ?? ""), s.secret.items, s.secret.optional, mode, out);
    else if (s.downwardAPI) downwardFiles(ctx, s.downwardAPI.items, mode, out);
    else if (s.serviceAccountToken) {
      const t = s.serviceAccountToken;
      const key = {
        namespace: ns,
        serviceAccount: ctx.pod.spec.serviceAccountName || "default",
        audience: t.audience,
        expirationSeconds: t.expirationSeconds ?? DEFAULT_TOKEN_SECONDS,
        podName: ctx.pod.metadata.name!,
        podUid: ctx.pod.metadata.uid!,
      };
      const token = await ctx.tokens.token(key);
      const at = ctx.tokens.refreshAt(key);
      ctx.refreshAt = ctx.refreshAt === undefined ? at : Math.min(ctx.refreshAt, at);
      // Token files are readable by the container's user whatever defaultMode says, as upstream's 0600 is only with fsGroup.
      out.set(t.path, { data: encoder.encode(token), mode });
    }
  }
}

/** The payload of a volume this file handles, or undefined for other volume types. */
export async function volumePayload(v: Volume, ctx: ProjectionContext): Promise<Payload | undefined> {
  const ns = ctx.pod.metadata.namespace!;
  const out: Payload = new Map();
  if (v.configMap) {
    const name = v.configMap.name ?? "";
    keyFiles("configmap", name, await ctx.objects.configMap(ns, name), v.configMap.items, v.configMap.optional, v.configMap.defaultMode ?? DEFAULT_MODE, out);
  } else if (v.secret) {
    const name = v.secret.secretName ?? "";
    keyFiles("secret", name, await ctx.objects.secret(ns, name), v.secret.items, v.secret.optional, v.secret.defaultMode ?? DEFAULT_MODE, out);
  } else if (v.downwardAPI) {
    downwardFiles(ctx, v.downwardAPI.items, v.downwardAPI.defaultMode ?? DEFAULT_MODE, out);
  } else if (v.projected) {
    await projectedFiles(ctx, v.projected.sources ?? [], v.projected.defaultMode ?? DEFAULT_MODE, out);
  } else return undefined;
  return out;
}
