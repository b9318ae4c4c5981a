/**
 * The apiextensions.k8s.io/v1 CustomResourceDefinition kind: cluster-scoped, with a status
 * subresource. Its strategy defaults names and conversion, records the storage version in
 * status.storedVersions, validates the definition, and on delete adds upstream's cleanup
 * finalizer (the registrar deletes the custom resources, then removes it).
 */
import { defineKind } from "../builtin/define.ts";
import type { ResourceDefinition } from "../types.ts";
import { now, setCondition } from "./conditions.ts";
import { CLEANUP_FINALIZER, CRD_GROUP, type CrdSpec, type CustomResourceDefinition } from "./types.ts";
import { validateCrd, validateCrdUpdate } from "./validate-crd.ts";

function defaults(crd: CustomResourceDefinition): void {
  const spec = crd.spec as CrdSpec | undefined;
  if (!spec || typeof spec !== "object") return;
  const names = spec.names;
  if (names && typeof names === "object" && typeof names.kind === "string") {
    if (!names.singular) names.singular = names.kind.toLowerCase();
    if (!names.listKind) names.listKind = `${names.kind}List`;
  }
  spec.conversion ??= { strategy: "None" };
}

/** Adds the storage version to status.storedVersions (upstream: PrepareForCreate/Update). */
function recordStorageVersion(crd: CustomResourceDefinition): void {
  const storage = crd.spec?.versions?.find?.((v) => v.storage)?.name;
  if (!storage) return;
  const status = (crd.status ??= {});
  const stored = status.storedVersions ?? [];
  if (!stored.includes(storage)) status.storedVersions = [...stored, storage];
}

export const customResourceDefinitions: ResourceDefinition = defineKind({
  group: CRD_GROUP,
  version: "v1",
  kind: "CustomResourceDefinition",
  resource: "customresourcedefinitions",
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  namespaced: false,
  modelName: "V1CustomResourceDefinition",
  statusSubresource: true,
  strategy: {
    generation: "spec",
    defaults: (o) => defaults(o as CustomResourceDefinition),
    prepareForCreate(o) {
      o.status = {};
      recordStorageVersion(o as CustomResourceDefinition);
    },
    prepareForUpdate: (o) => recordStorageVersion(o as CustomResourceDefinition),
    validate: (o) => validateCrd(o as CustomResourceDefinition),
    validateUpdate: (o, old) => validateCrdUpdate(o as CustomResourceDefinition, old as CustomResourceDefinition),
    prepareForDelete(o) {
      const crd = o as CustomResourceDefinition;
      const finalizers = crd.metadata.finalizers ?? [];
      if (!finalizers.includes(CLEANUP_FINALIZER)) crd.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
      crd.status = {
        ...crd.status,
        conditions: setCondition(crd.status?.conditions, {
          type: "Terminating",
          status: "True",
          lastTransitionTime: now(),
          reason: "InstanceDeletionPending",
          message: "CustomResourceDefinition marked for deletion; instances will be deleted",
        }),
      };
    },
  },
});
