/**
 * core/v1 PersistentVolume and PersistentVolumeClaim: defaults (reclaim policy Retain, volume
 * mode Filesystem), Pending status on create, the essentials of upstream's validation (access
 * modes, storage size, one volume source; a claim's spec is fixed once created except its
 * storage request growing and a first volumeName) and the tables of `kubectl get pv,pvc`.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { deepEqual } from "../rest/deep-equal.ts";
import { forbiddenField, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { compareQuantities, parseQuantity, QUANTITY_MESSAGE } from "../validation/quantity.ts";
import type { ResourceDefinition, TableDefinition } from "../types.ts";
import { defineKind, table } from "./define.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const ACCESS_MODE_SHORT: [string, string][] = [["ReadWriteOnce", "RWO"], ["ReadOnlyMany", "ROX"], ["ReadWriteMany", "RWX"], ["ReadWriteOncePod", "RWOP"]];
const RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"];
const VOLUME_MODES = ["Block", "Filesystem"];
const PV_SOURCES = [
  "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "iscsi", "cinder", "cephfs", "fc",
  "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume",
  "scaleIO", "local", "storageos", "csi",
];
const STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

/** helper.GetAccessModesAsString: RWO,ROX,RWX,RWOP in that order, each once. */
export function accessModesString(modes: unknown): string {
  const given = Array.isArray(modes) ? modes : [];
  return ACCESS_MODE_SHORT.filter(([m]) => given.includes(m)).map(([, s]) => s).join(",");
}

function storageClass(o: KubeObject): string {
  const annotated = o.metadata.annotations?.[STORAGE_CLASS_ANNOTATION];
  if (annotated !== undefined) return annotated;
  return String((o.spec as Obj | undefined)?.storageClassName ?? "");
}

function validateAccessModes(modes: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const list = Array.isArray(modes) ? modes : [];
  if (list.length === 0) out.push(required(path, "at least 1 access mode is required"));
  for (const m of list) if (!ACCESS_MODES.includes(String(m))) out.push(notSupported(path, m, ACCESS_MODES));
  if (list.includes("ReadWriteOncePod") && list.length > 1) out.push(forbiddenField(path, "may not use ReadWriteOncePod with other access modes"));
  return out;
}

function validateStorage(value: unknown, path: string): StatusCause[] {
  if (value === undefined) return [required(path)];
  const q = parseQuantity(value);
  if (!q) return [invalidValue(path, value, QUANTITY_MESSAGE)];
  if (q.mantissa <= 0n) return [invalidValue(path, value, "must be greater than zero")];
  return [];
}

function validatePV(pv: KubeObject): StatusCause[] {
  const spec = (isObj(pv.spec) ? pv.spec : {}) as Obj;
  const out = validateAccessModes(spec.accessModes, "spec.accessModes");
  const capacity = (isObj(spec.capacity) ? spec.capacity : {}) as Obj;
  if (Object.keys(capacity).length === 0) out.push(required("spec.capacity"));
  else {
    for (const k of Object.keys(capacity)) if (k !== "storage") out.push(notSupported("spec.capacity", k, ["storage"]));
    out.push(...validateStorage(capacity.storage, "spec.capacity[storage]"));
  }
  const sources = PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (sources.length === 0) out.push(required("spec", "must specify a volume type"));
  else if (sources.length > 1) out.push(forbiddenField(`spec.${sources[1]}`, "may not specify more than 1 volume type"));
  if (spec.persistentVolumeReclaimPolicy !== undefined && !RECLAIM_POLICIES.includes(String(spec.persistentVolumeReclaimPolicy))) {
    out.push(notSupported("spec.persistentVolumeReclaimPolicy", spec.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  }
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(String(spec.volumeMode))) out.push(notSupported("spec.volumeMode", spec.volumeMode, VOLUME_MODES));
  if (isObj(spec.hostPath) && !spec.hostPath.path) out.push(required("spec.hostPath.path"));
  if (isObj(spec.local) && !spec.local.path) out.push(required("spec.local.path"));
  if (isObj(spec.local) && !spec.nodeAffinity) out.push(required("spec.nodeAffinity", "Local volume requires node affinity"));
  return out;
}

function validatePVC(pvc: KubeObject): StatusCause[] {
  const spec = (isObj(pvc.spec) ? pvc.spec : {}) as Obj;
  const out: StatusCause[] = [];
  const hasSource = spec.dataSource !== undefined || spec.dataSourceRef !== undefined;
  if (!(Array.isArray(spec.accessModes) && spec.accessModes.length === 0 && hasSource)) out.push(...validateAccessModes(spec.accessModes, "spec.accessModes"));
  const requests = ((spec.resources as Obj | undefined)?.requests ?? {}) as Obj;
  if (requests.storage === undefined) out.push(required("spec.resources[storage]"));
  else out.push(...validateStorage(requests.storage, "spec.resources[storage]"));
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(String(spec.volumeMode))) out.push(notSupported("spec.volumeMode", spec.volumeMode, VOLUME_MODES));
  return out;
}

