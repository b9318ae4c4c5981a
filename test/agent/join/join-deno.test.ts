/**
 * Joining a server that runs under Deno, whose HTTPS server shows no client certificates to the
 * application: the agent (under Node) is known by the node bearer token issued with its
 * certificate, and its node becomes Ready. The API server under Deno reaches the node's kubelet
 * endpoint for logs, exec and port-forward over WebSocket; kubectl's SPDY/3.1 upgrades, which
 * Deno.serve cannot make, get a Status that says so.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { RemoteClient } from "../../../agent/client/remote.ts";
import { Transport } from "../../../agent/client/transport.ts";
import { HTTP_BODY_ANNOTATION, HTTP_PORTS_ANNOTATION } from "../../../agent/runtime/fake/http-responder.ts";
import type { KubeObject } from "../../../plugins/client.ts";
import { denoCommand, freePort, listenFlags, nodeCommand, run, type Running, start } from "../../cli/spawn.ts";
import { httpGet, startPortForward } from "../../portforward/forward-client.ts";

const running: Running[] = [];

/**
 * A SPDY/3.1 upgrade request written by hand over TLS with HTTP/1.1 and no Content-Length (Node's
 * client and kubectl both send Content-Length: 0, which Deno's server refuses before the handler).
 */
function spdyUpgradeWithoutBody(url: string, ca: string, token: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca, ALPNProtocols: ["http/1.1"], servername: hostname === "127.0.0.1" ? undefined : hostname }, () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`);
    });
    let text = "";
    const timer = setTimeout(() => socket.destroy(new Error("timed out")), 10_000);
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      text += d;
      const head = text.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(text.slice(0, head));
      if (head >= 0 && length && text.length >= head + 4 + Number(length[1])) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: Number(text.split(" ")[1]), body: text.slice(head + 4, head + 4 + Number(length[1])) });
      }
    });
    socket.on("error", (err) => (clearTimeout(timer), reject(err)));
  });
}
let dir: string | undefined;

afterAll(async () => {
  for (const r of running) {
    if (r.child.exitCode !== null) continue;
    r.child.kill("SIGTERM");
    await r.exited(15_000).catch(() => r.child.kill("SIGKILL"));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("an agent joins a server running under Deno, its node becomes Ready, and its pod's logs, exec and port-forward go through the server", async () => {
  dir = await mkdtemp(join(tmpdir(), "k3ts-join-deno-"));
  const listen = await listenFlags();
  const url = `https://127.0.0.1:${listen[3]}`;
  const server = start(denoCommand(["server", "--runtime", "fake", "--disable-agent", "--data-dir", join(dir, "server"), "--log-format", "json", ...listen]));
  running.push(server);
  await server.waitForLine(/k3ts server is up/, 40_000);
  const token = (await readFile(join(dir, "server", "server", "agent-token"), "utf8")).trim();
  const agent = start(nodeCommand(["agent", "--server", url, "--token", token, "--runtime", "fake", "--node-name", "dn", "--node-ip", "127.0.0.1", "--kubelet-port", String(await freePort()), "--data-dir", join(dir, "dn"), "--log-format", "json"]));
  running.push(agent);
  await agent.waitForLine(/k3ts agent is up/, 30_000);

  const ca = await readFile(join(dir, "server", "server", "tls", "server-ca.crt"), "utf8");
  const adminToken = (await readFile(join(dir, "server", "server", "admin-token"), "utf8")).trim();
  const transport = new Transport({ servers: [url], ca, token: adminToken });
  try {
    const nodes = new RemoteClient({ transport, fieldManager: "test" }).resource({ apiVersion: "v1", resource: "nodes" });
    const started = Date.now();
    let ready = false;
    while (!ready && Date.now() - started < 20_000) {
      const node = await nodes.get("dn");
      ready = ((node?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready).toBe(true);

    const pods = new RemoteClient({ transport, fieldManager: "test" }).resource({ apiVersion: "v1", resource: "pods" });
    await pods.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "default", annotations: { [HTTP_PORTS_ANNOTATION]: "8080", [HTTP_BODY_ANNOTATION]: "via-deno-server\n" } },
      spec: { nodeName: "dn", containers: [{ name: "c", image: "busybox:local", command: ["sleep", "3600"] }] },
    } as KubeObject);
    const until = Date.now() + 20_000;
    while (((await pods.get("p", "default"))?.status as { phase?: string } | undefined)?.phase !== "Running" && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    const flags = ["--server", url, "--certificate-authority", join(dir, "server", "server", "tls", "server-ca.crt"), "--token", adminToken];
    const kubectl = (args: string[], env: Record<string, string> = {}) => run(["kubectl", ...flags, ...args], { env });
    expect((await kubectl(["logs", "p"])).stdout).toContain("container c started");
    const exec = await kubectl(["exec", "p", "--", "hostname"]);
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout.trim()).toBe("p");
    expect((await kubectl(["exec", "p", "--", "sh", "-c", "exit 7"])).code).toBe(7);
    const f = await startPortForward([...flags, "pod/p", ":8080"], {});
    try {
      expect(await httpGet(f.localPort)).toEqual({ status: 200, body: "via-deno-server\n" });
    } finally {
      await f.stop();
    }
    // SPDY/3.1 is refused. Deno's HTTP server answers kubectl's upgrade (a POST with
    // Content-Length: 0 and Upgrade: SPDY/3.1) itself with an empty 400 before any handler runs,
    // so kubectl can only print "Error from server:"; a request without Content-Length reaches
    // the handler, whose Status names the reason and the way out.
    const spdy = await kubectl(["exec", "p", "--", "hostname"], { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" });
    expect(spdy.code).not.toBe(0);
    expect(spdy.stderr.trim()).toMatch(/^Error from server:$|Deno\.serve\) cannot switch a connection to SPDY\/3\.1/);
    const raw = await spdyUpgradeWithoutBody(url, ca, adminToken, "/api/v1/namespaces/default/pods/p/exec?command=hostname&stdout=true");
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body).message).toMatch(/^unable to upgrade connection: this API server runs under Deno, whose HTTP server \(Deno\.serve\) cannot switch a connection to SPDY\/3\.1; use the WebSocket protocols/);
  } finally {
    transport.close();
  }
}, 90_000);
