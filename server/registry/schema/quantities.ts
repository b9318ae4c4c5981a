/**
 * Which model properties are resource.Quantity (or maps of them). client-node types quantities as
 * plain `string`, so this fact is ours to keep; it comes from the Go types in k8s.io/api
 * (`resource.Quantity` fields and `ResourceList` maps). Alpha-only models are left out.
 * Keys are client-node model names; values are client-node property names.
 */
const resourceDevices = (v: string): Record<string, readonly string[]> => ({
  [`${v}Counter`]: ["value"],
  [`${v}DeviceCapacity`]: ["value"],
  [`${v}CapacityRequestPolicy`]: ["_default"],
  [`${v}CapacityRequestPolicyRange`]: ["max", "min", "step"],
  [`${v}CapacityRequirements`]: ["requests"],
  [`${v}DeviceRequestAllocationResult`]: ["consumedCapacity"],
});

export const QUANTITY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  V1ResourceRequirements: ["limits", "requests"],
  V1VolumeResourceRequirements: ["limits", "requests"],
  V1ContainerStatus: ["allocatedResources"],
  V1PodStatus: ["allocatedResources"],
  V1PodSpec: ["overhead"],
  V1Overhead: ["podFixed"],
  V1NodeStatus: ["allocatable", "capacity"],
  V1PersistentVolumeSpec: ["capacity"],
  V1PersistentVolumeClaimStatus: ["allocatedResources", "capacity"],
  V1ResourceQuotaSpec: ["hard"],
  V1ResourceQuotaStatus: ["hard", "used"],
  V1LimitRangeItem: ["_default", "defaultRequest", "max", "maxLimitRequestRatio", "min"],
  V1EmptyDirVolumeSource: ["sizeLimit"],
  V1ResourceFieldSelector: ["divisor"],
  V1CSIStorageCapacity: ["capacity", "maximumVolumeSize"],
  V2MetricTarget: ["averageValue", "value"],
  V2MetricValueStatus: ["averageValue", "value"],
  ...resourceDevices("V1"),
  ...resourceDevices("V1beta1"),
  ...resourceDevices("V1beta2"),
};
