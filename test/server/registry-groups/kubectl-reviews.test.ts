/**
 * The review endpoints with the real kubectl (`kubectl auth can-i`, `kubectl auth whoami`, a
 * TokenReview), served by a test-local app: the harness's API server parts (catalog, stores)
 * behind a token table, RBAC over the watch cache, and the review routes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger } from "../../../plugins/logger.ts";
import { createApiApp, type UserInfo } from "../../../server/api/app.ts";
import { reviewRoutes } from "../../../server/api/handlers/reviews.ts";
import { type RunningServer, serveHttps } from "../../../server/api/serve.ts";
import { buildPredicate } from "../../../server/api/selection.ts";
import { unauthorized } from "../../../server/api/status.ts";
import { chainAuthorizers, privilegedGroupAuthorizer } from "../../../server/auth/authorizer.ts";
import { rbacAuthorizer } from "../../../server/auth/rbac.ts";
import type { ClusterRole, ClusterRoleBinding, RbacProvider, Role, RoleBinding } from "../../../server/auth/rbac-types.ts";
import { adminKubeconfig } from "../../../server/api-server.ts";
import { namespacePrefix, objectKey, resourcePrefix } from "../../../server/storage/keys.ts";
import type { WatchCache } from "../../../server/storage/watch-cache.ts";
import { startTestServer, TEST_VERSION, type TestServer } from "../harness.ts";

let t: TestServer;
let local: RunningServer;
const abort = new AbortController();
const configs: Record<string, string> = {};

function cacheRbac(cache: WatchCache): RbacProvider {
  const rbac = (resource: string) => ({ group: "rbac.authorization.k8s.io", resource, namespaced: resource.startsWith("role") });
  const objects = <T>(prefix: string) => cache.list(prefix).map((e) => e.object as unknown as T);
  return {
    getRole: (ns, name) => cache.get(objectKey(rbac("roles"), ns, name))?.object as unknown as Role | undefined,
    getClusterRole: (name) => cache.get(objectKey(rbac("clusterroles"), undefined, name))?.object as unknown as ClusterRole | undefined,
    listClusterRoles: () => objects<ClusterRole>(resourcePrefix(rbac("clusterroles"))),
    listClusterRoleBindings: () => objects<ClusterRoleBinding>(resourcePrefix(rbac("clusterrolebindings"))),
    listRoleBindings: (ns) => objects<RoleBinding>(namespacePrefix(rbac("rolebindings"), ns)),
  };
}

beforeAll(async () => {
  t = await startTestServer();
  const users: Record<string, UserInfo> = {
    [t.token]: { username: "system:admin", groups: ["system:masters", "system:authenticated"], extra: {} },
    "alice-token": { username: "alice", uid: "alice-uid", groups: ["dev", "system:authenticated"], extra: {} },
  };
  const lookup = (token: string | undefined) => (token ? users[token] : undefined);
  const authorizer = chainAuthorizers(privilegedGroupAuthorizer(), rbacAuthorizer(cacheRbac(t.server.cache)));
  const app = createApiApp({
    catalog: t.server.catalog,
    storeFor: t.server.storeFor,
    predicate: buildPredicate,
    log: silentLogger,
    signal: abort.signal,
    version: TEST_VERSION,
    serverAddress: "127.0.0.1:0",
    isReady: () => true,
    async authenticate(request) {
      const user = lookup(request.headers.get("authorization")?.replace(/^Bearer /, ""));
      if (!user) throw unauthorized();
      return user;
    },
    async authorize(user, info) {
      const d = await authorizer({ user: { extra: {}, ...user }, ...info });
      return { allowed: d.decision === "allow", reason: d.reason };
    },
    extraRoutes: reviewRoutes({
      authorize: authorizer,
      async authenticateToken(token) {
        const user = lookup(token);
        return user ? { authenticated: true, user } : { authenticated: false, error: "invalid bearer token" };
      },
    }),
  });
  const pki = t.server.pki;
  local = await serveHttps(app, { port: 0, hostname: "127.0.0.1", tls: { key: pki.serving.keyPem, cert: pki.serving.certPem + pki.serverCa.certPem } });
  const url = `https://127.0.0.1:${local.port}`;
  for (const [name, token] of [["admin", t.token], ["alice", "alice-token"]]) {
    configs[name] = join(t.dir, `${name}.kubeconfig`);
    await writeFile(configs[name], adminKubeconfig(url, pki.serverCa.certPem, token), { mode: 0o600 });
  }
});
afterAll(async () => {
  abort.abort();
  await local?.close();
  await t?.stop();
});

function kubectl(as: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("kubectl", ["--request-timeout=20s", ...args], { env: { ...process.env, KUBECONFIG: configs[as], KUBECACHEDIR: join(t.dir, `cache-${as}`) } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe("reviews with kubectl", () => {
  it("answers kubectl auth can-i from RBAC without storing anything", async () => {
    expect((await kubectl("admin", "auth", "can-i", "list", "pods")).stdout.trim()).toBe("yes");
    // What upstream's system:basic-user grants every authenticated user, and a role for alice.
    const file = join(t.dir, "rbac.yaml");
    await writeFile(
      file,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: basic-user}
rules:
- {apiGroups: [authorization.k8s.io], resources: [selfsubjectaccessreviews, selfsubjectrulesreviews], verbs: [create]}
- {apiGroups: [authentication.k8s.io], resources: [selfsubjectreviews], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: basic-user}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: basic-user}
subjects: [{kind: Group, name: "system:authenticated"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-reads, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects: [{kind: User, name: alice}]
`,
    );
    expect((await kubectl("admin", "apply", "--validate=false", "-f", file)).code).toBe(0);
    await new Promise((r) => setTimeout(r, 200)); // the watch cache catches up
    const yes = await kubectl("alice", "auth", "can-i", "list", "pods", "-n", "default");
    expect(yes.stdout.trim()).toBe("yes");
    const no = await kubectl("alice", "auth", "can-i", "delete", "pods", "-n", "default");
    expect(no.code).toBe(1);
    expect(no.stdout.trim()).toBe("no");
    expect((await kubectl("alice", "auth", "can-i", "list", "pods", "-n", "kube-system")).stdout.trim()).toBe("no");
    const stored = await t.request("GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
    expect(stored.status).toBe(405);
  });

  it("answers kubectl auth whoami", async () => {
    const who = JSON.parse((await kubectl("alice", "auth", "whoami", "-o", "json")).stdout);
    expect(who).toMatchObject({ kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1", status: { userInfo: { username: "alice", uid: "alice-uid", groups: ["dev", "system:authenticated"] } } });
  });

  it("reviews tokens and refuses an empty one", async () => {
    const file = join(t.dir, "tr.yaml");
    await writeFile(file, "apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec: {token: alice-token}\n");
    const review = JSON.parse((await kubectl("admin", "create", "--validate=false", "-f", file, "-o", "json")).stdout);
    expect(review.status).toMatchObject({ authenticated: true, user: { username: "alice" } });
    await writeFile(file, "apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec: {token: nope}\n");
    expect(JSON.parse((await kubectl("admin", "create", "--validate=false", "-f", file, "-o", "json")).stdout).status).toEqual({ authenticated: false, user: {}, error: "invalid bearer token" });
    await writeFile(file, "apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec: {}\n");
    expect((await kubectl("admin", "create", "--validate=false", "-f", file)).stderr).toContain("token is required for TokenReview in authentication");
  });

  it("refuses a SubjectAccessReview without attributes with upstream's message", async () => {
    const file = join(t.dir, "sar.yaml");
    await writeFile(file, "apiVersion: authorization.k8s.io/v1\nkind: SubjectAccessReview\nspec: {user: alice}\n");
    const bad = await kubectl("admin", "create", "--validate=false", "-f", file);
    expect(bad.stderr).toContain('The SubjectAccessReview "" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified');
    await writeFile(file, "apiVersion: authorization.k8s.io/v1\nkind: SubjectAccessReview\nspec: {user: alice, resourceAttributes: {namespace: default, verb: get, resource: pods}}\n");
    expect(JSON.parse((await kubectl("admin", "create", "--validate=false", "-f", file, "-o", "json")).stdout).status).toMatchObject({ allowed: true, reason: expect.stringContaining("RBAC: allowed by RoleBinding") });
  });
});
