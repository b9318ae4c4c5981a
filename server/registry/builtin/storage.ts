/**
 * storage.k8s.io/v1 StorageClass: defaults (reclaimPolicy Delete, volumeBindingMode Immediate),
 * what may not change, and the table, where the default class reads "name (default)".
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { deepEqual } from "../rest/deep-equal.ts";
import { forbiddenField, immutable, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { qualifiedNameProblems } from "../validation/names.ts";
import type { ResourceDefinition } from "../types.ts";
import { defineKind } from "./define.ts";

export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
/** The beta annotation upstream still honours. */
const BETA_DEFAULT_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class";

export function isDefaultStorageClass(o: KubeObject): boolean {
  const a = o.metadata.annotations ?? {};
  return a[DEFAULT_CLASS_ANNOTATION] === "true" || a[BETA_DEFAULT_CLASS_ANNOTATION] === "true";
}

const RECLAIM = ["Delete", "Retain"];
const BINDING_MODES = ["Immediate", "WaitForFirstConsumer"];

function validateStorageClass(o: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const provisioner = o.provisioner;
  if (!provisioner) out.push(required("provisioner"));
  else for (const m of qualifiedNameProblems(String(provisioner).toLowerCase())) out.push(invalidValue("provisioner", provisioner, m));
  if (!RECLAIM.includes(String(o.reclaimPolicy))) out.push(notSupported("reclaimPolicy", o.reclaimPolicy ?? "", RECLAIM));
  if (!BINDING_MODES.includes(String(o.volumeBindingMode))) out.push(notSupported("volumeBindingMode", o.volumeBindingMode ?? "", BINDING_MODES));
  return out;
}

function validateStorageClassUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const out = validateStorageClass(o);
  if (!deepEqual(o.parameters ?? {}, old.parameters ?? {})) out.push(forbiddenField("parameters", "updates to parameters are forbidden."));
  if (o.provisioner !== old.provisioner) out.push(forbiddenField("provisioner", "updates to provisioner are forbidden."));
  if (o.reclaimPolicy !== old.reclaimPolicy) out.push(forbiddenField("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  if (o.volumeBindingMode !== old.volumeBindingMode) out.push(immutable("volumeBindingMode", o.volumeBindingMode));
  return out;
}

export const storageclasses: ResourceDefinition = defineKind({
  group: "storage.k8s.io",
  version: "v1",
  kind: "StorageClass",
  resource: "storageclasses",
  shortNames: ["sc"],
  namespaced: false,
  modelName: "V1StorageClass",
  strategy: {
    generation: "none",
    defaults(o) {
      o.reclaimPolicy ??= "Delete";
      o.volumeBindingMode ??= "Immediate";
    },
    validate: validateStorageClass,
    validateUpdate: validateStorageClassUpdate,
  },
  columns: [
    { name: "Provisioner", description: "provisioner indicates the type of the provisioner.", cell: (o) => o.provisioner ?? "" },
    { name: "ReclaimPolicy", description: "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.", cell: (o) => o.reclaimPolicy ?? "Delete" },
    { name: "VolumeBindingMode", description: "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.", cell: (o) => o.volumeBindingMode ?? "Immediate" },
    { name: "AllowVolumeExpansion", description: "allowVolumeExpansion shows whether the storage class allow volume expand.", cell: (o) => o.allowVolumeExpansion === true },
  ],
});
// NAME carries "(default)" for the default class.
const nameCell = storageclasses.table!.cells;
storageclasses.table!.cells = (o) => {
  const cells = nameCell(o);
  if (isDefaultStorageClass(o)) cells[0] = `${o.metadata.name} (default)`;
  return cells;
};
