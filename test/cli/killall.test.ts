/**
 * `k3ts killall` against a real node: `k3ts server --runtime containerd` (as root) runs a pod with
 * two containers and a Memory emptyDir, then killall — with the server still running — must stop
 * the server, the pod's containers and shim, containerd, remove the pod's network namespace, the
 * mounts under the data dir, the bridge, the masquerade chain and the IP leases; a second run has
 * nothing left to do.
 *
 * Network safety: the server (and so containerd, CNI and iptables) and killall run inside a
 * network namespace of the test's own (nsenter --net: only the network namespace changes), which
 * has only loopback; the pod and Service CIDRs exist only there. The image is local
 * (imagePullPolicy Never) and the default registry endpoint is off, so nothing is pulled.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listProcesses } from "../../agent/processes.ts";
import { mountsUnder } from "../../agent/killall/mounts.ts";
import { Namespaces, networkSkipReason, sh, suffix } from "../cni/netns.ts";
import { freePort, repo, run, type Running, start } from "./spawn.ts";

const skipReason = networkSkipReason(["/usr/bin/containerd", "/usr/bin/nsenter", "/usr/sbin/iptables"]);
if (skipReason) console.warn(`killall tests skipped: ${skipReason}`);

const POD = `apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: a, image: busybox:local, imagePullPolicy: Never, command: [sleep, "3600"]}
  - {name: b, image: busybox:local, imagePullPolicy: Never, command: [sleep, "3600"], volumeMounts: [{name: scratch, mountPath: /scratch}]}
  volumes: [{name: scratch, emptyDir: {medium: Memory}}]
`;

/** A pod in the node's own network namespace (which, in these tests, has a name of its own). */
const HOST_NETWORK_POD = `apiVersion: v1
kind: Pod
metadata: {name: host-sleeper}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - {name: a, image: busybox:local, imagePullPolicy: Never, command: [sleep, "3601"]}
`;

/**
 * A k3ts server on containerd in a network namespace of its own, running POD; `k3ts(args)` runs
 * the CLI in that namespace. `close` cleans up whatever a test left.
 */
function containerdNode() {
  const namespaces = new Namespaces();
  const ns = `k3k-${suffix()}`;
  const inNetns = (argv: string[]) => ["nsenter", `--net=/run/netns/${ns}`, ...argv];
  const k3ts = (args: string[]) => inNetns([process.execPath, resolve(repo, "bin/k3ts.js"), ...args]);
  // Short: containerd's socket lives under it, and unix socket paths hold at most 107 bytes.
  const dataDir = mkdtempSync("/tmp/k3ka-");
  const node = {
    ns,
    k3ts,
    dataDir,
    socket: join(dataDir, "agent/containerd/containerd.sock"),
    server: undefined as unknown as Running,
    kubectl(input: string | undefined, ...args: string[]): string {
      const [command, ...rest] = inNetns(["kubectl", "--kubeconfig", join(dataDir, "kubeconfig"), ...args]);
      return execFileSync(command!, rest, { encoding: "utf8", input, timeout: 120_000 });
    },
    /** Starts the server and runs POD and the `extra` pods until Ready. */
    async open(extra: Record<string, string> = {}): Promise<void> {
      namespaces.add(ns);
      node.server = start(k3ts([
        "server", "--runtime", "containerd", "--data-dir", dataDir, "--write-kubeconfig", join(dataDir, "kubeconfig"),
        "--bind-address", "127.0.0.1", "--https-listen-port", String(await freePort()),
        "--cluster-cidr", "10.253.0.0/16", "--service-cidr", "10.254.0.0/16", "--cluster-dns", "10.254.0.10",
        "--disable-default-registry-endpoint", "--log-format", "json",
      ]));
      await node.server.waitForLine(/k3ts server is up/, 90_000);
      for (let i = 0; i < 120 && !/\bReady\b/.test(node.kubectl(undefined, "get", "nodes", "--no-headers")); i++) await new Promise((r) => setTimeout(r, 500));
      for (const [name, manifest] of Object.entries({ sleeper: POD, ...extra })) {
        node.kubectl(manifest, "apply", "-f", "-");
        node.kubectl(undefined, "wait", "--for=condition=Ready", `pod/${name}`, "--timeout=90s");
      }
    },
    async close(): Promise<void> {
      if (node.server && node.server.child.exitCode === null) node.server.child.kill("SIGKILL");
      await run(k3ts(["killall", "--data-dir", dataDir]));
      namespaces.deleteAll();
      if (mountsUnder(dataDir).length === 0) rmSync(dataDir, { recursive: true, force: true });
    },
    /** The shims serving this node's socket and the pod's two `sleep` processes under them. */
    podProcesses() {
      const all = listProcesses();
      const shims = all.filter((p) => p.argv[0]?.includes("containerd-shim") && p.argv.includes(node.socket));
      const sleepers = all.filter((p) => p.argv.join(" ") === "sleep 3600" && shims.some((s) => s.pid === p.ppid));
      return { shims, sleepers };
    },
  };
  return node;
}

