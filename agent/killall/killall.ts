/**
 * `k3ts killall`, after k3s's k3s-killall.sh: ends everything a k3ts node left running for one
 * data dir, so that the machine is as it was before the node started — the data dir itself
 * (datastore, images, certificates) is kept. In order:
 *
 *  1. the k3ts process running this data dir's containerd (found as that containerd's parent),
 *     stopped with TERM like a service stop, so that it restarts nothing behind our back;
 *  2. every pod sandbox, stopped and removed through CRI — containerd runs the CNI DEL that
 *     takes each pod's veth, IP lease, hostPort rules and network namespace with it (k3s deletes
 *     every `cni-*` namespace on the machine instead; asking containerd touches only ours).
 *     A containerd is started on the node's own config for this when none runs;
 *  3. that containerd, and any shim still serving this data dir's socket, with its containers
 *     and the network namespaces they are in (when CRI could not remove them: the data dir was
 *     deleted, containerd cannot start);
 *  4. every mount under the data dir (volumes, root file systems, sandboxes' /dev/shm);
 *  5. the pod bridge of the data dir's CNI config (only once no interface is attached to it;
 *     cni0 when the data dir is gone), the K3TS-POSTROUTING masquerade chain, and the
 *     host-local IP leases.
 *
 * Linux and root only, as the containerd runtime is.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { HostCommands } from "../../cni/host-commands.ts";
import { bridgePaths } from "../../cni/bridge/bridge-cni.ts";
import { DEFAULT_BRIDGE } from "../../cni/bridge/conflist.ts";
import { MASQUERADE_CHAIN, removeMasquerade } from "../../cni/bridge/masquerade.ts";
import type { CriClient } from "../runtime/containerd/cri-client.ts";
import { containerdOfPidFile, launcherPaths, waitForCri } from "../runtime/containerd/launcher.ts";
import { containerdPaths } from "../runtime/containerd/plugin.ts";
import { mountsUnder } from "./mounts.ts";
import { bridgesOfNetns, namedNetnsOf } from "./pod-netns.ts";
import { descendantsOf, killTree, listProcesses, readProcess, stopProcess } from "../processes.ts";

export interface KillallOptions {
  dataDir: string;
  /** One line per thing done or not done. */
  report(line: string): void;
  /** The containerd binary, when one must be started to reach the sandboxes (default: on PATH). */
  containerdBinary?: string;
  /** How long the k3ts process and containerd get after TERM (default 30 s and 10 s). */
  k3tsGraceMs?: number;
  containerdGraceMs?: number;
}

/** Runs every step; resolves to false when some step failed (each failure was reported). */
export async function killall(options: KillallOptions): Promise<boolean> {
  const { report } = options;
  // A data dir deleted under a running node still names its containerd's socket, which its
  // shims serve: those (and their pods' network namespaces) are still found and ended.
  const exists = existsSync(options.dataDir);
  const dataDir = exists ? realpathSync(options.dataDir) : resolve(options.dataDir);
  if (!exists) report(`${dataDir} does not exist: looking only for processes and pod networks it left`);
  const containerd = launcherPaths(containerdPaths(dataDir).containerdDir);
  let ok = true;
  const failed = (what: string, error: unknown) => {
    ok = false;
    report(`failed to ${what}: ${error instanceof Error ? error.message : String(error)}`);
  };

  // 1. The k3ts process: the parent of the containerd it launched (its pid file names it).
  const running = containerdOfPidFile(containerd);
  const parent = running && readProcess(running.ppid);
  if (parent && parent.pid > 1 && parent.argv.some((arg) => /k3ts|main\.[jt]s$/.test(arg))) {
    report(`stopping k3ts (pid ${parent.pid}): ${parent.argv.join(" ")}`);
    const how = await stopProcess(parent.pid, options.k3tsGraceMs ?? 30_000);
    if (how === "killed") report(`k3ts (pid ${parent.pid}) did not stop on TERM: killed`);
  }

  // 2. The pod sandboxes, through CRI (a containerd of the node's own config, started if needed).
  let started: { pid: number } | undefined;
  if (existsSync(containerd.config)) {
    try {
      let client = existsSync(containerd.socket) ? await reachCri(containerd.socket, 3_000) : undefined;
      if (!client) {
        started = startContainerd(options.containerdBinary ?? "containerd", containerd.config, containerd.log);
        client = await reachCri(containerd.socket, 60_000);
        if (!client) throw new Error(`containerd's CRI did not answer on ${containerd.socket}; see ${containerd.log}`);
      }
      try {
        const removed = await removeSandboxes(client, failed);
        report(`removed ${removed} pod sandbox${removed === 1 ? "" : "es"} (their containers and pod networks)`);
      } finally {
        client.close();
      }
    } catch (error) {
      failed("reach containerd to remove the pods", error);
    }
  }

  // 3. containerd (ours, or one left over), then any shim still serving its socket.
  for (const pid of new Set([started?.pid, containerdOfPidFile(containerd)?.pid])) {
    if (pid === undefined) continue;
    const how = await stopProcess(pid, options.containerdGraceMs ?? 10_000);
    report(`stopped containerd (pid ${pid}${how === "killed" ? ", killed" : ""})`);
  }
  rmSync(containerd.pidFile, { force: true });
  // Shims left serving the socket: pods CRI could not remove. Their network namespaces (and the
  // bridge their veths are on) go by hand, as CNI DEL would have taken them.
  const host = new HostCommands();
  const all = listProcesses();
  const podBridges = new Set<string>();
  for (const shim of all.filter((p) => isShimOf(p.argv, containerd.socket))) {
    const netns = namedNetnsOf(descendantsOf(shim.pid, all));
    report(`killing containerd-shim (pid ${shim.pid}) and its containers`);
    for (const name of netns) for (const bridge of await bridgesOfNetns(host, name).catch(() => [])) podBridges.add(bridge);
    await killTree(shim.pid, all);
    for (const name of netns) {
      try {
        await host.ip("netns", "delete", name);
        report(`deleted network namespace ${name} (and the pod's veth with it)`);
      } catch (error) {
        failed(`delete network namespace ${name}`, error);
      }
    }
  }

  // 4. Mounts under the data dir, deepest first.
  let unmounted = 0;
  for (const path of mountsUnder(dataDir)) {
    try {
      await host.run(["umount", path]).catch(() => host.run(["umount", "-l", path]));
      unmounted++;
    } catch (error) {
      failed(`unmount ${path}`, error);
    }
  }
  if (unmounted > 0) report(`unmounted ${unmounted} file system${unmounted === 1 ? "" : "s"} under ${dataDir}`);

  // 5. The pod network's host side.
  const cni = bridgePaths(dataDir);
  const configured = bridgesOf(cni.confDir);
  const bridges = [...new Set([...configured, ...podBridges])];
  // A data dir deleted with its config: the default bridge is the likely one (k3s's script
  // deletes cni0 unconditionally; this only does when nothing is attached to it any more).
  if (!exists && bridges.length === 0) bridges.push(DEFAULT_BRIDGE);
  let deletedBridge = false;
  for (const bridge of bridges) {
    try {
      if (!(await linkExists(host, bridge))) continue;
      const ports = (await host.ip("-o", "link", "show", "master", bridge)).trim();
      if (ports) {
        report(`left bridge ${bridge} in place: interfaces are still attached to it (${ports.split("\n").map((l) => l.split(":")[1]?.trim()).join(", ")})`);
        continue;
      }
      await host.ip("link", "delete", bridge);
      deletedBridge = true;
      report(`deleted bridge ${bridge}`);
    } catch (error) {
      failed(`delete bridge ${bridge}`, error);
    }
  }
  // One chain per machine: removed with the node's network (its CNI config, or its bridge).
  if (configured.length > 0 || deletedBridge) {
    try {
      await removeMasquerade(host);
      report(`removed iptables chain ${MASQUERADE_CHAIN}`);
    } catch (error) {
      failed(`remove iptables chain ${MASQUERADE_CHAIN}`, error);
    }
  }
  rmSync(cni.ipamDir, { recursive: true, force: true });
  return ok;
}

