/**
 * The rbac.authorization.k8s.io/v1 objects as plain JSON shapes: the authorizer reads what the
 * watch cache holds, without conversion to client classes.
 */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[] | null;
  resources?: string[] | null;
  resourceNames?: string[] | null;
  nonResourceURLs?: string[] | null;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | string;
  values?: string[] | null;
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

export interface RbacObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
}

export interface Role {
  apiVersion?: string;
  kind?: string;
  metadata: RbacObjectMeta;
  rules?: PolicyRule[] | null;
}

export interface ClusterRole extends Role {
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] | null } | null;
}

export interface Subject {
  kind: "User" | "Group" | "ServiceAccount" | string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: "Role" | "ClusterRole" | string;
  name: string;
}

export interface RoleBinding {
  apiVersion?: string;
  kind?: string;
  metadata: RbacObjectMeta;
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}

export type ClusterRoleBinding = RoleBinding;

type MaybePromise<T> = T | Promise<T>;

/** What the RBAC authorizer reads; the server backs it with its watch cache. */
export interface RbacProvider {
  getRole(namespace: string, name: string): MaybePromise<Role | undefined>;
  getClusterRole(name: string): MaybePromise<ClusterRole | undefined>;
  listClusterRoles(): MaybePromise<ClusterRole[]>;
  listClusterRoleBindings(): MaybePromise<ClusterRoleBinding[]>;
  listRoleBindings(namespace: string): MaybePromise<RoleBinding[]>;
}
