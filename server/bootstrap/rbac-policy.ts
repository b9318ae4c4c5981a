/**
 * The default RBAC policy, put in place at every start as kube-apiserver's RBAC post-start hook
 * does: missing ClusterRoles and ClusterRoleBindings are created; existing ones annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` are reconciled to the defaults (rules,
 * aggregation, subjects), so an upgrade brings new permissions; ones an admin marked "false" are
 * left alone.
 */
import type { Client, KubeObject } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "../auth/bootstrap-policy.ts";
import { deepEqual } from "../registry/rest/deep-equal.ts";

const AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate";

async function ensure(client: Client, resource: string, wanted: KubeObject[], fields: string[], log: Logger): Promise<number> {
  const api = client.resource({ apiVersion: "rbac.authorization.k8s.io/v1", resource });
  let changed = 0;
  for (const object of wanted) {
    const current = await api.get(object.metadata.name!);
    if (!current) {
      await api.create(object);
      changed++;
      continue;
    }
    if (current.metadata.annotations?.[AUTOUPDATE] === "false") continue;
    if (fields.every((f) => deepEqual(current[f], object[f]))) continue;
    if (object.roleRef !== undefined && !deepEqual(current.roleRef, object.roleRef)) {
      // roleRef is immutable: a binding to another role is replaced, as upstream reconciles it.
      await api.delete(object.metadata.name!, undefined, { preconditions: { uid: current.metadata.uid } });
      await api.create(object);
      changed++;
      continue;
    }
    const next: KubeObject = { ...current };
    for (const f of fields) next[f] = object[f];
    await api.update(next);
    log.info("reconciled default RBAC object", { resource, name: object.metadata.name });
    changed++;
  }
  return changed;
}

export async function ensureBootstrapPolicy(client: Client, log: Logger): Promise<void> {
  const roles = await ensure(client, "clusterroles", bootstrapClusterRoles() as unknown as KubeObject[], ["rules", "aggregationRule"], log);
  const bindings = await ensure(client, "clusterrolebindings", bootstrapClusterRoleBindings() as unknown as KubeObject[], ["roleRef", "subjects"], log);
  if (roles || bindings) log.info("default RBAC policy in place", { clusterRolesWritten: roles, clusterRoleBindingsWritten: bindings });
}