async function reachCri(socket: string, ms: number): Promise<CriClient | undefined> {
  try {
    return await waitForCri(socket, ms, AbortSignal.timeout(ms + 1_000));
  } catch {
    return undefined;
  }
}

function startContainerd(binary: string, config: string, log: string): { pid: number } {
  const fd = openSync(log, "a");
  try {
    const child = spawn(binary, ["--config", config], { stdio: ["ignore", fd, fd] });
    child.on("error", () => {});
    if (child.pid === undefined) throw new Error(`cannot start ${binary}: not found? (scripts/setup-debian.sh installs containerd)`);
    return { pid: child.pid };
  } finally {
    closeSync(fd);
  }
}

async function removeSandboxes(client: CriClient, failed: (what: string, error: unknown) => void): Promise<number> {
  let removed = 0;
  for (const sandbox of await client.listPodSandbox()) {
    const name = sandbox.metadata ? `${sandbox.metadata.namespace}/${sandbox.metadata.name}` : sandbox.id;
    try {
      await client.stopPodSandbox(sandbox.id, { timeoutMs: 60_000 });
      await client.removePodSandbox(sandbox.id, { timeoutMs: 60_000 });
      removed++;
    } catch (error) {
      failed(`remove pod sandbox ${name}`, error);
    }
  }
  return removed;
}

/** `containerd-shim-runc-v2 -namespace k8s.io -address <socket> …` (newer shims: `-address` too). */
function isShimOf(argv: string[], socket: string): boolean {
  if (!argv[0]?.includes("containerd-shim")) return false;
  const i = argv.indexOf("-address");
  return i >= 0 && argv[i + 1] === socket;
}

/** The bridge devices that the data dir's CNI configs name. */
function bridgesOf(confDir: string): string[] {
  if (!existsSync(confDir)) return [];
  const names = new Set<string>();
  for (const file of readdirSync(confDir)) {
    if (!/\.(conflist|conf|json)$/.test(file)) continue;
    try {
      const config = JSON.parse(readFileSync(join(confDir, file), "utf8")) as { plugins?: Array<{ type?: string; bridge?: string }>; type?: string; bridge?: string };
      for (const plugin of config.plugins ?? [config]) if (plugin.type === "bridge") names.add(plugin.bridge ?? DEFAULT_BRIDGE);
    } catch {
      // Not ours to judge: containerd would have ignored an unreadable config too.
    }
  }
  return [...names];
}

async function linkExists(host: HostCommands, name: string): Promise<boolean> {
  try {
    await host.ip("link", "show", "dev", name);
    return true;
  } catch {
    return false;
  }
}
