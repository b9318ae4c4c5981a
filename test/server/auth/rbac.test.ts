import { describe, expect, it } from "vitest";
import { aggregatedRules } from "../../../server/auth/aggregation.ts";
import { type Attributes, chainAuthorizers, privilegedGroupAuthorizer } from "../../../server/auth/authorizer.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "../../../server/auth/bootstrap-policy.ts";
import { forbiddenStatus } from "../../../server/auth/forbidden.ts";
import { labelSelectorFromObject } from "../../../server/api/selectors/labels.ts";

const matchesLabelSelector = (selector: Parameters<typeof labelSelectorFromObject>[0], labels: Record<string, string> | undefined): boolean => {
  try {
    return labelSelectorFromObject(selector).matches(labels);
  } catch {
    return false;
  }
};
import { rbacAuthorize, rbacAuthorizer } from "../../../server/auth/rbac.ts";
import type { ClusterRole, ClusterRoleBinding, RbacProvider, Role, RoleBinding } from "../../../server/auth/rbac-types.ts";
import type { UserInfo } from "../../../server/auth/user.ts";

function provider(objects: { roles?: Role[]; clusterRoles?: ClusterRole[]; roleBindings?: RoleBinding[]; clusterRoleBindings?: ClusterRoleBinding[] }): RbacProvider {
  return {
    getRole: (ns, name) => objects.roles?.find((r) => r.metadata.namespace === ns && r.metadata.name === name),
    getClusterRole: async (name) => objects.clusterRoles?.find((r) => r.metadata.name === name),
    listClusterRoles: () => objects.clusterRoles ?? [],
    listClusterRoleBindings: () => objects.clusterRoleBindings ?? [],
    listRoleBindings: async (ns) => (objects.roleBindings ?? []).filter((b) => b.metadata.namespace === ns),
  };
}

const user = (username: string, groups: string[] = []): UserInfo => ({ username, groups: [...groups, "system:authenticated"], extra: {} });
const alice = user("alice", ["devs"]);
const res = (u: UserInfo, verb: string, resource: string, more: Partial<Attributes> = {}): Attributes => {
  const [r, sub = ""] = resource.split("/");
  return { user: u, verb, isResourceRequest: true, path: "", apiGroup: "", namespace: "default", resource: r, subresource: sub, name: "", ...more };
};
const url = (u: UserInfo, verb: string, path: string): Attributes => ({ user: u, verb, isResourceRequest: false, path });
const binding = (name: string, role: { kind: string; name: string }, subjects: RoleBinding["subjects"], namespace?: string): RoleBinding => ({
  metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", ...role },
  subjects,
});

