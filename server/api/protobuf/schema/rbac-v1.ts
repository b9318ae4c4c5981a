/**
 * Protobuf field numbers of rbac.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const rbacV1: SchemaTable = {
  "rbac.v1.AggregationRule": { 1: ["clusterRoleSelectors", "meta.v1.LabelSelector", "r"] },
  "rbac.v1.ClusterRole": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["rules", "rbac.v1.PolicyRule", "r"], 3: ["aggregationRule", "rbac.v1.AggregationRule", "p"] },
  "rbac.v1.ClusterRoleBinding": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["subjects", "rbac.v1.Subject", "r"], 3: ["roleRef", "rbac.v1.RoleRef"] },
  "rbac.v1.ClusterRoleBindingList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "rbac.v1.ClusterRoleBinding", "r"] },
  "rbac.v1.ClusterRoleList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "rbac.v1.ClusterRole", "r"] },
  "rbac.v1.PolicyRule": { 1: ["verbs", "string", "r"], 2: ["apiGroups", "string", "r"], 3: ["resources", "string", "r"], 4: ["resourceNames", "string", "r"], 5: ["nonResourceURLs", "string", "r"] },
  "rbac.v1.Role": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["rules", "rbac.v1.PolicyRule", "r"] },
  "rbac.v1.RoleBinding": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["subjects", "rbac.v1.Subject", "r"], 3: ["roleRef", "rbac.v1.RoleRef"] },
  "rbac.v1.RoleBindingList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "rbac.v1.RoleBinding", "r"] },
  "rbac.v1.RoleList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "rbac.v1.Role", "r"] },
  "rbac.v1.RoleRef": { 1: ["apiGroup", "string"], 2: ["kind", "string"], 3: ["name", "string"] },
  "rbac.v1.Subject": { 1: ["kind", "string"], 2: ["apiGroup", "string"], 3: ["name", "string"], 4: ["namespace", "string"] },
};