function validatePVCUpdate(pvc: KubeObject, old: KubeObject): StatusCause[] {
  const out = validatePVC(pvc);
  const spec = structuredClone((pvc.spec ?? {}) as Obj);
  const oldSpec = structuredClone((old.spec ?? {}) as Obj);
  // The PV controller may set volumeName once; a bound claim may grow (never shrink) its storage.
  if (!oldSpec.volumeName) oldSpec.volumeName = spec.volumeName;
  if (oldSpec.volumeName === undefined) delete oldSpec.volumeName;
  const storage = (s: Obj) => ((s.resources as Obj | undefined)?.requests as Obj | undefined)?.storage;
  const newStorage = parseQuantity(storage(spec));
  const oldStorage = parseQuantity(storage(oldSpec));
  const bound = (old.status as Obj | undefined)?.phase === "Bound";
  if (bound && newStorage && oldStorage) {
    if (compareQuantities(newStorage, oldStorage) < 0) out.push(forbiddenField("spec.resources.requests.storage", "field can not be less than status.capacity"));
    const requests = (spec.resources as Obj | undefined)?.requests as Obj | undefined;
    if (requests) requests.storage = storage(oldSpec);
  }
  if ("volumeAttributesClassName" in oldSpec || "volumeAttributesClassName" in spec) spec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  if (spec.volumeAttributesClassName === undefined) delete spec.volumeAttributesClassName;
  if (!deepEqual(spec, oldSpec)) out.push(forbiddenField("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
  return out;
}

const phaseOf = (o: KubeObject) => (o.metadata.deletionTimestamp ? "Terminating" : String((o.status as Obj | undefined)?.phase ?? ""));
const orUnset = (v: unknown) => (typeof v === "string" ? v : "<unset>");

export const persistentvolumes: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "PersistentVolume",
  resource: "persistentvolumes",
  shortNames: ["pv"],
  namespaced: false,
  modelName: "V1PersistentVolume",
  statusSubresource: true,
  strategy: {
    generation: "none",
    defaults(pv) {
      const spec = (isObj(pv.spec) ? pv.spec : (pv.spec = {})) as Obj;
      spec.persistentVolumeReclaimPolicy ??= "Retain";
      spec.volumeMode ??= "Filesystem";
      if (isObj(spec.hostPath)) spec.hostPath.type ??= "";
    },
    prepareForCreate(pv) {
      pv.status = { phase: "Pending", lastPhaseTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") };
    },
    validate: validatePV,
  },
});

const pvColumns = table([
  { name: "Capacity", description: "capacity is the description of the persistent volume's resources and capacity.", cell: (o) => String(((o.spec as Obj | undefined)?.capacity as Obj | undefined)?.storage ?? "0") },
  { name: "Access Modes", description: "accessModes contains all ways the volume can be mounted.", cell: (o) => accessModesString((o.spec as Obj | undefined)?.accessModes) },
  { name: "Reclaim Policy", description: "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.", cell: (o) => String((o.spec as Obj | undefined)?.persistentVolumeReclaimPolicy ?? "") },
  { name: "Status", description: "phase indicates if a volume is available, bound to a claim, or released by a claim.", cell: phaseOf },
  {
    name: "Claim",
    description: "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.",
    cell: (o) => {
      const ref = (o.spec as Obj | undefined)?.claimRef as Obj | undefined;
      return ref ? `${ref.namespace ?? ""}/${ref.name ?? ""}` : "";
    },
  },
  { name: "StorageClass", description: "storageClassName is the name of StorageClass to which this persistent volume belongs.", cell: storageClass },
  { name: "VolumeAttributesClass", description: "Name of VolumeAttributesClass to which this persistent volume belongs.", cell: (o) => orUnset((o.spec as Obj | undefined)?.volumeAttributesClassName) },
  { name: "Reason", description: "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.", cell: (o) => String((o.status as Obj | undefined)?.reason ?? "") },
]);

/** NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE, + VOLUMEMODE (wide). */
persistentvolumes.table = withVolumeMode(pvColumns);

function withVolumeMode(base: TableDefinition): TableDefinition {
  return {
    columns: [...base.columns, { name: "VolumeMode", type: "string", format: "", priority: 1, description: "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state." }],
    cells: (o) => [...base.cells(o), orUnset((o.spec as Obj | undefined)?.volumeMode)],
  };
}

export const persistentvolumeclaims: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "PersistentVolumeClaim",
  resource: "persistentvolumeclaims",
  shortNames: ["pvc"],
  namespaced: true,
  modelName: "V1PersistentVolumeClaim",
  statusSubresource: true,
  strategy: {
    generation: "none",
    defaults(pvc) {
      const spec = (isObj(pvc.spec) ? pvc.spec : (pvc.spec = {})) as Obj;
      spec.volumeMode ??= "Filesystem";
    },
    prepareForCreate(pvc) {
      pvc.status = { phase: "Pending" };
    },
    validate: validatePVC,
    validateUpdate: validatePVCUpdate,
  },
});

/** Capacity and access modes show once the claim names its volume. */
const bound = (o: KubeObject) => Boolean((o.spec as Obj | undefined)?.volumeName);

const pvcColumns = table([
  { name: "Status", description: "phase represents the current phase of PersistentVolumeClaim.", cell: phaseOf },
  { name: "Volume", description: "volumeName is the binding reference to the PersistentVolume backing this claim.", cell: (o) => String((o.spec as Obj | undefined)?.volumeName ?? "") },
  { name: "Capacity", description: "capacity represents the actual resources of the underlying volume.", cell: (o) => (bound(o) ? String(((o.status as Obj | undefined)?.capacity as Obj | undefined)?.storage ?? "0") : "") },
  { name: "Access Modes", description: "accessModes contains the actual access modes the volume backing the PVC has.", cell: (o) => (bound(o) ? accessModesString((o.status as Obj | undefined)?.accessModes) : "") },
  { name: "StorageClass", description: "storageClassName is the name of the StorageClass required by the claim.", cell: storageClass },
  { name: "VolumeAttributesClass", description: "volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.", cell: (o) => orUnset((o.spec as Obj | undefined)?.volumeAttributesClassName) },
]);

/** NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE, + VOLUMEMODE (wide). */
persistentvolumeclaims.table = withVolumeMode(pvcColumns);
