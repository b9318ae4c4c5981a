/**
 * A StatefulSet pod's identity and storage (stateful_set_utils.go): the name `<set>-<ordinal>`,
 * the pod-name and pod-index labels, hostname and subdomain (for the governing Service's DNS),
 * and one PersistentVolumeClaim per claim template, `<template>-<set>-<ordinal>`, mounted in
 * place of any template volume of the same name.
 */
import type { KubeObject } from "../../../plugins/client.ts";
import { newControllerRef, type Pod } from "../pod-status.ts";
import { type ClaimTemplate, POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL, type StatefulSet } from "./types.ts";

const ORDINAL = /^(.*)-(\d+)$/;

/** getParentNameAndOrdinal: the set's name and the ordinal, or -1 when the name has none. */
export function parentAndOrdinal(pod: KubeObject): { parent: string; ordinal: number } {
  const m = ORDINAL.exec(pod.metadata.name ?? "");
  if (!m) return { parent: "", ordinal: -1 };
  const ordinal = Number(m[2]);
  return Number.isSafeInteger(ordinal) ? { parent: m[1]!, ordinal } : { parent: "", ordinal: -1 };
}

export function ordinalOf(pod: KubeObject): number {
  return parentAndOrdinal(pod).ordinal;
}

export function isMemberOf(set: StatefulSet, pod: KubeObject): boolean {
  return parentAndOrdinal(pod).parent === set.metadata.name;
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

export function claimName(set: StatefulSet, claim: ClaimTemplate, ordinal: number): string {
  return `${claim.metadata?.name}-${set.metadata.name}-${ordinal}`;
}

export function podRevision(pod: KubeObject): string | undefined {
  return pod.metadata.labels?.[REVISION_LABEL];
}

/** The PVCs a pod of this ordinal mounts (getPersistentVolumeClaims), without owner references. */
export function claimsFor(set: StatefulSet, ordinal: number): KubeObject[] {
  const selectorLabels = set.spec.selector?.matchLabels ?? {};
  return (set.spec.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: claimName(set, t, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...selectorLabels },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
    },
    spec: structuredClone(t.spec ?? {}),
  }));
}

/** identityMatches: the pod carries the identity of its ordinal. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  const labels = pod.metadata.labels ?? {};
  return ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.namespace === set.metadata.namespace &&
    labels[POD_NAME_LABEL] === pod.metadata.name &&
    labels[POD_INDEX_LABEL] === String(ordinal);
}

type Volume = { name: string; persistentVolumeClaim?: { claimName?: string }; [key: string]: unknown };

/** storageMatches: every claim template is mounted from this ordinal's claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map(((pod.spec?.volumes ?? []) as Volume[]).map((v) => [v.name, v]));
  for (const t of set.spec.volumeClaimTemplates ?? []) {
    const v = volumes.get(t.metadata?.name ?? "");
    if (v?.persistentVolumeClaim?.claimName !== claimName(set, t, ordinal)) return false;
  }
  return true;
}

/** updateIdentity: mutates the pod's labels and DNS fields to its ordinal's identity. */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = ordinalOf(pod);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name!, [POD_INDEX_LABEL]: String(ordinal) };
  pod.spec ??= {};
  pod.spec.hostname = pod.metadata.name;
  if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
}

/** updateStorage: mutates the pod's volumes so that each claim template mounts its claim. */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const ordinal = ordinalOf(pod);
  const templates = set.spec.volumeClaimTemplates ?? [];
  if (!templates.length) return;
  pod.spec ??= {};
  const claimed = new Set(templates.map((t) => t.metadata?.name));
  const volumes = ((pod.spec.volumes ?? []) as Volume[]).filter((v) => !claimed.has(v.name));
  for (const t of templates) volumes.push({ name: t.metadata!.name!, persistentVolumeClaim: { claimName: claimName(set, t, ordinal) } });
  pod.spec.volumes = volumes;
}

/** newStatefulSetPod: the pod of `ordinal` from the set's template, labelled with `revision`. */
export function newPod(set: StatefulSet, ordinal: number, revision: string): Pod {
  const meta = set.spec.template?.metadata ?? {};
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: podName(set, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(meta.labels ?? {}), [REVISION_LABEL]: revision },
      ownerReferences: [newControllerRef(set, "apps/v1", "StatefulSet")],
    },
    spec: structuredClone(set.spec.template?.spec ?? {}) as Pod["spec"],
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  updateIdentity(set, pod);
  updateStorage(set, pod);
  return pod;
}
