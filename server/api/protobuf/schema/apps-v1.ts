/**
 * Protobuf field numbers of apps.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const appsV1: SchemaTable = {
  "apps.v1.ControllerRevision": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["data", "runtime.RawExtension"], 3: ["revision", "int64"] },
  "apps.v1.ControllerRevisionList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "apps.v1.ControllerRevision", "r"] },
  "apps.v1.DaemonSet": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "apps.v1.DaemonSetSpec"], 3: ["status", "apps.v1.DaemonSetStatus"] },
  "apps.v1.DaemonSetCondition": { 1: ["type", "string"], 2: ["status", "string"], 3: ["lastTransitionTime", "meta.v1.Time"], 4: ["reason", "string"], 5: ["message", "string"] },
  "apps.v1.DaemonSetList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "apps.v1.DaemonSet", "r"] },
  "apps.v1.DaemonSetSpec": { 1: ["selector", "meta.v1.LabelSelector", "p"], 2: ["template", "core.v1.PodTemplateSpec"], 3: ["updateStrategy", "apps.v1.DaemonSetUpdateStrategy"], 4: ["minReadySeconds", "int32", "z"], 6: ["revisionHistoryLimit", "int32", "p"] },
  "apps.v1.DaemonSetStatus": { 1: ["currentNumberScheduled", "int32"], 2: ["numberMisscheduled", "int32"], 3: ["desiredNumberScheduled", "int32"], 4: ["numberReady", "int32"], 5: ["observedGeneration", "int64", "z"], 6: ["updatedNumberScheduled", "int32", "z"], 7: ["numberAvailable", "int32", "z"], 8: ["numberUnavailable", "int32", "z"], 9: ["collisionCount", "int32", "p"], 10: ["conditions", "apps.v1.DaemonSetCondition", "r"] },
  "apps.v1.DaemonSetUpdateStrategy": { 1: ["type", "string"], 2: ["rollingUpdate", "apps.v1.RollingUpdateDaemonSet", "p"] },
  "apps.v1.Deployment": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "apps.v1.DeploymentSpec"], 3: ["status", "apps.v1.DeploymentStatus"] },
  "apps.v1.DeploymentCondition": { 1: ["type", "string"], 2: ["status", "string"], 4: ["reason", "string"], 5: ["message", "string"], 6: ["lastUpdateTime", "meta.v1.Time"], 7: ["lastTransitionTime", "meta.v1.Time"] },
  "apps.v1.DeploymentList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "apps.v1.Deployment", "r"] },
  "apps.v1.DeploymentSpec": { 1: ["replicas", "int32", "p"], 2: ["selector", "meta.v1.LabelSelector", "p"], 3: ["template", "core.v1.PodTemplateSpec"], 4: ["strategy", "apps.v1.DeploymentStrategy"], 5: ["minReadySeconds", "int32", "z"], 6: ["revisionHistoryLimit", "int32", "p"], 7: ["paused", "bool", "z"], 9: ["progressDeadlineSeconds", "int32", "p"] },
  "apps.v1.DeploymentStatus": { 1: ["observedGeneration", "int64", "z"], 2: ["replicas", "int32", "z"], 3: ["updatedReplicas", "int32", "z"], 4: ["availableReplicas", "int32", "z"], 5: ["unavailableReplicas", "int32", "z"], 6: ["conditions", "apps.v1.DeploymentCondition", "r"], 7: ["readyReplicas", "int32", "z"], 8: ["collisionCount", "int32", "p"], 9: ["terminatingReplicas", "int32", "p"] },
  "apps.v1.DeploymentStrategy": { 1: ["type", "string"], 2: ["rollingUpdate", "apps.v1.RollingUpdateDeployment", "p"] },
  "apps.v1.ReplicaSet": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "apps.v1.ReplicaSetSpec"], 3: ["status", "apps.v1.ReplicaSetStatus"] },
  "apps.v1.ReplicaSetCondition": { 1: ["type", "string"], 2: ["status", "string"], 3: ["lastTransitionTime", "meta.v1.Time"], 4: ["reason", "string"], 5: ["message", "string"] },
  "apps.v1.ReplicaSetList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "apps.v1.ReplicaSet", "r"] },
  "apps.v1.ReplicaSetSpec": { 1: ["replicas", "int32", "p"], 2: ["selector", "meta.v1.LabelSelector"], 3: ["template", "core.v1.PodTemplateSpec"], 4: ["minReadySeconds", "int32", "z"] },
  "apps.v1.ReplicaSetStatus": { 1: ["replicas", "int32"], 2: ["fullyLabeledReplicas", "int32", "z"], 3: ["observedGeneration", "int64", "z"], 4: ["readyReplicas", "int32", "z"], 5: ["availableReplicas", "int32", "z"], 6: ["conditions", "apps.v1.ReplicaSetCondition", "r"], 7: ["terminatingReplicas", "int32", "p"] },
  "apps.v1.RollingUpdateDaemonSet": { 1: ["maxUnavailable", "intstr.IntOrString", "p"], 2: ["maxSurge", "intstr.IntOrString", "p"] },
  "apps.v1.RollingUpdateDeployment": { 1: ["maxUnavailable", "intstr.IntOrString", "p"], 2: ["maxSurge", "intstr.IntOrString", "p"] },
  "apps.v1.RollingUpdateStatefulSetStrategy": { 1: ["partition", "int32", "p"], 2: ["maxUnavailable", "intstr.IntOrString", "p"] },
  "apps.v1.StatefulSet": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "apps.v1.StatefulSetSpec"], 3: ["status", "apps.v1.StatefulSetStatus"] },
  "apps.v1.StatefulSetCondition": { 1: ["type", "string"], 2: ["status", "string"], 3: ["lastTransitionTime", "meta.v1.Time"], 4: ["reason", "string"], 5: ["message", "string"] },
  "apps.v1.StatefulSetList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "apps.v1.StatefulSet", "r"] },
  "apps.v1.StatefulSetOrdinals": { 1: ["start", "int32"] },
  "apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy": { 1: ["whenDeleted", "string"], 2: ["whenScaled", "string"] },
  "apps.v1.StatefulSetSpec": { 1: ["replicas", "int32", "p"], 2: ["selector", "meta.v1.LabelSelector"], 3: ["template", "core.v1.PodTemplateSpec"], 4: ["volumeClaimTemplates", "core.v1.PersistentVolumeClaim", "r"], 5: ["serviceName", "string"], 6: ["podManagementPolicy", "string"], 7: ["updateStrategy", "apps.v1.StatefulSetUpdateStrategy"], 8: ["revisionHistoryLimit", "int32", "p"], 9: ["minReadySeconds", "int32", "z"], 10: ["persistentVolumeClaimRetentionPolicy", "apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy", "p"], 11: ["ordinals", "apps.v1.StatefulSetOrdinals", "p"] },
  "apps.v1.StatefulSetStatus": { 1: ["observedGeneration", "int64"], 2: ["replicas", "int32"], 3: ["readyReplicas", "int32", "z"], 4: ["currentReplicas", "int32", "z"], 5: ["updatedReplicas", "int32", "z"], 6: ["currentRevision", "string"], 7: ["updateRevision", "string"], 9: ["collisionCount", "int32", "p"], 10: ["conditions", "apps.v1.StatefulSetCondition", "r"], 11: ["availableReplicas", "int32"] },
  "apps.v1.StatefulSetUpdateStrategy": { 1: ["type", "string"], 2: ["rollingUpdate", "apps.v1.RollingUpdateStatefulSetStrategy", "p"] },
};