describe("RBAC rules", () => {
  const roles: Role[] = [{
    metadata: { name: "pod-reader", namespace: "default" },
    rules: [
      { verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"] },
      { verbs: ["get", "update"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["app-config"] },
      { verbs: ["*"], apiGroups: ["apps"], resources: ["*/scale"] },
    ],
  }];
  const clusterRoles: ClusterRole[] = [
    { metadata: { name: "everything-batch" }, rules: [{ verbs: ["*"], apiGroups: ["batch"], resources: ["*"] }] },
    { metadata: { name: "metrics" }, rules: [{ verbs: ["get"], nonResourceURLs: ["/metrics", "/logs/*"] }] },
    { metadata: { name: "secret-reader" }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["secrets"] }] },
  ];
  const p = provider({
    roles,
    clusterRoles,
    roleBindings: [
      binding("alice-pods", { kind: "Role", name: "pod-reader" }, [{ kind: "User", name: "alice" }], "default"),
      binding("sa-secrets", { kind: "ClusterRole", name: "secret-reader" }, [{ kind: "ServiceAccount", name: "builder" }], "default"),
      binding("dangling", { kind: "Role", name: "missing" }, [{ kind: "User", name: "alice" }], "default"),
    ],
    clusterRoleBindings: [
      binding("devs-batch", { kind: "ClusterRole", name: "everything-batch" }, [{ kind: "Group", name: "devs" }]),
      binding("metrics", { kind: "ClusterRole", name: "metrics" }, [{ kind: "Group", name: "system:authenticated" }]),
    ],
  });
  const allowed = async (a: Attributes) => (await rbacAuthorize(p, a)).allowed;

  it.each([
    ["get pods", res(alice, "get", "pods", { name: "x" }), true],
    ["list pods", res(alice, "list", "pods"), true],
    ["watch pods (verb not granted)", res(alice, "watch", "pods"), false],
    ["delete pods", res(alice, "delete", "pods", { name: "x" }), false],
    ["pods/log subresource", res(alice, "get", "pods/log", { name: "x" }), true],
    ["pods/exec not covered by pods", res(alice, "create", "pods/exec", { name: "x" }), false],
    ["pods in another namespace", res(alice, "get", "pods", { namespace: "kube-system", name: "x" }), false],
    ["pods in another API group", res(alice, "get", "pods", { apiGroup: "apps", name: "x" }), false],
    ["named configmap", res(alice, "get", "configmaps", { name: "app-config" }), true],
    ["other configmap", res(alice, "get", "configmaps", { name: "other" }), false],
    ["list configmaps with resourceNames", res(alice, "list", "configmaps"), false],
    ["*/scale matches deployments/scale", res(alice, "patch", "deployments/scale", { apiGroup: "apps", name: "d" }), true],
    ["*/scale does not match deployments", res(alice, "get", "deployments", { apiGroup: "apps", name: "d" }), false],
    ["group wildcard resources in batch, any namespace", res(alice, "delete", "jobs", { apiGroup: "batch", namespace: "other" }), true],
    ["cluster scope via ClusterRoleBinding", res(alice, "list", "cronjobs/status", { apiGroup: "batch", namespace: "" }), true],
    ["RoleBinding gives nothing at cluster scope", res(alice, "list", "pods", { namespace: "" }), false],
    ["non-resource exact", url(alice, "get", "/metrics"), true],
    ["non-resource prefix", url(alice, "get", "/logs/kubelet.log"), true],
    ["non-resource other", url(alice, "get", "/metricsx"), false],
    ["non-resource verb", url(alice, "post", "/metrics"), false],
    ["ServiceAccount subject defaults to binding namespace", res(user("system:serviceaccount:default:builder"), "get", "secrets", { name: "s" }), true],
    ["other ServiceAccount", res(user("system:serviceaccount:other:builder"), "get", "secrets", { namespace: "other", name: "s" }), false],
    ["unbound user", res(user("bob"), "get", "pods", { name: "x" }), false],
  ])("%s", async (_label, attributes, expected) => {
    expect(await allowed(attributes)).toBe(expected);
  });

  it("explains denials in upstream's words, with dangling references", async () => {
    const denied = await rbacAuthorize(p, res(alice, "watch", "pods"));
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toBe(
      'User "alice" cannot watch resource "pods" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "missing" not found',
    );
    const clusterScope = await rbacAuthorize(provider({}), res(user("bob"), "list", "nodes", { namespace: "" }));
    expect(clusterScope.reason).toBe('User "bob" cannot list resource "nodes" in API group "" at the cluster scope');
    const path = await rbacAuthorize(provider({}), url(user("bob"), "get", "/secret"));
    expect(path.reason).toBe('User "bob" cannot get path "/secret"');

    const ok = await rbacAuthorize(p, res(alice, "get", "pods", { name: "x" }));
    expect(ok.reason).toBe('RBAC: allowed by RoleBinding "alice-pods/default" of Role "pod-reader" to User "alice"');

    const attributes = res(user("bob"), "get", "deployments", { apiGroup: "apps", name: "web" });
    expect(forbiddenStatus(attributes)).toEqual({
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Forbidden", code: 403,
      message: 'deployments.apps "web" is forbidden: User "bob" cannot get resource "deployments" in API group "apps" in the namespace "default"',
      details: { name: "web", group: "apps", kind: "deployments" },
    });
  });
});