describe.skipIf(skipReason !== "")("k3ts killall on a containerd node", { timeout: 180_000 }, () => {
  const node = containerdNode();
  const { ns, k3ts, dataDir } = node;
  beforeAll(() => node.open());
  afterAll(() => node.close());

  it("stops the running server, the pod and containerd, and removes the pod network and mounts", async () => {
    // What the node holds before: a shim serving our socket with the pod's processes under it,
    // the pod's network namespace, mounts under the data dir, the bridge and the chain.
    const { shims, sleepers } = node.podProcesses();
    expect(shims.length).toBeGreaterThan(0);
    expect(sleepers).toHaveLength(2);
    const podNetns = sh(["ip", "netns", "identify", String(sleepers[0]!.pid)]).trim();
    expect(podNetns).toMatch(/^cni-/);
    expect(mountsUnder(dataDir).length).toBeGreaterThan(0);
    expect(sh(["ip", "-br", "link", "show", "cni0"], ns)).toContain("cni0");
    expect(sh(["iptables", "-t", "nat", "-S"], ns)).toContain("K3TS-POSTROUTING");
    expect(existsSync(join(dataDir, "agent/cni/networks"))).toBe(true);

    const result = await run(k3ts(["killall", "--data-dir", dataDir]), {});
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`stopping k3ts (pid ${node.server.child.pid})`);
    // The server stops on TERM, without needing KILL.
    expect(result.stdout).not.toMatch(/killed/);
    expect(result.stdout).toContain("removed 1 pod sandbox");
    expect(result.stdout).toContain("deleted bridge cni0");
    expect(result.stdout).toContain("removed iptables chain K3TS-POSTROUTING");
    expect(result.stdout).toContain("k3ts killall: done");

    const exit = await node.server.exited(10_000);
    expect(exit.code).toBe(0);
    const left = listProcesses();
    expect(left.filter((p) => p.argv.some((arg) => arg.startsWith(dataDir)))).toEqual([]);
    for (const p of [...shims, ...sleepers]) expect(left.some((l) => l.pid === p.pid)).toBe(false);
    expect(sh(["ip", "netns", "list"])).not.toContain(podNetns);
    expect(mountsUnder(dataDir)).toEqual([]);
    expect(sh(["ip", "-br", "link"], ns).trim()).toMatch(/^lo\s/);
    expect(sh(["iptables", "-t", "nat", "-S"], ns)).not.toContain("K3TS");
    expect(existsSync(join(dataDir, "agent/cni/networks"))).toBe(false);
    // The data dir itself stays: the datastore is where it was.
    expect(existsSync(join(dataDir, "server/db/state.db"))).toBe(true);
  });

  it("has nothing left to do the second time", async () => {
    const result = await run(k3ts(["killall", "-d", dataDir]));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).not.toContain("stopping k3ts");
    expect(result.stdout).toContain("removed 0 pod sandboxes");
    expect(result.stdout).not.toContain("deleted bridge");
    expect(result.stdout).not.toContain("unmounted");
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(dataDir);
  });
});

