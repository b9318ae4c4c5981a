/**
 * Joining, with real processes: a `k3ts server --runtime fake`, then `k3ts agent` processes that
 * join it with its token. The joined node becomes Ready and runs a pod the scheduler binds to it;
 * a wrong CA hash, a wrong secret and a node name already taken are each refused with a message
 * that says what is wrong; `k3ts token create` makes a token an agent can join with, and
 * `k3ts token delete` takes it back. The node's credentials reach only what the node
 * authorizer allows; kubectl logs, exec and port-forward reach the joined node's pods through its
 * kubelet's HTTPS endpoint, with the serving certificate the join issued.
 */
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteClient } from "../../../agent/client/remote.ts";
import { Transport } from "../../../agent/client/transport.ts";
import type { KubeObject } from "../../../plugins/client.ts";
import { HTTP_BODY_ANNOTATION, HTTP_PORTS_ANNOTATION } from "../../../agent/runtime/fake/http-responder.ts";
import { freePort, listenFlags, nodeCommand, run, type Running, start } from "../../cli/spawn.ts";
import { httpGet, startPortForward } from "../../portforward/forward-client.ts";
import { eventually } from "../../server/controllers/run-controllers.ts";

let dir: string;
let server: Running;
let url: string;
let agentToken: string;
let admin: RemoteClient;
let kubectlFlags: string[];
const agents: Running[] = [];

const NODES = { apiVersion: "v1", resource: "nodes" };
const PODS = { apiVersion: "v1", resource: "pods" };
const SECRETS = { apiVersion: "v1", resource: "secrets" };

interface Condition { type: string; status: string }

/** Polls until `check` holds (test/server/controllers/run-controllers.ts), 20 s unless told. */
const until = <T>(what: string, check: () => Promise<T | undefined | false>, ms = 20_000) => eventually(check, what, ms);

function agent(args: string[], dataDir: string): Running {
  const a = start(nodeCommand(["agent", "--server", url, "--runtime", "fake", "--data-dir", join(dir, dataDir), "--log-format", "json", ...args]));
  agents.push(a);
  return a;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "k3ts-join-"));
  const listen = await listenFlags();
  url = `https://127.0.0.1:${listen[3]}`;
  server = start(nodeCommand(["server", "--runtime", "fake", "--node-name", "s1", "--data-dir", join(dir, "server"), "--log-format", "json", ...listen]));
  await server.waitForLine(/k3ts server is up/, 30_000);
  agentToken = (await readFile(join(dir, "server", "server", "agent-token"), "utf8")).trim();
  const ca = await readFile(join(dir, "server", "server", "tls", "server-ca.crt"), "utf8");
  const token = (await readFile(join(dir, "server", "server", "admin-token"), "utf8")).trim();
  kubectlFlags = ["--server", url, "--certificate-authority", join(dir, "server", "server", "tls", "server-ca.crt"), "--token", token];
  admin = new RemoteClient({ transport: new Transport({ servers: [url], ca, token }), fieldManager: "join-test" });
}, 40_000);

