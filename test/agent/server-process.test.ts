/**
 * `k3ts server --runtime fake --simulated-nodes 3` as a real process: this host's node and three
 * simulated ones register, get pod CIDRs from the node IPAM controller, and become Ready, each
 * with its own Lease; kubectl sees them.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listenFlags, nodeCommand, start } from "../cli/spawn.ts";
import { eventually } from "../server/controllers/run-controllers.ts";

function kubectl(kubeconfig: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("kubectl", ["--request-timeout=10s", ...args], { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}: ${stderr}`));
      else resolve(String(stdout));
    });
  });
}

describe("k3ts server with the in-process agent", () => {
  it("--runtime fake --simulated-nodes 3 yields four Ready nodes with their own Leases", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "k3ts-agent-"));
    const manifest = join(dataDir, "config.yaml");
    writeFileSync(manifest, "");
    const k3ts = start(nodeCommand(["server", "--data-dir", dataDir, "--config", manifest, "--log-format", "json", ...(await listenFlags()),
      "--runtime", "fake", "--simulated-nodes", "3", "--node-name", "host-1", "--node-label", "example.com/rack=r1"]));
    try {
      await k3ts.waitForLine(/k3ts server is up/);
      const kubeconfig = join(dataDir, "server", "cred", "admin.kubeconfig");
      const ready = await eventually(async () => {
        const out = await kubectl(kubeconfig, "get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}");
        const lines = out.trim().split("\n").filter(Boolean).sort();
        return lines.length === 4 && lines.every((l) => l.endsWith("=True")) ? lines : undefined;
      }, "four Ready nodes", 60_000);
      expect(ready).toEqual(["host-1-sim-1=True", "host-1-sim-2=True", "host-1-sim-3=True", "host-1=True"]);
      const roles = await kubectl(kubeconfig, "get", "nodes", "--no-headers");
      expect(roles).toMatch(/^host-1\s+Ready\s+control-plane,master\s/m);
      expect(await kubectl(kubeconfig, "get", "node", "host-1", "-o", "jsonpath={.metadata.labels.example\\.com/rack}")).toBe("r1");
      const leases = await kubectl(kubeconfig, "get", "lease", "-n", "kube-node-lease", "-o", "jsonpath={.items[*].metadata.name}");
      expect(leases.split(" ").sort()).toEqual(["host-1", "host-1-sim-1", "host-1-sim-2", "host-1-sim-3"]);
    } finally {
      k3ts.child.kill("SIGTERM");
      const exit = await k3ts.exited();
      expect(exit.code).toBe(0);
    }
  }, 90_000);
});
