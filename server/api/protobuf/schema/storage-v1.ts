/**
 * Protobuf field numbers of storage.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const storageV1: SchemaTable = {
  "storage.v1.CSIDriver": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "storage.v1.CSIDriverSpec"] },
  "storage.v1.CSIDriverList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "storage.v1.CSIDriver", "r"] },
  "storage.v1.CSIDriverSpec": { 1: ["attachRequired", "bool", "p"], 2: ["podInfoOnMount", "bool", "p"], 3: ["volumeLifecycleModes", "string", "r"], 4: ["storageCapacity", "bool", "p"], 5: ["fsGroupPolicy", "string", "p"], 6: ["tokenRequests", "storage.v1.TokenRequest", "r"], 7: ["requiresRepublish", "bool", "p"], 8: ["seLinuxMount", "bool", "p"], 9: ["nodeAllocatableUpdatePeriodSeconds", "int64", "p"] },
  "storage.v1.CSINode": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "storage.v1.CSINodeSpec"] },
  "storage.v1.CSINodeDriver": { 1: ["name", "string"], 2: ["nodeID", "string"], 3: ["topologyKeys", "string", "r"], 4: ["allocatable", "storage.v1.VolumeNodeResources", "p"] },
  "storage.v1.CSINodeList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "storage.v1.CSINode", "r"] },
  "storage.v1.CSINodeSpec": { 1: ["drivers", "storage.v1.CSINodeDriver", "r"] },
  "storage.v1.CSIStorageCapacity": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["nodeTopology", "meta.v1.LabelSelector", "p"], 3: ["storageClassName", "string"], 4: ["capacity", "resource.Quantity", "p"], 5: ["maximumVolumeSize", "resource.Quantity", "p"] },
  "storage.v1.CSIStorageCapacityList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "storage.v1.CSIStorageCapacity", "r"] },
  "storage.v1.StorageClass": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["provisioner", "string"], 3: ["parameters", "string", "m"], 4: ["reclaimPolicy", "string", "p"], 5: ["mountOptions", "string", "r"], 6: ["allowVolumeExpansion", "bool", "p"], 7: ["volumeBindingMode", "string", "p"], 8: ["allowedTopologies", "core.v1.TopologySelectorTerm", "r"] },
  "storage.v1.StorageClassList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "storage.v1.StorageClass", "r"] },
  "storage.v1.TokenRequest": { 1: ["audience", "string"], 2: ["expirationSeconds", "int64", "p"] },
  "storage.v1.VolumeAttachment": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "storage.v1.VolumeAttachmentSpec"], 3: ["status", "storage.v1.VolumeAttachmentStatus"] },
  "storage.v1.VolumeAttachmentList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "storage.v1.VolumeAttachment", "r"] },
  "storage.v1.VolumeAttachmentSource": { 1: ["persistentVolumeName", "string", "p"], 2: ["inlineVolumeSpec", "core.v1.PersistentVolumeSpec", "p"] },
  "storage.v1.VolumeAttachmentSpec": { 1: ["attacher", "string"], 2: ["source", "storage.v1.VolumeAttachmentSource"], 3: ["nodeName", "string"] },
  "storage.v1.VolumeAttachmentStatus": { 1: ["attached", "bool"], 2: ["attachmentMetadata", "string", "m"], 3: ["attachError", "storage.v1.VolumeError", "p"], 4: ["detachError", "storage.v1.VolumeError", "p"] },
  "storage.v1.VolumeError": { 1: ["time", "meta.v1.Time"], 2: ["message", "string"], 3: ["errorCode", "int32", "p"] },
  "storage.v1.VolumeNodeResources": { 1: ["count", "int32", "p"] },
};
