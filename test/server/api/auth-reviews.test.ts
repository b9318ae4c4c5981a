/** kubectl auth can-i / whoami against the assembled server: reviews answered from RBAC, never stored. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe("access reviews", () => {
  it("answers kubectl auth can-i and whoami truthfully for the admin", async () => {
    const yes = await t.kubectl("auth", "can-i", "delete", "pods", "-n", "kube-system");
    expect(yes.stdout.trim()).toBe("yes");
    const whoami = await t.kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}");
    expect(whoami.stdout).toContain("system:admin");
    expect(whoami.stdout).toContain("system:masters");
  });

  it("answers for a ServiceAccount with the default policy: basic-user rights only", async () => {
    await t.kubectl("create", "serviceaccount", "viewer");
    const token = (await t.kubectl("create", "token", "viewer")).stdout.trim();
    const no = await t.kubectl("--token", token, "auth", "can-i", "list", "pods");
    expect(no.stdout.trim()).toBe("no");
    expect(no.code).toBe(1);
    const whoami = await t.kubectl("--token", token, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}");
    expect(whoami.stdout).toBe("system:serviceaccount:default:viewer");
    // Granting view (aggregated ClusterRole from the default policy) changes the answer.
    expect((await t.kubectl("create", "rolebinding", "viewer-view", "--clusterrole=view", "--serviceaccount=default:viewer")).code).toBe(0);
    const yes = await t.kubectl("--token", token, "auth", "can-i", "list", "pods");
    expect(yes.stdout.trim()).toBe("yes");
    expect((await t.kubectl("--token", token, "auth", "can-i", "delete", "pods")).stdout.trim()).toBe("no");
  });

  it("stores no review", async () => {
    const r = await t.request("GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
    expect(r.status).toBe(405);
  });
});
