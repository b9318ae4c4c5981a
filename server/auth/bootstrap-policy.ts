/**
 * The default ClusterRoles and ClusterRoleBindings a cluster starts with, after upstream's
 * bootstrappolicy (policy.go, controller_policy.go), trimmed to what k3ts serves. Written as
 * data: one line per rule, `verbs | groups | resources`, which reads like the RBAC docs' tables.
 * The server creates them at start when missing, and reconciles those annotated autoupdate.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from "./rbac-types.ts";
import { SYSTEM_AUTHENTICATED, SYSTEM_MASTERS, SYSTEM_UNAUTHENTICATED } from "./user.ts";

const READ = "get,list,watch";
const WRITE = "create,update,patch,delete,deletecollection";
const RW = `${READ},${WRITE}`;
const AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-";

/** A rule from `verbs | groups | resources[ | resourceNames]`, comma-separated; group "core" is "". */
function r(spec: string): PolicyRule {
  const [verbs = "", groups = "", resources = "", names] = spec.split("|").map((s) => s.trim());
  const list = (s: string) => s.split(",").map((x) => x.trim()).filter((x) => x !== "");
  const rule: PolicyRule = {
    verbs: list(verbs),
    apiGroups: list(groups).map((g) => (g === "core" ? "" : g)),
    resources: list(resources),
  };
  if (names) rule.resourceNames = list(names);
  return rule;
}

/** A non-resource rule: `verbs | url,url`. */
function u(spec: string): PolicyRule {
  const [verbs = "", urls = ""] = spec.split("|").map((s) => s.trim());
  return { verbs: verbs.split(","), nonResourceURLs: urls.split(",") };
}

const EVENTS = [r(`create,update,patch | core,events.k8s.io | events`)];

type RoleSpec = { rules?: PolicyRule[]; labels?: Record<string, string>; aggregateFrom?: string };

