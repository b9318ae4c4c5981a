/**
 * kubectl logs, exec, attach and top against the API server, with the in-process agent on the
 * fake runtime (its simulated shell: agent/runtime/fake/exec.ts).
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachOutput, startStreamsCluster, runningPod, type StreamsCluster } from "./streams-harness.ts";

let c: StreamsCluster;

beforeAll(async () => {
  c = await startStreamsCluster();
  await runningPod(c.t, "one", [{ name: "main" }]);
  await runningPod(c.t, "two", [{ name: "main", command: ["sh", "-c", "echo main-started"] }, { name: "side" }]);
}, 60_000);

afterAll(async () => {
  await c?.stop();
});

describe("kubectl logs", () => {
  it("shows a container's log", async () => {
    const out = await c.t.kubectlOk("logs", "one");
    expect(out).toContain("container main started");
  });

  it("of a named container, with --tail and --timestamps", async () => {
    expect(await c.t.kubectlOk("logs", "two", "-c", "main")).toContain("main-started");
    await c.t.kubectlOk("exec", "two", "-c", "side", "--", "sh", "-c", "echo a > /proc/1/fd/1; echo b > /proc/1/fd/1");
    expect(await c.t.kubectlOk("logs", "two", "-c", "side", "--tail=1")).toBe("b");
    expect(await c.t.kubectlOk("logs", "two", "-c", "side", "--tail=2")).toBe("a\nb");
    expect(await c.t.kubectlOk("logs", "two", "-c", "main", "--timestamps")).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z .*main-started/);
    // kubectl 1.32 gathers the per-container requests in a Go map, so their order is random.
    const all = await c.t.kubectlOk("logs", "two", "--all-containers");
    expect(all).toContain("main-started");
    expect(all).toContain("container side started");
  });

  it("refuses an unknown container and a missing one in a multi-container pod, as upstream", async () => {
    const r = await c.t.kubectl("logs", "one", "-c", "nope");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("container nope is not valid for pod one");
    const raw = await c.t.request("GET", "/api/v1/namespaces/default/pods/two/log");
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body.toString()).message).toBe("a container name must be specified for pod two, choose one of: [main side]");
  });

  it("says a pod that is not scheduled is waiting to start", async () => {
    await c.t.server.client.resource({ apiVersion: "v1", resource: "pods" }).create({ apiVersion: "v1", kind: "Pod", metadata: { name: "pending", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox:local" }] } });
    const raw = await c.t.request("GET", "/api/v1/namespaces/default/pods/pending/log");
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body.toString()).message).toMatch(/^container "c" in pod "pending" is waiting to start: /);
  });

  it("-f streams new lines (bounded)", async () => {
    const child = spawn("kubectl", ["logs", "-f", "two", "-c", "side", "--tail=1"], { env: { ...process.env, KUBECONFIG: c.t.kubeconfigPath } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const deadline = Date.now() + 10_000;
      while (!out.includes("b") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const line of ["followed-1", "followed-2"]) await c.t.kubectlOk("exec", "two", "-c", "side", "--", "sh", "-c", `echo ${line} > /proc/1/fd/1`);
      while (!out.includes("followed-2") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(out).toBe("b\nfollowed-1\nfollowed-2\n");
    } finally {
      child.kill();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    }
  });
});

describe("kubectl exec", () => {
  it("runs a command and gives its output", async () => {
    expect(await c.t.kubectlOk("exec", "one", "--", "echo", "hello")).toBe("hello");
    expect(await c.t.kubectlOk("exec", "one", "--", "hostname")).toBe("one");
    expect(await c.t.kubectlOk("exec", "one", "--", "ls", "/etc")).toBe("hostname\nhosts\nresolv.conf");
  });

  it("passes stdin through and ends it (v5 close)", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn("kubectl", ["exec", "-i", "one", "--", "cat"], { env: { ...process.env, KUBECONFIG: c.t.kubeconfigPath } });
      let text = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (text += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill(), 15_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(text);
        else reject(new Error(`kubectl exec -i exited ${code}: ${err}`));
      });
      child.stdin.end("piped\nthrough\n");
    });
    expect(out).toBe("piped\nthrough\n");
  });

  it("propagates the exit code and separates stderr", async () => {
    const r = await c.t.kubectl("exec", "one", "--", "sh", "-c", "echo out; echo err >&2; exit 7");
    expect(r.code).toBe(7);
    expect(r.stdout).toContain("out");
    const missing = await c.t.kubectl("exec", "one", "--", "no-such-command");
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain("no-such-command: not found");
  });

  it("writes files that later execs read", async () => {
    await c.t.kubectlOk("exec", "one", "--", "sh", "-c", "mkdir -p /data/x && echo kept > /data/x/f.txt");
    expect(await c.t.kubectlOk("exec", "one", "--", "cat", "/data/x/f.txt")).toBe("kept");
  });

  it("refuses exec into an unknown container and without a WebSocket", async () => {
    const r = await c.t.kubectl("exec", "one", "-c", "nope", "--", "true");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("container nope is not valid for pod one");
    const plain = await c.t.request("POST", "/api/v1/namespaces/default/pods/one/exec?command=true&stdout=true");
    expect(plain.status).toBe(400);
  });
});

describe("kubectl attach", () => {
  it("streams the container's output from now on", async () => {
    const out = await attachOutput(c.t, ["two", "-c", "side"], {}, ["two", "-c", "side", "--", "sh", "-c", "echo attached-line > /proc/1/fd/1"], "attached-line");
    expect(out).toContain("attached-line");
  });
});

describe("kubectl top", () => {
  it("shows node and pod usage from the metrics API", async () => {
    const groups = JSON.parse(await c.t.kubectlOk("get", "--raw", "/apis/metrics.k8s.io/v1beta1"));
    expect(groups.resources.map((r: { name: string }) => r.name).sort()).toEqual(["nodes", "pods"]);
    const nodes = await c.t.kubectlOk("top", "nodes");
    expect(nodes).toMatch(/^NAME\s+CPU\(cores\)\s+CPU(%|\(%\))\s+MEMORY\(bytes\)\s+MEMORY(%|\(%\))/);
    expect(nodes).toMatch(/node-a\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
    const pods = await c.t.kubectlOk("top", "pods");
    expect(pods).toMatch(/one\s+\d+m\s+4Mi/);
    expect(pods).toMatch(/two\s+\d+m\s+8Mi/);
    const containers = await c.t.kubectlOk("top", "pod", "two", "--containers");
    expect(containers).toMatch(/two\s+side\s+\d+m\s+4Mi/);
    const one = JSON.parse(await c.t.kubectlOk("get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/one"));
    expect(one).toMatchObject({ kind: "PodMetrics", apiVersion: "metrics.k8s.io/v1beta1", metadata: { name: "one", namespace: "default" }, containers: [{ name: "main", usage: { memory: "4096Ki" } }] });
  });
});
