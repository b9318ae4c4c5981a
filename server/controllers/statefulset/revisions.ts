/**
 * A StatefulSet's ControllerRevisions (stateful_set_utils.go and controller_history): each holds
 * a patch that replaces the pod template, is named `<set>-<hash>` (FNV-32 of the patch and the
 * collision count), and is numbered; pods are labelled with the revision they were made from,
 * and an old revision can be applied back onto the set to make pods at that revision.
 */
import type { KubeObject } from "../../../plugins/client.ts";
import { newControllerRef } from "../pod-status.ts";
import { canonicalJson, fnv32, safeEncodeString } from "../pod-template-hash.ts";
import type { PodTemplate } from "../replicaset/types.ts";
import { CONTROLLER_REVISION_HASH_LABEL, type ControllerRevision, type StatefulSet } from "./types.ts";

const encoder = new TextEncoder();

/** getPatch: `{"spec":{"template":{...,"$patch":"replace"}}}`, keys sorted as Go's encoder sorts maps. */
export function templatePatch(set: StatefulSet): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...structuredClone(set.spec.template ?? {}), $patch: "replace" } } };
}

/** HashControllerRevision: FNV-32 of the data, then the collision count in decimal. */
export function hashRevision(data: unknown, collisionCount?: number): string {
  let h = fnv32(encoder.encode(canonicalJson(data)));
  if (collisionCount !== undefined && collisionCount !== null) h = fnv32(encoder.encode(String(collisionCount)), h);
  return safeEncodeString(String(h));
}

/** ControllerRevisionName: the prefix is cut to 223 characters so that the name stays valid. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** newRevision: the revision the set's current template would be. */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number | undefined): ControllerRevision {
  const data = templatePatch(set);
  const hash = hashRevision(data, collisionCount);
  const annotations = { ...(set.metadata.annotations ?? {}) };
  delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionName(set.metadata.name!, hash),
      namespace: set.metadata.namespace,
      labels: { ...(set.spec.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [newControllerRef(set, "apps/v1", "StatefulSet")],
    },
    data,
    revision,
  };
}

/** EqualRevision: same hash label and the same data. */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  const ha = a.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  const hb = b.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  if (ha !== hb) return false;
  return canonicalJson(a.data ?? null) === canonicalJson(b.data ?? null);
}

/** ApplyRevision: the set with the revision's template. */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const data = revision.data as { spec?: { template?: PodTemplate & { $patch?: string } } } | undefined;
  const template = structuredClone(data?.spec?.template ?? set.spec.template);
  delete (template as { $patch?: string }).$patch;
  return { ...set, spec: { ...set.spec, template } };
}

export function nextRevision(revisions: readonly ControllerRevision[]): number {
  let max = 0;
  for (const r of revisions) max = Math.max(max, r.revision ?? 0);
  return max + 1;
}

export function byRevisionNumber(a: ControllerRevision, b: ControllerRevision): number {
  return (a.revision ?? 0) - (b.revision ?? 0) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
}

export type { KubeObject };
