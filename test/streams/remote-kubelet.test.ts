/**
 * The API server reaching a node's kubelet over HTTPS (agent/kubelet/server/https.ts and
 * streams/remote.ts): the node's streams are not registered in-process, so kubectl logs, exec
 * and top go to the kubelet endpoint with the API server's client certificate; the kubelet
 * refuses other callers.
 */
import { spawn } from "node:child_process";
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InProcessAgent, startInProcessAgent } from "../../agent/in-process.ts";
import { KUBELET_API_CLIENT, type RunningKubeletServer, startKubeletServer } from "../../agent/kubelet/server/https.ts";
import { fakeRuntimeFactory } from "../../agent/runtime/fake/plugin.ts";
import { silentLogger } from "../../plugins/logger.ts";
import { certificatePem, issueCertificate, parseCertificatePem } from "../../server/auth/certificates.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../../server/auth/keys.ts";
import { NodeStreamsDirectory } from "../../streams/mod.ts";
import { remoteNodeStreams } from "../../streams/remote.ts";
import { assignPodCidrs, TEST_MACHINE } from "../agent/agent-harness.ts";
import { startTestServer, type TestServer } from "../server/harness.ts";
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
  const pki = t.server.pki;
  const keys = await generateKeyPair();
  const serving = await issueCertificate({
    ca: { certificate: parseCertificatePem(pki.serverCa.certPem), keys: pki.serverCa.keys },
    publicKey: keys.publicKey,
    commonName: "system:node:node-a",
    usage: "server",
    sans: { dnsNames: ["node-a"], ipAddresses: ["127.0.0.1"] },
    now: new Date(),
    days: 1,
  });
  servingCa = pki.serverCa.certPem;
  kubelet = await startKubeletServer({ streams: local.local("node-a")!, cert: certificatePem(serving), key: await exportPrivateKeyPem(keys.privateKey), clientCa: pki.clientCa.certPem, port: 0, hostname: "127.0.0.1" });
  const client = await pki.issueClientCertificate(KUBELET_API_CLIENT, ["system:masters"]);
  t.server.nodeStreams.remote = remoteNodeStreams({ cert: client.certPem, key: client.keyPem, kubeletCa: servingCa, address: "127.0.0.1", port: kubelet.port });
  await runningPod(t, "far", [{ name: "main" }]);
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
    const missing = await t.kubectl("exec", "far", "--", "nope");
    expect(missing.code).toBe(127);
    expect(await t.kubectlOk("top", "pods")).toMatch(/far\s+\d+m\s+4Mi/);
    expect(await t.kubectlOk("top", "nodes")).toMatch(/node-a\s+\d+m/);
  });

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
