/**
 * The RBAC authorizer, after upstream plugin/pkg/auth/authorizer/rbac: a request is allowed when
 * a ClusterRoleBinding, or a RoleBinding in the request's namespace, binds a role with a rule
 * that covers it to the user, one of its groups, or its ServiceAccount. RBAC only ever allows;
 * anything else is "no opinion", which the chain turns into a denial.
 */
import { aggregatedRules } from "./aggregation.ts";
import type { Attributes, Authorizer } from "./authorizer.ts";
import { forbiddenMessage } from "./forbidden.ts";
import type { ClusterRole, PolicyRule, RbacProvider, RoleBinding, RoleRef, Subject } from "./rbac-types.ts";
import { serviceAccountUsername } from "./user.ts";

export interface RbacDecision {
  allowed: boolean;
  /** Allowed: which binding allowed it. Denied: upstream's message, e.g. `User "x" cannot list resource "pods" in API group "" in the namespace "default"`. */
  reason: string;
  /** Dangling references met on the way (`clusterrole.rbac.authorization.k8s.io "x" not found`), as upstream reports them. */
  errors: string[];
}

export interface RbacOptions {
  /**
   * Evaluate aggregated ClusterRoles with their computed union of rules (see aggregation.ts)
   * rather than only their stored rules. On until the aggregation controller keeps them stored.
   */
  resolveAggregation?: boolean;
}

export async function rbacAuthorize(provider: RbacProvider, attributes: Attributes, options: RbacOptions = {}): Promise<RbacDecision> {
  const errors: string[] = [];
  let allClusterRoles: ClusterRole[] | undefined;

  const clusterRoleRules = async (name: string): Promise<PolicyRule[] | undefined> => {
    const role = await provider.getClusterRole(name);
    if (!role) return undefined;
    if (!role.aggregationRule || options.resolveAggregation === false) return role.rules ?? [];
    allClusterRoles ??= await provider.listClusterRoles();
    return [...(role.rules ?? []), ...aggregatedRules(role, allClusterRoles)];
  };

  const roleRules = async (ref: RoleRef, bindingNamespace: string): Promise<PolicyRule[] | undefined> => {
    if (ref.kind === "ClusterRole") {
      const rules = await clusterRoleRules(ref.name);
      if (!rules) errors.push(`clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`);
      return rules;
    }
    if (ref.kind === "Role" && bindingNamespace !== "") {
      const role = await provider.getRole(bindingNamespace, ref.name);
      if (!role) errors.push(`role.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`);
      return role ? role.rules ?? [] : undefined;
    }
    errors.push(`unsupported role reference kind: ${JSON.stringify(ref.kind)}`);
    return undefined;
  };

  const check = async (binding: RoleBinding, namespace: string, describe: string): Promise<string | undefined> => {
    const subject = (binding.subjects ?? []).find((s) => appliesTo(s, attributes, namespace));
    if (!subject) return undefined;
    const rules = await roleRules(binding.roleRef, namespace);
    if (!rules?.some((rule) => ruleAllows(attributes, rule))) return undefined;
    return `RBAC: allowed by ${describe} of ${binding.roleRef.kind} ${JSON.stringify(binding.roleRef.name)} to ${describeSubject(subject)}`;
  };

  for (const binding of await provider.listClusterRoleBindings()) {
    const reason = await check(binding, "", `ClusterRoleBinding ${JSON.stringify(binding.metadata.name)}`);
    if (reason) return { allowed: true, reason, errors };
  }
  const namespace = attributes.namespace ?? "";
  if (namespace !== "") {
    for (const binding of await provider.listRoleBindings(namespace)) {
      const reason = await check(binding, namespace, `RoleBinding ${JSON.stringify(`${binding.metadata.name}/${namespace}`)}`);
      if (reason) return { allowed: true, reason, errors };
    }
  }
  const detail = errors.length === 0 ? "" : `: RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`}`;
  return { allowed: false, reason: forbiddenMessage(attributes) + detail, errors };
}

/** RBAC as a link in the authorizer chain; its denial reason is upstream's ("RBAC: ..." or empty). */
export function rbacAuthorizer(provider: RbacProvider, options: RbacOptions = {}): Authorizer {
  return async (attributes) => {
    const result = await rbacAuthorize(provider, attributes, options);
    if (result.allowed) return { decision: "allow", reason: result.reason };
    const errors = result.errors;
    return { decision: "noOpinion", reason: errors.length === 0 ? "" : `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`}` };
  };
}

/** Whether a binding subject names this user, one of its groups, or its ServiceAccount. */
export function appliesTo(subject: Subject, attributes: Attributes, bindingNamespace: string): boolean {
  const { user } = attributes;
  switch (subject.kind) {
    case "User":
      return user.username === subject.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount": {
      // A RoleBinding may leave the ServiceAccount's namespace implied: its own.
      const namespace = subject.namespace || bindingNamespace;
      return namespace !== "" && user.username === serviceAccountUsername(namespace, subject.name);
    }
    default:
      return false;
  }
}

export function ruleAllows(attributes: Attributes, rule: PolicyRule): boolean {
  if (!rule.verbs.some((verb) => verb === "*" || verb === attributes.verb)) return false;
  if (!attributes.isResourceRequest) return nonResourceUrlMatches(rule.nonResourceURLs ?? [], attributes.path);
  const group = attributes.apiGroup ?? "";
  if (!(rule.apiGroups ?? []).some((g) => g === "*" || g === group)) return false;
  const resource = attributes.resource ?? "";
  const subresource = attributes.subresource ?? "";
  const combined = subresource ? `${resource}/${subresource}` : resource;
  // "*" covers everything, "pods/log" that subresource only, "*/scale" a subresource of any resource;
  // "pods" does not cover "pods/log", and there is no "pods/*".
  const resourceMatches = (rule.resources ?? []).some((r) =>
    r === "*" || r === combined || (subresource !== "" && r === `*/${subresource}`)
  );
  if (!resourceMatches) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(attributes.name ?? "");
}

/** "*" matches every path, "/apis/*" every path under /apis/, anything else only itself. */
function nonResourceUrlMatches(urls: string[], path: string): boolean {
  return urls.some((url) => url === "*" || url === path || (url.endsWith("*") && path.startsWith(url.slice(0, -1))));
}

function describeSubject(subject: Subject): string {
  const name = subject.namespace ? `${subject.namespace}/${subject.name}` : subject.name;
  return `${subject.kind} ${JSON.stringify(name)}`;
}