const ROLES: Record<string, RoleSpec> = {
  "cluster-admin": { rules: [r("* | * | *"), u("* | *")] },
  "system:discovery": { rules: [u("get | /api,/api/*,/apis,/apis/*,/healthz,/livez,/readyz,/version,/version/,/openapi,/openapi/*")] },
  "system:public-info-viewer": { rules: [u("get | /healthz,/livez,/readyz,/version,/version/")] },
  "system:monitoring": { rules: [u("get | /metrics,/metrics/slis,/livez,/readyz,/healthz,/livez/*,/readyz/*,/healthz/*")] },
  "system:basic-user": {
    rules: [r("create | authorization.k8s.io | selfsubjectaccessreviews,selfsubjectrulesreviews"), r("create | authentication.k8s.io | selfsubjectreviews")],
  },
  "system:service-account-issuer-discovery": {
    rules: [u("get | /.well-known/openid-configuration,/.well-known/openid-configuration/,/openid/v1/jwks,/openid/v1/jwks/")],
  },
  // admin ⊇ edit ⊇ view through aggregation, so that CRDs can join them with a label.
  admin: { aggregateFrom: "admin" },
  edit: { aggregateFrom: "edit", labels: { [`${AGGREGATE}admin`]: "true" } },
  view: { aggregateFrom: "view", labels: { [`${AGGREGATE}edit`]: "true" } },
  "system:aggregate-to-admin": {
    labels: { [`${AGGREGATE}admin`]: "true" },
    rules: [r("create | authorization.k8s.io | localsubjectaccessreviews"), r(`${RW} | rbac.authorization.k8s.io | roles,rolebindings`)],
  },
  "system:aggregate-to-edit": {
    labels: { [`${AGGREGATE}edit`]: "true" },
    rules: [
      r(`${READ} | core | pods/attach,pods/proxy,pods/exec,pods/portforward,secrets,services/proxy`),
      r("impersonate | core | serviceaccounts"),
      r(`${WRITE} | core | pods,pods/attach,pods/proxy,pods/exec,pods/portforward`),
      r("create | core | pods/eviction,serviceaccounts/token"),
      r(`${WRITE} | core | replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,services/proxy,persistentvolumeclaims,configmaps,secrets,events`),
      r(`${WRITE} | apps | statefulsets,statefulsets/scale,daemonsets,deployments,deployments/scale,deployments/rollback,replicasets,replicasets/scale`),
      r(`${WRITE} | autoscaling | horizontalpodautoscalers`),
      r(`${WRITE} | batch | jobs,cronjobs`),
      r(`${WRITE} | policy | poddisruptionbudgets`),
      r(`${WRITE} | networking.k8s.io | networkpolicies,ingresses`),
    ],
  },
  "system:aggregate-to-view": {
    labels: { [`${AGGREGATE}view`]: "true" },
    rules: [
      r(`${READ} | core | pods,replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,services/status,endpoints,persistentvolumeclaims,persistentvolumeclaims/status,configmaps`),
      r(`${READ} | core | limitranges,resourcequotas,bindings,events,pods/status,resourcequotas/status,namespaces/status,replicationcontrollers/status,pods/log`),
      r(`${READ} | core | namespaces`),
      r(`${READ} | discovery.k8s.io | endpointslices`),
      r(`${READ} | apps | controllerrevisions,statefulsets,statefulsets/status,statefulsets/scale,daemonsets,daemonsets/status,deployments,deployments/status,deployments/scale,replicasets,replicasets/status,replicasets/scale`),
      r(`${READ} | autoscaling | horizontalpodautoscalers,horizontalpodautoscalers/status`),
      r(`${READ} | batch | jobs,jobs/status,cronjobs,cronjobs/status`),
      r(`${READ} | policy | poddisruptionbudgets,poddisruptionbudgets/status`),
      r(`${READ} | networking.k8s.io | networkpolicies,ingresses,ingresses/status`),
    ],
  },
  // What any kubelet may do at all; node-authorizer.ts narrows it to the node's own objects.
  "system:node": {
    rules: [
      r("create | authentication.k8s.io | tokenreviews"),
      r("create | authorization.k8s.io | subjectaccessreviews,localsubjectaccessreviews"),
      r(`${READ} | core | services,endpoints,nodes,pods`),
      r(`${READ} | discovery.k8s.io | endpointslices`),
      r("create,update,patch,delete | core | nodes"),
      r("update,patch | core | nodes/status,pods/status"),
      r("create,delete | core | pods"),
      r("create | core | pods/eviction,serviceaccounts/token"),
      ...EVENTS,
      r("get,list,watch | core | secrets,configmaps"),
      r("get | core | persistentvolumeclaims,persistentvolumes,serviceaccounts"),
      r("update,patch | core | persistentvolumeclaims/status"),
      r("get,create,update,patch,delete | coordination.k8s.io | leases"),
      r(`${READ} | node.k8s.io | runtimeclasses`),
      r(`${READ} | storage.k8s.io | csidrivers,csinodes,volumeattachments,storageclasses`),
      r("create,get,list,watch | certificates.k8s.io | certificatesigningrequests"),
    ],
  },
  "system:node-proxier": {
    rules: [r("list,watch | core | services,endpoints"), r("get,list,watch | core | nodes"), r("list,watch | discovery.k8s.io | endpointslices"), ...EVENTS],
  },
  "system:auth-delegator": {
    rules: [r("create | authentication.k8s.io | tokenreviews"), r("create | authorization.k8s.io | subjectaccessreviews")],
  },
  "system:kube-scheduler": {
    rules: [
      ...EVENTS,
      r("create | coordination.k8s.io | leases"),
      r("get,update | coordination.k8s.io | leases | kube-scheduler"),
      r(`${READ} | core | nodes,namespaces,services,replicationcontrollers,persistentvolumeclaims,persistentvolumes`),
      r(`${READ},delete | core | pods`),
      r("create | core | bindings,pods/binding"),
      r("patch,update | core | pods/status"),
      r(`${READ} | apps | replicasets,statefulsets`),
      r(`${READ} | policy | poddisruptionbudgets`),
      r(`${READ} | storage.k8s.io | storageclasses,csinodes,csidrivers,csistoragecapacities`),
      r("create | authentication.k8s.io | tokenreviews"),
      r("create | authorization.k8s.io | subjectaccessreviews"),
    ],
  },
  "system:kube-controller-manager": {
    rules: [
      ...EVENTS,
      r("create | coordination.k8s.io | leases"),
      r("get,update | coordination.k8s.io | leases | kube-controller-manager"),
      r("create | core | secrets,serviceaccounts"),
      r("delete | core | secrets"),
      r("get | core | namespaces,secrets,serviceaccounts"),
      r("update | core | secrets,serviceaccounts"),
      r("create | core | serviceaccounts/token"),
      r("create | authentication.k8s.io | tokenreviews"),
      r("create | authorization.k8s.io | subjectaccessreviews"),
      r("list,watch | * | *"), // shared informers over everything
    ],
  },
  // Per-controller roles, bound to kube-system ServiceAccounts as upstream does.
  "system:controller:deployment-controller": {
    rules: [
      r("get,list,watch,update | apps | deployments"),
      r("update | apps | deployments/status"),
      r("update | apps | deployments/finalizers"),
      r(`${READ},create,update,patch,delete | apps | replicasets`),
      r("get,list,watch,update | core | pods"),
      ...EVENTS,
    ],
  },
  "system:controller:replicaset-controller": {
    rules: [
      r("get,list,watch,update | apps | replicasets"),
      r("update | apps | replicasets/status,replicasets/finalizers"),
      r("list,watch,patch,create,delete | core | pods"),
      ...EVENTS,
    ],
  },
  "system:controller:daemon-set-controller": {
    rules: [
      r(`${READ} | apps | daemonsets`),
      r("update | apps | daemonsets/status,daemonsets/finalizers"),
      r(`${READ} | core | nodes`),
      r("list,watch,create,delete,patch | core | pods"),
      r("create | core | pods/binding"),
      r(`${READ},create,update,patch,delete | apps | controllerrevisions`),
      ...EVENTS,
    ],
  },
  "system:controller:statefulset-controller": {
    rules: [
      r(`${READ} | core | pods`),
      r(`${READ} | apps | statefulsets`),
      r("update | apps | statefulsets/status,statefulsets/finalizers"),
      r("get,create,delete,update,patch | core | pods"),
      r(`${READ},create,update,patch,delete | apps | controllerrevisions`),
      r("get,create | core | persistentvolumeclaims"),
      ...EVENTS,
    ],
  },
  "system:controller:job-controller": {
    rules: [
      r(`${READ},update,patch | batch | jobs`),
      r("update,patch | batch | jobs/status,jobs/finalizers"),
      r("list,watch,create,delete,patch | core | pods"),
      ...EVENTS,
    ],
  },
  "system:controller:cronjob-controller": {
    rules: [
      r(`${READ},update | batch | cronjobs`),
      r(`${READ},create,update,delete,patch | batch | jobs`),
      r("update | batch | cronjobs/status,cronjobs/finalizers"),
      r("list,delete | core | pods"),
      ...EVENTS,
    ],
  },
  "system:controller:namespace-controller": {
    rules: [
      r("get,list,watch,delete | core | namespaces"),
      r("update | core | namespaces/finalize,namespaces/status"),
      r("get,list,delete,deletecollection | * | *"),
    ],
  },
  "system:controller:garbage-collector": { rules: [r("get,list,watch,patch,update,delete | * | *")] },
  "system:controller:service-account-controller": { rules: [r("create | core | serviceaccounts"), ...EVENTS] },
  "system:controller:endpointslice-controller": {
    rules: [
      r("get,list,watch | core | services,pods,nodes"),
      r("update | core | services/finalizers"),
      r("get,list,create,update,delete | discovery.k8s.io | endpointslices"),
      ...EVENTS,
    ],
  },
  "system:controller:node-controller": {
    rules: [
      r("get,list,update,delete,patch | core | nodes"),
      r("patch,update | core | nodes/status"),
      r("update | core | pods/status"),
      r("list,delete | core | pods"),
      ...EVENTS,
    ],
  },
};

