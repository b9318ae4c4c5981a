/**
 * An in-process agent on the fake runtime against a test server, with short heartbeats and
 * back-off, and a stand-in for the node IPAM controller (which gives each node a /24 from
 * 10.42.0.0/16), so that these tests need no controller written elsewhere.
 */
import { type InProcessAgent, startInProcessAgent } from "../../agent/in-process.ts";
import type { MachineInfo } from "../../agent/kubelet/machine.ts";
import type { NodeJson } from "../../agent/kubelet/types.ts";
import { fakeRuntimeFactory } from "../../agent/runtime/fake/plugin.ts";
import { silentLogger } from "../../plugins/logger.ts";
import type { TestServer } from "../server/harness.ts";

export const TEST_MACHINE: MachineInfo = {
  cpu: 4,
  memoryBytes: 8 * 1024 **3,
  ephemeralStorageBytes: 100 * 1024 **3,
  maxPods: 110,
  os: "linux",
  arch: "amd64",
  osImage: "Debian GNU/Linux 13 (trixie)",
  kernelVersion: "6.12.0-test",
  machineID: "0123456789abcdef0123456789abcdef",
  systemUUID: "0123456789abcdef0123456789abcdef",
  bootID: "boot",
  internalIPs: ["192.0.2.10"],
};

/** Gives every node without one a pod CIDR, as the node IPAM controller would. */
export function assignPodCidrs(t: TestServer, signal: AbortSignal): Promise<void> {
  const client = t.server.client.as("test-node-ipam");
  const nodes = client.informer<NodeJson>({ apiVersion: "v1", resource: "nodes" });
  const used = new Set<number>();
  const assign = (n: NodeJson) => {
    if (n.spec?.podCIDR) return;
    let i = 0;
    while (used.has(i)) i++;
    used.add(i);
    void client.resource<NodeJson>({ apiVersion: "v1", resource: "nodes" })
      .patch(n.metadata.name!, { spec: { podCIDR: `10.42.${i}.0/24`, podCIDRs: [`10.42.${i}.0/24`] } }, { type: "merge" })
      .catch(() => used.delete(i));
  };
  nodes.on({ add: assign, update: (_, n) => assign(n) });
  return nodes.start(signal);
}

export async function startTestAgent(t: TestServer, options: { simulatedNodes?: number; ipam?: boolean; nodeName?: string } = {}): Promise<InProcessAgent & { ipam: AbortController }> {
  const ipam = new AbortController();
  if (options.ipam !== false) await assignPodCidrs(t, ipam.signal);
  const agent = await startInProcessAgent({
    client: t.server.client.as("kubelet"),
    runtime: fakeRuntimeFactory({ completionSeconds: 0.2 }),
    nodeName: options.nodeName ?? "node-a",
    simulatedNodes: options.simulatedNodes,
    controlPlane: true,
    nodeLabels: ["example.com/zone=a"],
    nodeTaints: [],
    machine: TEST_MACHINE,
    log: silentLogger,
    timings: { leaseRenewMs: 200, statusCheckMs: 100, statusReportMs: 1000 },
    backOff: { initialMs: 200, maxMs: 800 },
  });
  return {
    ...agent,
    ipam,
    async stop() {
      ipam.abort();
      await agent.stop();
    },
  };
}
