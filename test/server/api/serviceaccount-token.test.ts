/**
 * ServiceAccount tokens: issued through TokenRequest (kubectl create token), accepted while the
 * account lives; and what the ServiceAccount admission gives the pods of an account.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe("ServiceAccount tokens", () => {
  it("are issued by kubectl create token and identify the account; they die with it", async () => {
    expect((await t.kubectl("create", "serviceaccount", "robot")).code).toBe(0);
    const issued = await t.kubectl("create", "token", "robot", "--duration=15m");
    expect(issued.code).toBe(0);
    const token = issued.stdout.trim();
    expect(token.split(".")).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
    expect(claims.sub).toBe("system:serviceaccount:default:robot");
    expect(claims.exp - claims.iat).toBe(900);

    // Authenticated as the account; RBAC grants it nothing, so: 403 naming the account.
    const denied = await t.request("GET", "/api/v1/namespaces/default/configmaps", { headers: { authorization: `Bearer ${token}` } });
    expect(denied.status).toBe(403);
    expect(JSON.parse(String(denied.body)).message).toContain('User "system:serviceaccount:default:robot" cannot list resource "configmaps"');

    expect((await t.kubectl("delete", "serviceaccount", "robot")).code).toBe(0);
    const gone = await t.request("GET", "/api/v1/namespaces/default/configmaps", { headers: { authorization: `Bearer ${token}` } });
    expect(gone.status).toBe(401);
  });

  it("refuses a too-short duration with upstream's message", async () => {
    await t.kubectl("create", "serviceaccount", "short");
    const r = await t.kubectl("create", "token", "short", "--duration=1m");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("may not specify a duration less than 10 minutes");
  });

  it("publishes the issuer's discovery document and keys", async () => {
    const config = JSON.parse(String((await t.request("GET", "/.well-known/openid-configuration")).body));
    expect(config.issuer).toBe("https://kubernetes.default.svc.cluster.local");
    const jwks = JSON.parse(String((await t.request("GET", "/openid/v1/jwks")).body));
    expect(jwks.keys[0]).toMatchObject({ use: "sig", kty: "EC", alg: "ES256" });
  });

  it("gives new pods their account's imagePullSecrets and automountServiceAccountToken, unless the pod says", async () => {
    const serviceAccounts = t.server.client.resource({ apiVersion: "v1", resource: "serviceaccounts" });
    await serviceAccounts.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "builder", namespace: "default" }, automountServiceAccountToken: false, imagePullSecrets: [{ name: "regcred" }] } as never);
    expect((await t.kubectl("run", "built", "--image=busybox:local", "--overrides={\"spec\":{\"serviceAccountName\":\"builder\"}}")).code).toBe(0);
    const built = JSON.parse((await t.kubectl("get", "pod", "built", "-o", "json")).stdout);
    expect(built.spec.imagePullSecrets).toEqual([{ name: "regcred" }]);
    expect((built.spec.volumes ?? []).filter((v: { name: string }) => v.name.startsWith("kube-api-access-"))).toEqual([]);
    // The pod's own choices win; the default account (no such settings) changes nothing.
    const own = await t.server.client.resource({ apiVersion: "v1", resource: "pods" }).create({
      apiVersion: "v1", kind: "Pod", metadata: { name: "own", namespace: "default" },
      spec: { serviceAccountName: "builder", automountServiceAccountToken: true, imagePullSecrets: [{ name: "mine" }], containers: [{ name: "c", image: "busybox:local" }] },
    } as never) as unknown as { spec: { imagePullSecrets: unknown; volumes: Array<{ name: string }> } };
    expect(own.spec.imagePullSecrets).toEqual([{ name: "mine" }]);
    expect(own.spec.volumes.filter((v) => v.name.startsWith("kube-api-access-"))).toHaveLength(1);
  });
});
