/**
 * rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding. Roles
 * print upstream's default table (NAME, CREATED AT); bindings print ROLE as Kind/name and the
 * subjects with `-o wide`. RBAC objects have no spec and no generation.
 */
import type { KubeObject } from "../../storage/object.ts";
import type { ResourceDefinition } from "../types.ts";
import type { ColumnSpec } from "./define.ts";
import { defineKind, table } from "./define.ts";
import { AGE_COLUMN } from "./age-column.ts";
import { pathSegmentName } from "../validation/names.ts";
import {
  defaultBinding,
  roleRefUnchanged,
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
} from "./rbac-validation.ts";

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

/** rbac.SubjectsStrings: users, groups and "namespace/name" service accounts. */
function subjectsOf(o: KubeObject, kind: string): string {
  const subjects = (Array.isArray(o.subjects) ? o.subjects : []) as Subject[];
  return subjects
    .filter((s) => s.kind === kind)
    .map((s) => (kind === "ServiceAccount" ? `${s.namespace ?? ""}/${s.name ?? ""}` : (s.name ?? "")))
    .join(", ");
}

const ROLE_COLUMN: ColumnSpec =
    { name: "Role", description: "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.", cell: (o) => `${(o.roleRef as { kind?: string } | undefined)?.kind ?? ""}/${(o.roleRef as { name?: string } | undefined)?.name ?? ""}` };

function bindingWideColumns(what: string): ColumnSpec[] {
  return [
    { name: "Users", priority: 1, description: `Users in the ${what}`, cell: (o) => subjectsOf(o, "User") },
    { name: "Groups", priority: 1, description: `Groups in the ${what}`, cell: (o) => subjectsOf(o, "Group") },
    { name: "ServiceAccounts", priority: 1, description: `ServiceAccounts in the ${what}`, cell: (o) => subjectsOf(o, "ServiceAccount") },
  ];
}

const common = { group: "rbac.authorization.k8s.io", version: "v1", nameCheck: pathSegmentName } as const;

export const roles: ResourceDefinition = defineKind({
  ...common,
  kind: "Role",
  resource: "roles",
  namespaced: true,
  modelName: "V1Role",
  strategy: { generation: "none", validate: validateRole },
});

export const clusterroles: ResourceDefinition = defineKind({
  ...common,
  kind: "ClusterRole",
  resource: "clusterroles",
  namespaced: false,
  modelName: "V1ClusterRole",
  strategy: { generation: "none", validate: validateClusterRole },
});

export const rolebindings: ResourceDefinition = defineKind({
  ...common,
  kind: "RoleBinding",
  resource: "rolebindings",
  namespaced: true,
  modelName: "V1RoleBinding",
  strategy: {
    generation: "none",
    defaults: defaultBinding,
    validate: validateRoleBinding,
    validateUpdate: (o, old) => [...validateRoleBinding(o), ...roleRefUnchanged(o, old)],
  },
});
rolebindings.table = table([ROLE_COLUMN, AGE_COLUMN, ...bindingWideColumns("roleBinding")], false);

export const clusterrolebindings: ResourceDefinition = defineKind({
  ...common,
  kind: "ClusterRoleBinding",
  resource: "clusterrolebindings",
  namespaced: false,
  modelName: "V1ClusterRoleBinding",
  strategy: {
    generation: "none",
    defaults: defaultBinding,
    validate: validateClusterRoleBinding,
    validateUpdate: (o, old) => [...validateClusterRoleBinding(o), ...roleRefUnchanged(o, old)],
  },
});
clusterrolebindings.table = table([ROLE_COLUMN, AGE_COLUMN, ...bindingWideColumns("clusterRoleBinding")], false);

export const rbacResources: ResourceDefinition[] = [clusterrolebindings, clusterroles, rolebindings, roles];