describe.skipIf(skipReason !== "")("k3ts killall when containerd cannot be started again", { timeout: 180_000 }, () => {
  const node = containerdNode();
  beforeAll(() => node.open({ "host-sleeper": HOST_NETWORK_POD }));
  afterAll(() => node.close());

  it("kills the shims' process trees and deletes the pods' network namespaces and the bridge itself", async () => {
    // The server stops as a service does; its pods run on in their shims (as with k3s).
    node.server.child.kill("SIGTERM");
    expect((await node.server.exited(30_000)).code).toBe(0);
    const { shims, sleepers } = node.podProcesses();
    expect(sleepers).toHaveLength(2);
    const podNetns = sh(["ip", "netns", "identify", String(sleepers[0]!.pid)]).trim();
    expect(podNetns).toMatch(/^cni-/);
    const hostPod = listProcesses().find((p) => p.argv.join(" ") === "sleep 3601");
    expect(hostPod && sh(["ip", "netns", "identify", String(hostPod.pid)]).trim()).toBe(node.ns);
    // containerd cannot come back: its config is gone (as when the data dir was deleted).
    rmSync(join(node.dataDir, "agent/containerd/config.toml"));

    const result = await run(node.k3ts(["killall", "--data-dir", node.dataDir]));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`killing containerd-shim (pid ${shims[0]!.pid}) and its containers`);
    expect(result.stdout).toContain(`deleted network namespace ${podNetns}`);
    expect(result.stdout).toContain("deleted bridge cni0");
    const left = listProcesses();
    for (const p of [...shims, ...sleepers]) expect(left.some((l) => l.pid === p.pid)).toBe(false);
    expect(sh(["ip", "netns", "list"])).not.toContain(podNetns);
    // The hostNetwork pod's namespace is the node's own: its processes go, its name stays.
    expect(left.some((l) => l.pid === hostPod!.pid)).toBe(false);
    expect(sh(["ip", "netns", "list"])).toContain(node.ns);
    expect(sh(["ip", "-br", "link"], node.ns).trim()).toMatch(/^lo\s/);
    expect(sh(["iptables", "-t", "nat", "-S"], node.ns)).not.toContain("K3TS");
    expect(mountsUnder(node.dataDir)).toEqual([]);
  });
});

describe("k3ts killall: the command line", () => {
  it("refuses an unknown flag, naming it", async () => {
    const result = await run([process.execPath, resolve(repo, "bin/k3ts.js"), "killall", "--datadir", "/tmp/x"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('k3ts killall: unknown flag "--datadir"');
  });

  it("looks only for what a data dir that does not exist left behind", async () => {
    const k3ts = [process.execPath, resolve(repo, "bin/k3ts.js"), "killall", "--data-dir=/tmp/k3ts-killall-no-such-dir"];
    if (process.getuid?.() !== 0) {
      const result = await run(k3ts);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("k3ts killall: must run as root");
      return;
    }
    // In a namespace of its own with an empty cni0 (as a deleted node leaves it): the default
    // bridge is deleted once nothing is attached to it, and the masquerade chain with it.
    const namespaces = new Namespaces();
    const ns = namespaces.add(`k3k-${suffix()}`);
    try {
      sh(["ip", "link", "add", "cni0", "type", "bridge"], ns);
      sh(["iptables", "-t", "nat", "-N", "K3TS-POSTROUTING"], ns);
      const result = await run(["nsenter", `--net=/run/netns/${ns}`, ...k3ts]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain("/tmp/k3ts-killall-no-such-dir does not exist: looking only for processes and pod networks it left");
      expect(result.stdout).toContain("deleted bridge cni0");
      expect(result.stdout).toContain("k3ts killall: done");
      expect(sh(["ip", "-br", "link"], ns).trim()).toMatch(/^lo\s/);
      expect(sh(["iptables", "-t", "nat", "-S"], ns)).not.toContain("K3TS");
    } finally {
      namespaces.deleteAll();
    }
  });

  it("is listed in the top-level help", async () => {
    const result = await run([process.execPath, resolve(repo, "bin/k3ts.js"), "--help"]);
    expect(result.stdout).toMatch(/killall\s+Stop this node's k3ts/);
  });
});
