/**
 * kubectl exec and attach over SPDY/3.1 (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false: kubectl 1.32
 * then upgrades the POST to SPDY/3.1 with v4.channel.k8s.io), on the fake runtime's simulated
 * shell: stdout and stderr apart, stdin with its end, a tty (kubectl under `script`, which gives
 * it a terminal), exit codes from the v4 Status, and attach.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachOutput, runningPod, type StreamsCluster, startStreamsCluster } from "./streams-harness.ts";

let c: StreamsCluster;

beforeAll(async () => {
  c = await startStreamsCluster();
  await runningPod(c.t, "one", [{ name: "main" }]);
}, 60_000);

afterAll(async () => {
  await c?.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with kubectl's SPDY streams forced; bounded by `timeoutMs`. */
function runSpdy(command: string, args: string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { ...process.env, KUBECONFIG: c.t.kubeconfigPath, KUBECACHEDIR: `${c.t.dir}/kube-cache`, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

const kubectl = (args: string[], options?: { stdin?: string; timeoutMs?: number }) => runSpdy("kubectl", ["-v=6", ...args], options);

describe("kubectl exec over SPDY/3.1", () => {
  it("upgrades to SPDY and gives the command's output", async () => {
    const r = await kubectl(["exec", "one", "--", "echo", "hello"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("hello\n");
    // kubectl logs the upgrade it made: a POST answered 101, not a WebSocket GET.
    expect(r.stderr).toMatch(/POST https:\/\/[^ ]+\/api\/v1\/namespaces\/default\/pods\/one\/exec\?[^ ]* 101 Switching Protocols/);
  });

  it("passes stdin through and ends it", async () => {
    const r = await kubectl(["exec", "-i", "one", "--", "cat"], { stdin: "piped\nover spdy\n" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("piped\nover spdy\n");
  });

  it("carries more than a SPDY window (64 KiB) each way", async () => {
    const big = Array.from({ length: 6000 }, (_, i) => `line ${i} ${"x".repeat(40)}\n`).join("");
    expect(big.length).toBeGreaterThan(4 * 64 * 1024);
    const r = await kubectl(["exec", "-i", "one", "--", "cat"], { stdin: big, timeoutMs: 30_000 });
    expect(r.code, r.stderr.slice(-500)).toBe(0);
    expect(r.stdout.length).toBe(big.length);
    expect(r.stdout === big).toBe(true);
  }, 40_000);

  it("propagates the exit code (v4 Status) and separates stderr", async () => {
    const r = await kubectl(["exec", "one", "--", "sh", "-c", "echo out; exit 7"]);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toContain("command terminated with exit code 7");
    // The simulated shell writes its complaint on stderr: it must arrive there, not on stdout.
    const missing = await kubectl(["exec", "one", "--", "no-such-command"]);
    expect(missing.code).toBe(127);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toContain("no-such-command: not found");
  });

  it("runs with a tty (stdin a terminal: kubectl under script)", async () => {
    // `script` gives kubectl a pseudo-terminal; its -e returns kubectl's exit code.
    const line = "kubectl exec -it one -- sh -c 'echo in-a-tty; exit 3'";
    const r = await runSpdy("script", ["-q", "-e", "-c", line, "/dev/null"], { timeoutMs: 20_000 });
    expect(r.stdout).toContain("in-a-tty\r\n");
    expect(r.stdout).not.toContain("Unable to use a TTY");
    expect(r.code).toBe(3);
  });

  it("refuses a SPDY upgrade without a protocol version, or with none we speak", async () => {
    const none = await c.t.request("POST", "/api/v1/namespaces/default/pods/one/exec?command=true&stdout=true", { headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1" } });
    // Node answers upgrade requests itself: without the header it is 400, as upstream's Handshake.
    expect(none.status).toBe(400);
    expect(JSON.parse(none.body.toString()).message).toBe("unable to upgrade: X-Stream-Protocol-Version is required");
    const other = await c.t.request("POST", "/api/v1/namespaces/default/pods/one/exec?command=true&stdout=true", {
      headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": "v9.channel.k8s.io" },
    });
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body.toString()).message).toMatch(/^unable to upgrade: unable to negotiate protocol: client supports \[v9\.channel\.k8s\.io\]/);
  });
});

describe("kubectl attach over SPDY/3.1", () => {
  it("streams the container's output from now on", async () => {
    const env = { KUBECACHEDIR: `${c.t.dir}/kube-cache`, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" };
    const out = await attachOutput(c.t, ["one"], env, ["one", "--", "sh", "-c", "echo attached-over-spdy > /proc/1/fd/1"], "attached-over-spdy");
    expect(out).toContain("attached-over-spdy");
  });
});