describe("aggregation", () => {
  it("matches label selectors", () => {
    expect(matchesLabelSelector({ matchLabels: { a: "1" } }, { a: "1", b: "2" })).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { a: "1" } }, { a: "2" })).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "a", operator: "In", values: ["1", "2"] }] }, { a: "2" })).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, {})).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "a", operator: "Exists" }] }, {})).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, {})).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "a", operator: "Bogus" }] }, { a: "1" })).toBe(false);
    expect(matchesLabelSelector({}, undefined)).toBe(true);
  });

  it("computes admin ⊇ edit ⊇ view from the bootstrap roles plus a labelled CRD role, transitively", () => {
    const crdView: ClusterRole = {
      metadata: { name: "widgets-view", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } },
      rules: [{ verbs: ["get"], apiGroups: ["example.com"], resources: ["widgets"] }],
    };
    const all = [...bootstrapClusterRoles(), crdView];
    const byName = (n: string) => all.find((r) => r.metadata.name === n)!;
    const has = (rules: ReturnType<typeof aggregatedRules>, resource: string, verb: string) =>
      rules.some((r) => r.resources?.includes(resource) && r.verbs.includes(verb));
    const view = aggregatedRules(byName("view"), all);
    const edit = aggregatedRules(byName("edit"), all);
    const admin = aggregatedRules(byName("admin"), all);
    expect(has(view, "widgets", "get") && has(edit, "widgets", "get") && has(admin, "widgets", "get")).toBe(true);
    expect(has(view, "secrets", "get")).toBe(false);
    expect(has(edit, "secrets", "get")).toBe(true);
    expect(has(edit, "rolebindings", "create")).toBe(false);
    expect(has(admin, "rolebindings", "create")).toBe(true);
    expect(new Set(admin.map((r) => JSON.stringify(r))).size).toBe(admin.length); // no duplicates
  });

  it("survives aggregation cycles", () => {
    const a: ClusterRole = { metadata: { name: "a", labels: { x: "1" } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: "1" } }] } };
    const b: ClusterRole = { metadata: { name: "b", labels: { x: "1" } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: "1" } }] } };
    const c: ClusterRole = { metadata: { name: "c", labels: { x: "1" } }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] };
    expect(aggregatedRules(a, [a, b, c])).toEqual(c.rules);
  });
});

describe("bootstrap policy through the authorizer chain", () => {
  const p = provider({ clusterRoles: bootstrapClusterRoles(), clusterRoleBindings: [
    ...bootstrapClusterRoleBindings(),
    binding("carol-view", { kind: "ClusterRole", name: "view" }, [{ kind: "User", name: "carol" }]),
  ] });
  const authorize = chainAuthorizers(privilegedGroupAuthorizer(), rbacAuthorizer(p));
  const decision = async (a: Attributes) => (await authorize(a)).decision;
  const anonymous: UserInfo = { username: "system:anonymous", groups: ["system:unauthenticated"], extra: {} };

  it("gives the expected powers", async () => {
    const admin = user("system:admin", ["system:masters"]);
    expect(await decision(res(admin, "delete", "nodes", { namespace: "", name: "n" }))).toBe("allow");
    expect((await rbacAuthorize(p, res(admin, "delete", "nodes", { namespace: "", name: "n" }))).allowed).toBe(true); // cluster-admin binding too
    expect(await decision(url(user("bob"), "get", "/apis/apps/v1"))).toBe("allow");
    expect(await decision(url(anonymous, "get", "/apis"))).toBe("noOpinion");
    expect(await decision(url(anonymous, "get", "/version"))).toBe("allow");
    expect(await decision(url(anonymous, "get", "/healthz"))).toBe("allow");
    expect(await decision(res(user("bob"), "create", "selfsubjectaccessreviews", { apiGroup: "authorization.k8s.io", namespace: "" }))).toBe("allow");
    expect(await decision(res(user("carol"), "list", "deployments", { apiGroup: "apps" }))).toBe("allow");
    expect(await decision(res(user("carol"), "get", "pods/log", { name: "p" }))).toBe("allow");
    expect(await decision(res(user("carol"), "get", "secrets", { name: "s" }))).toBe("noOpinion");
    expect(await decision(res(user("carol"), "delete", "pods", { name: "p" }))).toBe("noOpinion");
    expect(await decision(res(user("system:serviceaccount:kube-system:deployment-controller"), "create", "replicasets", { apiGroup: "apps" }))).toBe("allow");
    expect(await decision(res(user("system:kube-scheduler"), "create", "pods/binding", { name: "p" }))).toBe("allow");
    expect(await decision(res(user("system:kube-scheduler"), "update", "leases", { apiGroup: "coordination.k8s.io", namespace: "kube-system", name: "other" }))).toBe("noOpinion");
  });

  it("defines each role and binding once, and binds only to defined roles", () => {
    const roles = bootstrapClusterRoles().map((r) => r.metadata.name);
    const bindings = bootstrapClusterRoleBindings();
    expect(new Set(roles).size).toBe(roles.length);
    for (const b of bindings) expect(roles, b.metadata.name).toContain(b.roleRef.name);
    for (const name of ["cluster-admin", "admin", "edit", "view", "system:basic-user", "system:discovery", "system:public-info-viewer", "system:node", "system:kube-scheduler", "system:kube-controller-manager"]) {
      expect(roles).toContain(name);
    }
    expect(bindings.find((b) => b.metadata.name === "cluster-admin")?.subjects).toEqual([{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:masters" }]);
  });
});
