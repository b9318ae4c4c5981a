/**
 * A test server with an in-process agent on the fake runtime whose nodes register their streams
 * with the server (logs, exec, attach, stats without the network), and pods bound to its node.
 */
import { spawn } from "node:child_process";
import { type InProcessAgent, startInProcessAgent } from "../../agent/in-process.ts";
import type { Pod } from "../../agent/kubelet/types.ts";
import { fakeRuntimeFactory } from "../../agent/runtime/fake/plugin.ts";
import { silentLogger } from "../../plugins/logger.ts";
import { assignPodCidrs, TEST_MACHINE } from "../agent/agent-harness.ts";
import { eventually } from "../server/controllers/run-controllers.ts";
import { startTestServer, type TestServer } from "../server/harness.ts";

export const PODS = { apiVersion: "v1", resource: "pods" };

export interface StreamsCluster {
  t: TestServer;
  agent: InProcessAgent;
  stop(): Promise<void>;
}

export async function startStreamsCluster(options: { simulatedNodes?: number } = {}): Promise<StreamsCluster> {
  const t = await startTestServer();
  const ipam = new AbortController();
  await assignPodCidrs(t, ipam.signal);
  const agent = await startInProcessAgent({
    client: t.server.client.as("kubelet"),
    runtime: fakeRuntimeFactory({ completionSeconds: 0.2 }),
    nodeName: "node-a",
    simulatedNodes: options.simulatedNodes,
    controlPlane: true,
    machine: TEST_MACHINE,
    log: silentLogger,
    timings: { leaseRenewMs: 200, statusCheckMs: 100, statusReportMs: 1000 },
    backOff: { initialMs: 200, maxMs: 800 },
    streams: t.server.nodeStreams,
  });
  return {
    t,
    agent,
    async stop() {
      ipam.abort();
      await agent.stop();
      await t.stop();
    },
  };
}

/** Creates a pod on node-a and waits until it runs. */
export async function runningPod(t: TestServer, name: string, containers: { name: string; command?: string[] }[], namespace = "default", annotations: Record<string, string> = {}): Promise<Pod> {
  const pods = t.server.client.resource<Pod>(PODS);
  await pods.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, annotations },
    spec: { nodeName: "node-a", terminationGracePeriodSeconds: 1, containers: containers.map((c) => ({ image: "busybox:local", imagePullPolicy: "IfNotPresent", command: c.command ?? ["sleep", "3600"], ...c })) },
  } as Pod);
  let pod: Pod | undefined;
  await eventually(async () => {
    pod = (await pods.get(name, namespace)) ?? undefined;
    return pod?.status?.phase === "Running";
  }, `pod ${name} running`, 15_000);
  return pod!;
}

/**
 * Runs `kubectl attach <args>` and, once it is attached, `kubectl exec <execArgs>` (which should
 * write `marker` to the attached container's stdout); resolves to everything attach printed
 * within 8 s of that write, which the caller checks for the marker.
 */
export async function attachOutput(t: TestServer, args: string[], env: Record<string, string>, execArgs: string[], marker: string): Promise<string> {
  const child = spawn("kubectl", ["attach", ...args], { env: { ...process.env, KUBECONFIG: t.kubeconfigPath, ...env } });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  try {
    await new Promise((r) => setTimeout(r, 1500));
    await t.kubectlOk("exec", ...execArgs);
    const deadline = Date.now() + 8000;
    while (!out.includes(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return out;
  } finally {
    child.kill();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  }
}
