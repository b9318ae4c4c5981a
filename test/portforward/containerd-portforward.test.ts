/**
 * kubectl port-forward to busybox httpd in a pod on a real containerd (as root; skipped
 * otherwise), as 30-containers.sh does: kubectl -> API server (SPDY in WebSocket, or SPDY) ->
 * the node's streams -> containerd's stream server -> the pod's network namespace; last, with the
 * node reached over its kubelet HTTPS endpoint, as a joined agent is. The test talks only to
 * kubectl's port on 127.0.0.1.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeletStreams } from "../../agent/kubelet/server/streams.ts";
import type { Pod } from "../../agent/kubelet/types.ts";
import { NODE, type RealKubelet, RealNode, skipReason } from "../agent/kubelet-real/harness.ts";
import { eventually } from "../server/controllers/run-controllers.ts";
import { startTestServer, type TestServer } from "../server/harness.ts";
import { type KubeletEndpoint, serveNodeOverHttps } from "../streams/kubelet-endpoint.ts";

const PODS = { apiVersion: "v1", resource: "pods" };

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/index.html", timeout: 10_000, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

describe.skipIf(skipReason !== "")("port-forward on containerd", { timeout: 60_000 }, () => {
  let t: TestServer;
  let node: RealNode;
  let kubelet: RealKubelet;
  let unregister: () => void;
  let streams: KubeletStreams;
  let endpoint: KubeletEndpoint | undefined;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    await t.server.client.resource({ apiVersion: "v1", resource: "serviceaccounts" }).create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "default" } }).catch(() => {});
    await t.server.client.resource({ apiVersion: "v1", resource: "configmaps" }).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kube-root-ca.crt", namespace: "default" }, data: { "ca.crt": "TEST-CA" } } as never).catch(() => {});
    node = new RealNode();
    await node.start();
    kubelet = await node.kubelet(t.server.client.as("kubelet"));
    streams = new KubeletStreams({ nodeName: NODE, runtime: node.runtime, memoryBytes: 8 * 1024 ** 3, simulated: false });
    unregister = t.server.nodeStreams.register(NODE, streams);
    await t.server.client.resource<Pod>(PODS).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default" },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: "main", image: "busybox:local", imagePullPolicy: "Never",
          command: ["sh", "-c", "mkdir -p /www; echo served-by-pod > /www/index.html; httpd -f -p 8080 -h /www"],
          ports: [{ containerPort: 8080 }],
        }],
      },
    } as Pod);
    await eventually(async () => (await t.server.client.resource<Pod>(PODS).get("web", "default"))?.status?.phase === "Running", "pod web running", 45_000);
  }, 120_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    unregister?.();
    await endpoint?.kubelet.close();
    kubelet?.stop();
    await node?.stop();
    await t?.stop();
  }, 60_000);

  const forward = (env: Record<string, string>) => new Promise<{ port: number; child: ChildProcess; output: () => string }>((resolve, reject) => {
    const child = spawn("kubectl", ["port-forward", "--address", "127.0.0.1", "pod/web", ":8080"], {
      env: { ...process.env, KUBECONFIG: t.kubeconfigPath, KUBECACHEDIR: `${t.dir}/kube-cache`, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let output = "";
    const timer = setTimeout(() => reject(new Error(`kubectl port-forward did not start: ${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child, output: () => output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward exited with ${code}: ${output}`));
    });
  });

  const cases = [
    ["SPDY in WebSocket", {}, false],
    ["direct SPDY", { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" }, false],
    ["through the kubelet's HTTPS endpoint", {}, true],
  ] as const;
  for (const [name, env, overHttps] of cases) {
    it(`serves the pod's httpd (${name})`, async () => {
      if (overHttps && !endpoint) {
        // From now on the node is not in the server's process: its kubelet endpoint is.
        unregister();
        endpoint = await serveNodeOverHttps(t, NODE, streams);
      }
      const f = await forward(env);
      try {
        // httpd may still be starting: a few bounded tries.
        let last: unknown;
        for (let i = 0; i < 20; i++) {
          try {
            const r = await get(f.port);
            if (r.body === "served-by-pod\n") {
              last = undefined;
              break;
            }
            last = r;
          } catch (err) {
            last = err;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
        expect(last, f.output()).toBeUndefined();
        expect(await get(f.port)).toEqual({ status: 200, body: "served-by-pod\n" });
      } finally {
        f.child.kill("SIGTERM");
      }
    });
  }
});
