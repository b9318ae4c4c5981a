/**
 * kubectl logs, exec (stdin, exit codes), cp both ways and top on a real containerd with
 * busybox, through the API server and the node's streams (as root; skipped otherwise).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeletStreams } from "../../agent/kubelet/server/streams.ts";
import type { Pod } from "../../agent/kubelet/types.ts";
import { NODE, type RealKubelet, RealNode, skipReason } from "../agent/kubelet-real/harness.ts";
import { eventually } from "../server/controllers/run-controllers.ts";
import { startTestServer, type TestServer } from "../server/harness.ts";

const PODS = { apiVersion: "v1", resource: "pods" };

describe.skipIf(skipReason !== "")("streams on containerd", { timeout: 60_000 }, () => {
  let t: TestServer;
  let node: RealNode;
  let kubelet: RealKubelet;
  let unregister: () => void;
  const tmp = mkdtempSync("/tmp/k3ts-streams-");

  beforeAll(async () => {
    t = await startTestServer();
    // What controllers would make: the default ServiceAccount and the root CA ConfigMap.
    await t.server.client.resource({ apiVersion: "v1", resource: "serviceaccounts" }).create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "default" } }).catch(() => {});
    await t.server.client.resource({ apiVersion: "v1", resource: "configmaps" }).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kube-root-ca.crt", namespace: "default" }, data: { "ca.crt": "TEST-CA" } } as never).catch(() => {});
    node = new RealNode();
    await node.start();
    kubelet = await node.kubelet(t.server.client.as("kubelet"));
    unregister = t.server.nodeStreams.register(NODE, new KubeletStreams({ nodeName: NODE, runtime: node.runtime, memoryBytes: 8 * 1024 ** 3, simulated: false }));
    await t.server.client.resource<Pod>(PODS).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "bb", namespace: "default" },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: "main", image: "busybox:local", imagePullPolicy: "Never", command: ["sh", "-c", "echo main-started; mkdir -p /data; sleep 3600"] },
          { name: "ticker", image: "busybox:local", imagePullPolicy: "Never", command: ["sh", "-c", "while true; do date; sleep 1; done"] },
        ],
      },
    } as Pod);
    let last: Pod | null | undefined;
    await eventually(async () => (last = await t.server.client.resource<Pod>(PODS).get("bb", "default"))?.status?.phase === "Running", "pod bb running", 45_000)
      .catch((err) => {
        throw new Error(`${(err as Error).message}; status: ${JSON.stringify(last?.status)}`);
      });
  }, 120_000);

  afterAll(async () => {
    unregister?.();
    kubelet?.stop();
    await node?.stop();
    await t?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it("logs of a named container, --tail, --timestamps, -f", async () => {
    expect(await t.kubectlOk("logs", "bb", "-c", "main")).toContain("main-started");
    await eventually(async () => (await t.kubectlOk("logs", "bb", "-c", "ticker")).split("\n").length >= 2, "two ticks", 10_000);
    expect((await t.kubectlOk("logs", "bb", "-c", "ticker", "--tail=1")).split("\n")).toHaveLength(1);
    expect(await t.kubectlOk("logs", "bb", "-c", "main", "--timestamps")).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const child = spawn("kubectl", ["logs", "-f", "bb", "-c", "ticker", "--tail=1"], { env: { ...process.env, KUBECONFIG: t.kubeconfigPath } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 8000;
    while (out.split("\n").filter(Boolean).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill();
    expect(out.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(3);
  });

  it("exec: output, hostname, stdin, exit code", async () => {
    expect(await t.kubectlOk("exec", "bb", "-c", "main", "--", "hostname")).toBe("bb");
    const piped = await new Promise<string>((resolve) => {
      const child = spawn("sh", ["-c", `echo piped | kubectl exec -i bb -c main -- cat`], { env: { ...process.env, KUBECONFIG: t.kubeconfigPath } });
      let text = "";
      child.stdout.on("data", (d: Buffer) => (text += d.toString()));
      const timer = setTimeout(() => child.kill(), 15_000);
      child.on("exit", () => (clearTimeout(timer), resolve(text.trim())));
    });
    expect(piped).toBe("piped");
    expect((await t.kubectl("exec", "bb", "-c", "main", "--", "sh", "-c", "exit 7")).code).toBe(7);
  });

  it("kubectl cp both ways", async () => {
    writeFileSync(join(tmp, "in.txt"), "copied-in\n");
    await t.kubectlOk("cp", join(tmp, "in.txt"), "default/bb:/data/in.txt", "-c", "main");
    expect(await t.kubectlOk("exec", "bb", "-c", "main", "--", "cat", "/data/in.txt")).toBe("copied-in");
    await t.kubectlOk("cp", "default/bb:/data/in.txt", join(tmp, "out.txt"), "-c", "main");
    expect(readFileSync(join(tmp, "out.txt"), "utf8")).toBe("copied-in\n");
  });

  it("kubectl top pods", async () => {
    const out = await t.kubectlOk("top", "pods");
    expect(out).toMatch(/bb\s+\d+m\s+\d+Mi/);
    expect(await t.kubectlOk("top", "nodes")).toMatch(new RegExp(`${NODE}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
  });
});
