/**
 * kubectl port-forward against k3ts, for real: kubectl 1.32 tunnels SPDY/3.1 in a WebSocket
 * (`SPDY/3.1+portforward.k8s.io`), and with KUBECTL_PORT_FORWARD_WEBSOCKETS=false upgrades the
 * POST to SPDY/3.1 directly. The pod runs on the fake runtime, whose annotated ports answer
 * HTTP in memory; the test talks to kubectl's local port on 127.0.0.1 only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_BODY_ANNOTATION, HTTP_PORTS_ANNOTATION } from "../../agent/runtime/fake/http-responder.ts";
import { runningPod, type StreamsCluster, startStreamsCluster } from "../streams/streams-harness.ts";
import { type Forward, httpGet, startPortForward } from "./forward-client.ts";

let c: StreamsCluster;

beforeAll(async () => {
  c = await startStreamsCluster();
  await runningPod(c.t, "web", [{ name: "httpd" }], "default", { [HTTP_PORTS_ANNOTATION]: "8080,9090", [HTTP_BODY_ANNOTATION]: "served-by-pod\n" });
}, 60_000);

afterAll(async () => {
  await Promise.all(forwards.map((f) => f.stop()));
  await c?.stop();
});

const forwards: Forward[] = [];

/** `kubectl port-forward` against the test server (forward-client.ts), stopped after all tests. */
async function portForward(args: string[], env: Record<string, string> = {}): Promise<Forward> {
  const f = await startPortForward(args, { KUBECONFIG: c.t.kubeconfigPath, KUBECACHEDIR: `${c.t.dir}/kube-cache`, ...env });
  forwards.push(f);
  return f;
}

const get = httpGet;
const stop = (f: Forward) => f.stop();

describe("kubectl port-forward", () => {
  it("tunnels SPDY in a WebSocket (kubectl 1.32's default) to the pod's port", async () => {
    const f = await portForward(["pod/web", ":8080", "-v=4"]);
    try {
      expect(await get(f.localPort, "/index.html")).toEqual({ status: 200, body: "served-by-pod\n" });
      // client-go's tunneling dialer logs the protocol it negotiated.
      expect(f.output()).toMatch(/negotiated protocol: portforward\.k8s\.io/);
      expect(f.output()).not.toMatch(/fallback to secondary dialer/);
      // Several connections in a row and at once: one SPDY stream pair each, on the same session.
      for (let i = 0; i < 3; i++) expect((await get(f.localPort)).body).toBe("served-by-pod\n");
      const all = await Promise.all(Array.from({ length: 8 }, () => get(f.localPort)));
      expect(all.map((r) => r.body)).toEqual(Array(8).fill("served-by-pod\n"));
    } finally {
      await stop(f);
    }
  }, 60_000);

  it("upgrades the POST to SPDY/3.1 directly without WebSockets", async () => {
    const f = await portForward(["web", ":9090", "-v=4"], { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" });
    try {
      expect(await get(f.localPort)).toEqual({ status: 200, body: "served-by-pod\n" });
      expect(f.output()).not.toMatch(/negotiated protocol/);
      expect((await get(f.localPort)).body).toBe("served-by-pod\n");
    } finally {
      await stop(f);
    }
  }, 60_000);

  it("forwards several ports in one session", async () => {
    const f = await portForward(["pod/web", ":8080", ":9090"]);
    try {
      const ports = [...f.output().matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)];
      // kubectl prints the second line right after the first.
      await new Promise((r) => setTimeout(r, 200));
      const lines = [...f.output().matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)];
      expect(lines.length).toBeGreaterThanOrEqual(Math.max(2, ports.length));
      for (const m of lines) expect((await get(Number(m[1]))).body).toBe("served-by-pod\n");
    } finally {
      await stop(f);
    }
  }, 60_000);

  it("reports a port nothing listens on as upstream's kubelet does, on the error stream", async () => {
    const f = await portForward(["pod/web", ":7777"]);
    try {
      await expect(get(f.localPort)).rejects.toThrow();
      const deadline = Date.now() + 10_000;
      while (!/error forwarding port 7777 to pod web_default/.test(f.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(f.output()).toMatch(/an error occurred forwarding \d+ -> 7777: error forwarding port 7777 to pod web_default, uid [0-9a-f-]+: .*connection refused/);
    } finally {
      await stop(f);
    }
  }, 60_000);

  it("refuses a missing pod with a Status kubectl prints", async () => {
    const r = await c.t.kubectl("port-forward", "pod/nope", "8080");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('pods "nope" not found');
  }, 30_000);

  it("answers a plain request without an upgrade with 400", async () => {
    const r = await c.t.request("POST", "/api/v1/namespaces/default/pods/web/portforward");
    expect(r.status).toBe(400);
    expect(r.body.toString()).toContain("Upgrade request required");
  });
});