afterAll(async () => {
  for (const a of agents) if (a.child.exitCode === null) a.child.kill("SIGKILL");
  if (server && server.child.exitCode === null) {
    server.child.kill("SIGTERM");
    await server.exited(15_000).catch(() => server.child.kill("SIGKILL"));
  }
  admin?.transport.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("k3ts agent joins a server", () => {
  let n2: Running;

  it("joins with the agent token: the node registers, becomes Ready and runs a pod the scheduler binds to it", async () => {
    n2 = agent(["--token", agentToken, "--node-name", "n2", "--node-ip", "127.0.0.1", "--kubelet-port", String(await freePort()), "--node-label", "team=blue", "--node-taint", "dedicated=blue:NoSchedule"], "n2");
    await n2.waitForLine(/k3ts agent is up/, 30_000);
    const node = await until("node n2 Ready", async () => {
      const n = await admin.resource(NODES).get("n2");
      const ready = (n?.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === "Ready");
      return ready?.status === "True" && n;
    });
    expect(node.metadata.labels).toMatchObject({ team: "blue" });
    expect((node.spec as { taints?: unknown[] }).taints).toEqual(expect.arrayContaining([expect.objectContaining({ key: "dedicated", value: "blue", effect: "NoSchedule" })]));
    expect(await admin.resource(SECRETS).get("n2.node-password.k3ts", "kube-system")).toMatchObject({ type: "k3ts.io/node-password" });

    await admin.resource(PODS).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "on-n2", namespace: "default" },
      spec: {
        nodeSelector: { team: "blue" },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "blue", effect: "NoSchedule" }],
        containers: [{ name: "c", image: "busybox:local", command: ["sleep", "3600"] }],
      },
    } as KubeObject);
    const pod = await until("pod on-n2 Running", async () => {
      const p = await admin.resource(PODS).get("on-n2", "default");
      return (p?.status as { phase?: string } | undefined)?.phase === "Running" && p;
    });
    expect((pod.spec as { nodeName?: string }).nodeName).toBe("n2");
  }, 60_000);

  it("serves kubectl logs and exec of the joined node's pod through its kubelet endpoint (serving certificate from the join)", async () => {
    const agentDir = join(dir, "n2", "agent");
    const serving = new X509Certificate(await readFile(join(agentDir, "serving-kubelet.crt"), "utf8"));
    expect(serving.subjectAltName).toMatch(/DNS:n2/);
    expect(serving.subjectAltName).toMatch(/IP Address:127\.0\.0\.1/);
    expect(serving.verify(new X509Certificate(await readFile(join(dir, "server", "server", "tls", "server-ca.crt"), "utf8")).publicKey)).toBe(true);
    const node = await admin.resource(NODES).get("n2");
    expect((node?.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } }).daemonEndpoints?.kubeletEndpoint?.Port).not.toBe(10250);
    const kubectl = (...args: string[]) => run(["kubectl", ...kubectlFlags, ...args]);
    const logs = await kubectl("logs", "on-n2");
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("container c started");
    const exec = await kubectl("exec", "on-n2", "--", "echo", "hello-from-n2");
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout.trim()).toBe("hello-from-n2");
    expect((await kubectl("exec", "on-n2", "--", "hostname")).stdout.trim()).toBe("on-n2");
  }, 30_000);

  it("forwards kubectl port-forward to the joined node's pod through its kubelet endpoint", async () => {
    await admin.resource(PODS).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-n2", namespace: "default", annotations: { [HTTP_PORTS_ANNOTATION]: "8080", [HTTP_BODY_ANNOTATION]: "answered-on-n2\n" } },
      spec: {
        nodeSelector: { team: "blue" },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "blue", effect: "NoSchedule" }],
        containers: [{ name: "httpd", image: "busybox:local", command: ["sleep", "3600"] }],
      },
    } as KubeObject);
    await until("pod web-n2 Running", async () => (((await admin.resource(PODS).get("web-n2", "default"))?.status as { phase?: string } | undefined)?.phase === "Running"));
    // Both of kubectl's ways: SPDY tunnelled in a WebSocket (its default), and SPDY/3.1 directly.
    for (const env of [{}, { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" }]) {
      const f = await startPortForward([...kubectlFlags, "pod/web-n2", ":8080"], env);
      try {
        expect(await httpGet(f.localPort)).toEqual({ status: 200, body: "answered-on-n2\n" });
        expect((await httpGet(f.localPort)).body).toBe("answered-on-n2\n");
      } finally {
        await f.stop();
      }
    }
  }, 60_000);

  it("gives the node credentials that reach only what the node authorizer allows", async () => {
    const agentDir = join(dir, "n2", "agent");
    const [ca, cert, key] = await Promise.all(["server-ca.crt", "client-kubelet.crt", "client-kubelet.key"].map((f) => readFile(join(agentDir, f), "utf8")));
    const nodeClient = new RemoteClient({ transport: new Transport({ servers: [url], ca: ca!, cert, key }), fieldManager: "n2" });
    try {
      expect(await nodeClient.resource(NODES).get("n2")).toMatchObject({ metadata: { name: "n2" } });
      await expect(nodeClient.resource(SECRETS).list({ namespace: "kube-system" })).rejects.toMatchObject({ code: 403 });
      await expect(nodeClient.resource(SECRETS).get("n2.node-password.k3ts", "kube-system")).rejects.toMatchObject({ code: 403 });
      await expect(nodeClient.resource(NODES).patch("s1", { metadata: { labels: { stolen: "yes" } } }, { type: "merge" })).rejects.toMatchObject({ code: 403 });
      // NodeRestriction: names in the body are checked too.
      await expect(nodeClient.resource(NODES).create({ apiVersion: "v1", kind: "Node", metadata: { name: "impostor" } })).rejects.toMatchObject({ code: 403, message: expect.stringMatching(/node "n2" is not allowed to modify node "impostor"/) });
      const LEASES = { apiVersion: "coordination.k8s.io/v1", resource: "leases" };
      await expect(nodeClient.resource(LEASES).create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "s1-not", namespace: "kube-node-lease" } })).rejects.toMatchObject({ code: 403 });
      expect(await nodeClient.resource(LEASES).get("n2", "kube-node-lease")).toMatchObject({ metadata: { name: "n2" } });
      await expect(nodeClient.resource(PODS).delete("on-n2", "default")).resolves.toBeDefined();
    } finally {
      nodeClient.transport.close();
    }
  });

  it("refuses a token whose CA hash is another cluster's", async () => {
    const wrong = agentToken.replace(/^K10[0-9a-f]{64}/, `K10${"0".repeat(64)}`);
    const exit = await agent(["--token", wrong, "--node-name", "bad-ca"], "bad-ca").exited(20_000);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/does not match the token's CA hash/);
  });

  it("refuses a token with a wrong secret", async () => {
    const wrong = agentToken.replace(/::node:.*$/, "::node:0123456789abcdef0123456789abcdef");
    const exit = await agent(["--token", wrong, "--node-name", "bad-secret"], "bad-secret").exited(20_000);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/refused the token/);
  });

  it("refuses a second machine under a node name already taken, and says what to do", async () => {
    const exit = await agent(["--token", agentToken, "--node-name", "n2"], "n2-again").exited(20_000);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/Node password rejected/);
    expect(exit.stderr).toMatch(/--node-name/);
  });

  it("joins with a token from k3ts token create, until it is deleted", async () => {
    const created = await run(nodeCommand(["token", "create", "--ttl", "1h", "--description", "test", "--data-dir", join(dir, "server")]));
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const listed = await run(nodeCommand(["token", "list", "--data-dir", join(dir, "server")]));
    expect(listed.stdout).toContain(`${token.slice(69, 75)}.<secret>`);
    expect(listed.stdout).toMatch(/authentication,signing\s+test/);

    const n3 = agent(["--token", token, "--node-name", "n3", "--node-ip", "127.0.0.1", "--kubelet-port", String(await freePort())], "n3");
    await n3.waitForLine(/k3ts agent is up/, 30_000);
    n3.child.kill("SIGTERM");
    expect((await n3.exited(15_000)).code).toBe(0);

    const deleted = await run(nodeCommand(["token", "delete", token, "--data-dir", join(dir, "server")]));
    expect(deleted.code, deleted.stderr).toBe(0);
    const refused = await agent(["--token", token, "--node-name", "n4"], "n4").exited(20_000);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused the token/);
  }, 60_000);

  it("stops cleanly on SIGTERM", async () => {
    n2.child.kill("SIGTERM");
    const exit = await n2.exited(15_000);
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(/"stopped"|stopped/);
  });
});