type BindingSpec = { role: string; subjects: Subject[] };
const group = (name: string): Subject => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name });
const user = (name: string): Subject => ({ kind: "User", apiGroup: "rbac.authorization.k8s.io", name });
const serviceAccount = (name: string): Subject => ({ kind: "ServiceAccount", name, namespace: "kube-system" });

const BINDINGS: Record<string, BindingSpec> = {
  "cluster-admin": { role: "cluster-admin", subjects: [group(SYSTEM_MASTERS)] },
  "system:discovery": { role: "system:discovery", subjects: [group(SYSTEM_AUTHENTICATED)] },
  "system:basic-user": { role: "system:basic-user", subjects: [group(SYSTEM_AUTHENTICATED)] },
  "system:public-info-viewer": { role: "system:public-info-viewer", subjects: [group(SYSTEM_AUTHENTICATED), group(SYSTEM_UNAUTHENTICATED)] },
  "system:monitoring": { role: "system:monitoring", subjects: [group("system:monitoring")] },
  "system:service-account-issuer-discovery": { role: "system:service-account-issuer-discovery", subjects: [group("system:serviceaccounts")] },
  // Bound to no one, as upstream: nodes get their powers from the node authorizer.
  "system:node": { role: "system:node", subjects: [] },
  "system:node-proxier": { role: "system:node-proxier", subjects: [user("system:kube-proxy")] },
  "system:kube-scheduler": { role: "system:kube-scheduler", subjects: [user("system:kube-scheduler")] },
  "system:kube-controller-manager": { role: "system:kube-controller-manager", subjects: [user("system:kube-controller-manager")] },
  ...Object.fromEntries(
    Object.keys(ROLES)
      .filter((name) => name.startsWith("system:controller:"))
      .map((name) => [name, { role: name, subjects: [serviceAccount(name.slice("system:controller:".length))] }]),
  ),
};

const METADATA = {
  labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
  annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
};

export function bootstrapClusterRoles(): ClusterRole[] {
  return Object.entries(ROLES).map(([name, spec]) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name, labels: { ...METADATA.labels, ...spec.labels }, annotations: { ...METADATA.annotations } },
    ...(spec.aggregateFrom
      ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${AGGREGATE}${spec.aggregateFrom}`]: "true" } }] }, rules: [] }
      : { rules: structuredClone(spec.rules ?? []) }),
  }));
}

export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  return Object.entries(BINDINGS).map(([name, spec]) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { ...METADATA.labels }, annotations: { ...METADATA.annotations } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: spec.role },
    subjects: structuredClone(spec.subjects),
  }));
}
