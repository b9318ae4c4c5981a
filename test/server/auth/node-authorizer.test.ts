import { describe, expect, it } from "vitest";
import type { Attributes } from "../../../server/auth/authorizer.ts";
import { nodeAuthorizer, type PodLike, podReferences } from "../../../server/auth/node-authorizer.ts";
import type { UserInfo } from "../../../server/auth/user.ts";

const nodeA: UserInfo = { username: "system:node:node-a", groups: ["system:nodes", "system:authenticated"], extra: {} };
const pods: PodLike[] = [
  {
    metadata: { name: "web", namespace: "default" },
    spec: {
      nodeName: "node-a",
      serviceAccountName: "web-sa",
      imagePullSecrets: [{ name: "registry" }],
      containers: [{ env: [{ valueFrom: { secretKeyRef: { name: "db-password" } } }], envFrom: [{ configMapRef: { name: "web-env" } }] }],
      volumes: [
        { name: "data", persistentVolumeClaim: { claimName: "web-data" } },
        { name: "cfg", configMap: { name: "web-config" } },
        { name: "tls", projected: { sources: [{ secret: { name: "web-tls" } }] } },
        { name: "csi", csi: { driver: "x", nodePublishSecretRef: { name: "csi-creds" } } },
      ],
    },
  },
];
const graph = {
  podsOnNode: async (node: string) => (node === "node-a" ? pods : []),
  getPersistentVolumeClaim: (ns: string, name: string) => (ns === "default" && name === "web-data" ? { spec: { volumeName: "pv-1" } } : undefined),
};
const authorize = nodeAuthorizer(graph);
const res = (user: UserInfo, verb: string, resource: string, more: Partial<Attributes> = {}): Attributes => {
  const [r, sub = ""] = resource.split("/");
  return { user, verb, isResourceRequest: true, path: "", apiGroup: "", namespace: "default", resource: r, subresource: sub, name: "", ...more };
};
const decision = async (a: Attributes) => (await authorize(a)).decision;

describe("node authorizer", () => {
  it("collects what a pod references", () => {
    expect([...podReferences(pods[0]!)].sort()).toEqual([
      "configmaps/web-config", "configmaps/web-env", "persistentvolumeclaims/web-data",
      "secrets/csi-creds", "secrets/db-password", "secrets/registry", "secrets/web-tls", "serviceaccounts/web-sa",
    ]);
    expect(podReferences({ metadata: { name: "p", namespace: "n" } })).toEqual(new Set(["serviceaccounts/default"]));
  });

  it.each([
    ["secret of its pod", res(nodeA, "get", "secrets", { name: "db-password" }), "allow"],
    ["watch one secret of its pod", res(nodeA, "watch", "secrets", { name: "web-tls" }), "allow"],
    ["secret of no pod", res(nodeA, "get", "secrets", { name: "other" }), "deny"],
    ["same secret name in another namespace", res(nodeA, "get", "secrets", { namespace: "prod", name: "db-password" }), "deny"],
    ["list secrets", res(nodeA, "list", "secrets"), "deny"],
    ["update a referenced secret", res(nodeA, "update", "secrets", { name: "db-password" }), "deny"],
    ["configmap from volume", res(nodeA, "get", "configmaps", { name: "web-config" }), "allow"],
    ["configmap from envFrom", res(nodeA, "get", "configmaps", { name: "web-env" }), "allow"],
    ["pvc of its pod", res(nodeA, "get", "persistentvolumeclaims", { name: "web-data" }), "allow"],
    ["pv behind that pvc", res(nodeA, "get", "persistentvolumes", { namespace: "", name: "pv-1" }), "allow"],
    ["other pv", res(nodeA, "get", "persistentvolumes", { namespace: "", name: "pv-2" }), "deny"],
    ["serviceaccount of its pod", res(nodeA, "get", "serviceaccounts", { name: "web-sa" }), "allow"],
    ["token for that serviceaccount", res(nodeA, "create", "serviceaccounts/token", { name: "web-sa" }), "allow"],
    ["token for another serviceaccount", res(nodeA, "create", "serviceaccounts/token", { name: "admin" }), "deny"],
    ["own Node status", res(nodeA, "patch", "nodes/status", { namespace: "", name: "node-a" }), "allow"],
    ["register", res(nodeA, "create", "nodes", { namespace: "" }), "allow"],
    ["another Node", res(nodeA, "update", "nodes", { namespace: "", name: "node-b" }), "deny"],
    ["another Node's status", res(nodeA, "patch", "nodes/status", { namespace: "", name: "node-b" }), "deny"],
    ["read other Nodes", res(nodeA, "list", "nodes", { namespace: "" }), "allow"],
    ["own Lease", res(nodeA, "update", "leases", { apiGroup: "coordination.k8s.io", namespace: "kube-node-lease", name: "node-a" }), "allow"],
    ["another Lease", res(nodeA, "update", "leases", { apiGroup: "coordination.k8s.io", namespace: "kube-node-lease", name: "node-b" }), "deny"],
    ["Lease elsewhere", res(nodeA, "update", "leases", { apiGroup: "coordination.k8s.io", namespace: "kube-system", name: "node-a" }), "deny"],
    ["its pod's status", res(nodeA, "patch", "pods/status", { name: "web" }), "allow"],
    ["another pod's status", res(nodeA, "patch", "pods/status", { name: "api" }), "deny"],
    ["delete its pod", res(nodeA, "delete", "pods", { name: "web" }), "allow"],
    ["create a pod", res(nodeA, "create", "pods"), "deny"],
    ["watch pods", res(nodeA, "watch", "pods"), "allow"],
    ["events", res(nodeA, "create", "events"), "allow"],
    ["services", res(nodeA, "list", "services", { namespace: "" }), "allow"],
    ["delete a namespace", res(nodeA, "delete", "namespaces", { namespace: "", name: "default" }), "deny"],
  ])("%s", async (_label, attributes, expected) => {
    expect(await decision(attributes)).toBe(expected);
  });

  it("has no opinion about anyone but nodes", async () => {
    const impostor: UserInfo = { username: "system:node:node-a", groups: ["system:authenticated"], extra: {} };
    expect(await decision(res(impostor, "get", "secrets", { name: "db-password" }))).toBe("noOpinion");
    const other: UserInfo = { username: "alice", groups: ["system:nodes"], extra: {} };
    expect(await decision(res(other, "get", "secrets", { name: "db-password" }))).toBe("noOpinion");
    const nodeB: UserInfo = { ...nodeA, username: "system:node:node-b" };
    expect(await decision(res(nodeB, "get", "secrets", { name: "db-password" }))).toBe("deny");
    const denied = await authorize(res(nodeB, "get", "secrets", { name: "db-password" }));
    expect(denied.reason).toBe(`User "system:node:node-b" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'node-b' and this object`);
  });
});
