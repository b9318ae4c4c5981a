/**
 * Protobuf field numbers of autoscaling.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const autoscalingV1: SchemaTable = {
  "autoscaling.v1.ContainerResourceMetricSource": { 1: ["name", "string"], 2: ["targetAverageUtilization", "int32", "p"], 3: ["targetAverageValue", "resource.Quantity", "p"], 5: ["container", "string"] },
  "autoscaling.v1.ContainerResourceMetricStatus": { 1: ["name", "string"], 2: ["currentAverageUtilization", "int32", "p"], 3: ["currentAverageValue", "resource.Quantity"], 4: ["container", "string"] },
  "autoscaling.v1.CrossVersionObjectReference": { 1: ["kind", "string"], 2: ["name", "string"], 3: ["apiVersion", "string"] },
  "autoscaling.v1.ExternalMetricSource": { 1: ["metricName", "string"], 2: ["metricSelector", "meta.v1.LabelSelector", "p"], 3: ["targetValue", "resource.Quantity", "p"], 4: ["targetAverageValue", "resource.Quantity", "p"] },
  "autoscaling.v1.ExternalMetricStatus": { 1: ["metricName", "string"], 2: ["metricSelector", "meta.v1.LabelSelector", "p"], 3: ["currentValue", "resource.Quantity"], 4: ["currentAverageValue", "resource.Quantity", "p"] },
  "autoscaling.v1.HorizontalPodAutoscaler": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "autoscaling.v1.HorizontalPodAutoscalerSpec"], 3: ["status", "autoscaling.v1.HorizontalPodAutoscalerStatus"] },
  "autoscaling.v1.HorizontalPodAutoscalerCondition": { 1: ["type", "string"], 2: ["status", "string"], 3: ["lastTransitionTime", "meta.v1.Time"], 4: ["reason", "string"], 5: ["message", "string"] },
  "autoscaling.v1.HorizontalPodAutoscalerList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "autoscaling.v1.HorizontalPodAutoscaler", "r"] },
  "autoscaling.v1.HorizontalPodAutoscalerSpec": { 1: ["scaleTargetRef", "autoscaling.v1.CrossVersionObjectReference"], 2: ["minReplicas", "int32", "p"], 3: ["maxReplicas", "int32"], 4: ["targetCPUUtilizationPercentage", "int32", "p"] },
  "autoscaling.v1.HorizontalPodAutoscalerStatus": { 1: ["observedGeneration", "int64", "p"], 2: ["lastScaleTime", "meta.v1.Time", "p"], 3: ["currentReplicas", "int32"], 4: ["desiredReplicas", "int32"], 5: ["currentCPUUtilizationPercentage", "int32", "p"] },
  "autoscaling.v1.MetricSpec": { 1: ["type", "string"], 2: ["object", "autoscaling.v1.ObjectMetricSource", "p"], 3: ["pods", "autoscaling.v1.PodsMetricSource", "p"], 4: ["resource", "autoscaling.v1.ResourceMetricSource", "p"], 5: ["external", "autoscaling.v1.ExternalMetricSource", "p"], 7: ["containerResource", "autoscaling.v1.ContainerResourceMetricSource", "p"] },
  "autoscaling.v1.MetricStatus": { 1: ["type", "string"], 2: ["object", "autoscaling.v1.ObjectMetricStatus", "p"], 3: ["pods", "autoscaling.v1.PodsMetricStatus", "p"], 4: ["resource", "autoscaling.v1.ResourceMetricStatus", "p"], 5: ["external", "autoscaling.v1.ExternalMetricStatus", "p"], 7: ["containerResource", "autoscaling.v1.ContainerResourceMetricStatus", "p"] },
  "autoscaling.v1.ObjectMetricSource": { 1: ["target", "autoscaling.v1.CrossVersionObjectReference"], 2: ["metricName", "string"], 3: ["targetValue", "resource.Quantity"], 4: ["selector", "meta.v1.LabelSelector", "p"], 5: ["averageValue", "resource.Quantity", "p"] },
  "autoscaling.v1.ObjectMetricStatus": { 1: ["target", "autoscaling.v1.CrossVersionObjectReference"], 2: ["metricName", "string"], 3: ["currentValue", "resource.Quantity"], 4: ["selector", "meta.v1.LabelSelector", "p"], 5: ["averageValue", "resource.Quantity", "p"] },
  "autoscaling.v1.PodsMetricSource": { 1: ["metricName", "string"], 2: ["targetAverageValue", "resource.Quantity"], 3: ["selector", "meta.v1.LabelSelector", "p"] },
  "autoscaling.v1.PodsMetricStatus": { 1: ["metricName", "string"], 2: ["currentAverageValue", "resource.Quantity"], 3: ["selector", "meta.v1.LabelSelector", "p"] },
  "autoscaling.v1.ResourceMetricSource": { 1: ["name", "string"], 2: ["targetAverageUtilization", "int32", "p"], 3: ["targetAverageValue", "resource.Quantity", "p"] },
  "autoscaling.v1.ResourceMetricStatus": { 1: ["name", "string"], 2: ["currentAverageUtilization", "int32", "p"], 3: ["currentAverageValue", "resource.Quantity"] },
  "autoscaling.v1.Scale": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "autoscaling.v1.ScaleSpec"], 3: ["status", "autoscaling.v1.ScaleStatus"] },
  "autoscaling.v1.ScaleSpec": { 1: ["replicas", "int32", "z"] },
  "autoscaling.v1.ScaleStatus": { 1: ["replicas", "int32"], 2: ["selector", "string"] },
};
