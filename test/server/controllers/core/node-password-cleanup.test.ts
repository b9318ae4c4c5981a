import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodePasswordCleanupController } from "../../../../server/controllers/node-password-cleanup.ts";
import { NODE_PASSWORD_NAMESPACE, NodePasswordRejected, nodePasswordSecretName, verifyOrStoreNodePassword } from "../../../../server/join/node-password.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";

let t: TestServer;
let stop: AbortController;

beforeAll(async () => {
  t = await startTestServer();
  stop = await runControllers(t, [nodePasswordCleanupController]);
});

afterAll(async () => {
  stop?.abort();
  await t?.stop();
});

const nodes = () => t.server.client.resource({ apiVersion: "v1", resource: "nodes" });
const secrets = () => t.server.client.resource({ apiVersion: "v1", resource: "secrets" });
const entry = (node: string) => secrets().get(nodePasswordSecretName(node), NODE_PASSWORD_NAMESPACE);

describe("node password cleanup", () => {
  it("removes a node's password entry when the Node is deleted, so a reinstalled machine can join under its name", async () => {
    await verifyOrStoreNodePassword(t.server.client, "gone", "first-password");
    await verifyOrStoreNodePassword(t.server.client, "stays", "other-password");
    await nodes().create({ metadata: { name: "gone" } });
    await nodes().create({ metadata: { name: "stays" } });
    await expect(verifyOrStoreNodePassword(t.server.client, "gone", "new-machine")).rejects.toBeInstanceOf(NodePasswordRejected);

    await t.kubectlOk("delete", "node", "gone");
    await eventually(async () => (await entry("gone")) === undefined, "the deleted node's entry removed");
    expect(await verifyOrStoreNodePassword(t.server.client, "gone", "new-machine")).toBe("stored");
    expect(await entry("stays")).toBeDefined();
    expect(await verifyOrStoreNodePassword(t.server.client, "stays", "other-password")).toBe("verified");
  });

  it("keeps the entry of an agent whose Node is not registered yet", async () => {
    await verifyOrStoreNodePassword(t.server.client, "joining", "pw");
    await nodes().create({ metadata: { name: "unrelated" } });
    await nodes().delete("unrelated");
    await eventually(async () => (await nodes().get("unrelated")) === undefined, "the unrelated node gone");
    // Give the controller a moment to act on the deletion it saw; it must not touch "joining".
    await new Promise((r) => setTimeout(r, 300));
    expect(await entry("joining")).toBeDefined();
  });
});
