/**
 * An agent running under Deno, joined to a server under Node: its kubelet HTTPS endpoint
 * (agent/kubelet/server/https.ts: node:https with client certificates, ws for the upgrades, in
 * Deno's Node compatibility) serves kubectl logs, exec and port-forward of its pod to the API
 * server, which authenticates with its kubelet client certificate.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteClient } from "../../../agent/client/remote.ts";
import { Transport } from "../../../agent/client/transport.ts";
import { HTTP_BODY_ANNOTATION, HTTP_PORTS_ANNOTATION } from "../../../agent/runtime/fake/http-responder.ts";
import type { KubeObject } from "../../../plugins/client.ts";
import { denoCommand, freePort, listenFlags, nodeCommand, run, type Running, start } from "../../cli/spawn.ts";
import { httpGet, startPortForward } from "../../portforward/forward-client.ts";
import { eventually } from "../../server/controllers/run-controllers.ts";

const running: Running[] = [];
let dir: string;
let admin: RemoteClient;
let kubectlFlags: string[];
let kubeletPort: number;

/** Polls until `check` holds (test/server/controllers/run-controllers.ts), 20 s unless told. */
const until = <T>(what: string, check: () => Promise<T | undefined | false>, ms = 20_000) => eventually(check, what, ms);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "k3ts-agent-deno-"));
  const listen = await listenFlags();
  const url = `https://127.0.0.1:${listen[3]}`;
  const server = start(nodeCommand(["server", "--runtime", "fake", "--disable-agent", "--data-dir", join(dir, "server"), "--log-format", "json", ...listen]));
  running.push(server);
  await server.waitForLine(/k3ts server is up/, 30_000);
  const tls = join(dir, "server", "server");
  const token = (await readFile(join(tls, "agent-token"), "utf8")).trim();
  const agent = start(denoCommand(["agent", "--server", url, "--token", token, "--runtime", "fake", "--node-name", "dn", "--node-ip", "127.0.0.1", "--kubelet-port", String(kubeletPort = await freePort()), "--data-dir", join(dir, "dn"), "--log-format", "json"]));
  running.push(agent);
  await agent.waitForLine(/k3ts agent is up/, 40_000);
  const ca = await readFile(join(tls, "tls", "server-ca.crt"), "utf8");
  const adminToken = (await readFile(join(tls, "admin-token"), "utf8")).trim();
  kubectlFlags = ["--server", url, "--certificate-authority", join(tls, "tls", "server-ca.crt"), "--token", adminToken];
  admin = new RemoteClient({ transport: new Transport({ servers: [url], ca, token: adminToken }), fieldManager: "test" });
  await admin.resource({ apiVersion: "v1", resource: "pods" }).create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "on-deno", namespace: "default", annotations: { [HTTP_PORTS_ANNOTATION]: "8080", [HTTP_BODY_ANNOTATION]: "served-under-deno\n" } },
    spec: { nodeName: "dn", containers: [{ name: "c", image: "busybox:local", command: ["sleep", "3600"] }] },
  } as KubeObject);
  await until("pod on-deno Running", async () => (((await admin.resource({ apiVersion: "v1", resource: "pods" }).get("on-deno", "default"))?.status as { phase?: string } | undefined)?.phase === "Running"), 30_000);
}, 120_000);

afterAll(async () => {
  for (const r of running.reverse()) {
    if (r.child.exitCode !== null) continue;
    r.child.kill("SIGTERM");
    await r.exited(15_000).catch(() => r.child.kill("SIGKILL"));
  }
  admin?.transport.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 40_000);

describe("the kubelet endpoint of an agent under Deno", () => {
  const kubectl = (...args: string[]) => run(["kubectl", ...kubectlFlags, ...args]);

  it("serves logs and exec (stdin, exit code)", async () => {
    const logs = await kubectl("logs", "on-deno");
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("container c started");
    const exec = await kubectl("exec", "on-deno", "--", "hostname");
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout.trim()).toBe("on-deno");
    expect((await kubectl("exec", "on-deno", "--", "sh", "-c", "exit 7")).code).toBe(7);
  }, 30_000);

  it("refuses callers without a client certificate, or with one that is not the API server's", async () => {
    const ca = await readFile(join(dir, "server", "server", "tls", "server-ca.crt"), "utf8");
    const get = (options: { cert?: string; key?: string }) => new Promise<number>((resolve, reject) => {
      const req = request(`https://127.0.0.1:${kubeletPort}/stats/summary`, { ca, ...options, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(await get({})).toBe(401);
    // The node's own client certificate: of the cluster's client CA, but not the API server's.
    const [cert, key] = await Promise.all(["client-kubelet.crt", "client-kubelet.key"].map((f) => readFile(join(dir, "dn", "agent", f), "utf8")));
    expect(await get({ cert, key })).toBe(403);
    // The API server's name on a certificate of another CA: not verified, so refused.
    const forged = join(dir, "forged");
    const made = await run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/O=system:masters/CN=kube-apiserver-kubelet-client", "-keyout", `${forged}.key`, "-out", `${forged}.crt`]);
    expect(made.code, made.stderr).toBe(0);
    const [forgedCert, forgedKey] = await Promise.all([readFile(`${forged}.crt`, "utf8"), readFile(`${forged}.key`, "utf8")]);
    expect(await get({ cert: forgedCert, key: forgedKey })).toBe(401);
  });

  it("serves port-forward", async () => {
    const f = await startPortForward([...kubectlFlags, "pod/on-deno", ":8080"], {});
    try {
      expect(await httpGet(f.localPort)).toEqual({ status: 200, body: "served-under-deno\n" });
    } finally {
      await f.stop();
    }
  }, 30_000);
});
