/**
 * The API server reaching a node's kubelet over HTTPS (agent/kubelet/server/https.ts and
 * streams/remote.ts): the node's streams are not registered in-process, so kubectl logs, exec
 * top and port-forward go to the kubelet endpoint with the API server's client certificate; the
 * kubelet refuses other callers.
 */
import { spawn } from "node:child_process";
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InProcessAgent, startInProcessAgent } from "../../agent/in-process.ts";
import type { RunningKubeletServer } from "../../agent/kubelet/server/https.ts";
import { fakeRuntimeFactory } from "../../agent/runtime/fake/plugin.ts";
import { silentLogger } from "../../plugins/logger.ts";
import { NodeStreamsDirectory } from "../../streams/mod.ts";
import { assignPodCidrs, TEST_MACHINE } from "../agent/agent-harness.ts";
import { startTestServer, type TestServer } from "../server/harness.ts";
import { HTTP_BODY_ANNOTATION, HTTP_PORTS_ANNOTATION } from "../../agent/runtime/fake/http-responder.ts";
import { httpGet, startPortForward } from "../portforward/forward-client.ts";
import { serveNodeOverHttps } from "./kubelet-endpoint.ts";
import { runningPod } from "./streams-harness.ts";

let t: TestServer;
let agent: InProcessAgent;
let kubelet: RunningKubeletServer;
const ipam = new AbortController();
let servingCa: string;

beforeAll(async () => {
  t = await startTestServer();
  await assignPodCidrs(t, ipam.signal);
  // The agent's own directory: the server's has no in-process node, so it must go over HTTPS.
  const local = new NodeStreamsDirectory();
  agent = await startInProcessAgent({
    client: t.server.client.as("kubelet"),
    runtime: fakeRuntimeFactory({ completionSeconds: 0.2 }),
    nodeName: "node-a",
    machine: TEST_MACHINE,
    log: silentLogger,
    timings: { leaseRenewMs: 200, statusCheckMs: 100, statusReportMs: 1000 },
    streams: local,
  });
  const endpoint = await serveNodeOverHttps(t, "node-a", local.local("node-a")!);
  kubelet = endpoint.kubelet;
  servingCa = endpoint.servingCa;
  await runningPod(t, "far", [{ name: "main" }]);
  await runningPod(t, "far-web", [{ name: "httpd" }], "default", { [HTTP_PORTS_ANNOTATION]: "8080", [HTTP_BODY_ANNOTATION]: "far-away-pod\n" });
}, 60_000);

afterAll(async () => {
  ipam.abort();
  await kubelet?.close();
  await agent?.stop();
  await t?.stop();
});

describe("a node reached over HTTPS", () => {
  it("serves logs, exec with stdin and exit codes, and stats", async () => {
    expect(await t.kubectlOk("logs", "far")).toContain("container main started");
    expect(await t.kubectlOk("exec", "far", "--", "hostname")).toBe("far");
    const piped = await new Promise<string>((resolve) => {
      const child = spawn("kubectl", ["exec", "-i", "far", "--", "cat"], { env: { ...process.env, KUBECONFIG: t.kubeconfigPath } });
      let text = "";
      child.stdout.on("data", (d: Buffer) => (text += d.toString()));
      const timer = setTimeout(() => child.kill(), 15_000);
      child.on("exit", () => (clearTimeout(timer), resolve(text)));
      child.stdin.end("over the wire\n");
    });
    expect(piped).toBe("over the wire\n");
    expect((await t.kubectl("exec", "far", "--", "sh", "-c", "exit 7")).code).toBe(7);
    // kubectl over SPDY/3.1 to the API server, which speaks WebSocket to the kubelet.
    const spdy = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn("kubectl", ["exec", "far", "--", "sh", "-c", "echo via-spdy; exit 5"], { env: { ...process.env, KUBECONFIG: t.kubeconfigPath, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" } });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => child.kill(), 15_000);
      child.on("exit", (code) => (clearTimeout(timer), resolve({ code, out })));
    });
    expect(spdy).toEqual({ code: 5, out: "via-spdy\n" });
    const missing = await t.kubectl("exec", "far", "--", "nope");
    expect(missing.code).toBe(127);
    expect(await t.kubectlOk("top", "pods")).toMatch(/far\s+\d+m\s+4Mi/);
    expect(await t.kubectlOk("top", "nodes")).toMatch(/node-a\s+\d+m/);
  });

  it("forwards ports through the kubelet (WebSocket and SPDY from kubectl), and says why a port fails", async () => {
    const env = { KUBECONFIG: t.kubeconfigPath, KUBECACHEDIR: `${t.dir}/kube-cache` };
    for (const extra of [{}, { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" }]) {
      const f = await startPortForward(["pod/far-web", ":8080"], { ...env, ...extra });
      try {
        expect(await httpGet(f.localPort)).toEqual({ status: 200, body: "far-away-pod\n" });
        const all = await Promise.all(Array.from({ length: 4 }, () => httpGet(f.localPort)));
        expect(all.map((r) => r.body)).toEqual(Array(4).fill("far-away-pod\n"));
      } finally {
        await f.stop();
      }
    }
    const refused = await startPortForward(["pod/far-web", ":7777"], env);
    try {
      await expect(httpGet(refused.localPort)).rejects.toThrow();
      const deadline = Date.now() + 10_000;
      while (!/error forwarding port 7777/.test(refused.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      // One prefix (the API server's), the kubelet's reason after it.
      expect(refused.output()).toMatch(/error forwarding port 7777 to pod far-web_default, uid [0-9a-f-]+: failed to connect to localhost:7777 .*connection refused/);
    } finally {
      await refused.stop();
    }
  }, 60_000);

  it("refuses callers without the API server's certificate", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`https://127.0.0.1:${kubelet.port}/stats/summary`, { ca: servingCa }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(401);
  });
});
