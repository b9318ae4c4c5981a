/**
 * The single-node pod network: one Linux bridge (cni0) with the node's pod CIDR, pods attached
 * by the standard CNI plugins that the runtime runs from the conflist this writes, and the node's
 * masquerade rules and forwarding sysctls around it. No routes to other nodes: `setNodes` does
 * nothing here (the overlay module's job).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../plugins/mod.ts";
import type { Cni, CniNetwork, CniNode, CniPrepared } from "../mod.ts";
import { HostCommands } from "../host-commands.ts";
import { CONFLIST_FILE, DEFAULT_BRIDGE, renderConflist } from "./conflist.ts";
import { enableForwarding } from "./forwarding.ts";
import { ensureMasquerade } from "./masquerade.ts";

export const DEFAULT_CLUSTER_CIDR = "10.42.0.0/16";
export const DEFAULT_SERVICE_CIDR = "10.43.0.0/16";
export const DEFAULT_BIN_DIR = "/usr/lib/cni";

/** Where the module keeps its files under the node's data dir (k3s's layout, shared with the containerd module's placeholder). */
export function bridgePaths(dataDir: string) {
  return {
    confDir: join(dataDir, "agent", "etc", "cni", "net.d"),
    ipamDir: join(dataDir, "agent", "cni", "networks"),
  };
}

export interface BridgeCniOptions {
  /** The node's data dir (the plugin context's rootDataDir). */
  dataDir: string;
  binDir?: string;
  bridge?: string;
  mtu?: number;
  clusterCidr?: string;
  serviceCidr?: string;
  /** Masquerade traffic leaving the cluster CIDR (default true). */
  masquerade?: boolean;
  /** Where `ip`/`iptables`/`sysctl` run; tests give one bound to a namespace of their own. */
  host?: HostCommands;
  log: Logger;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function parseCidr(cidr: string): { base: number; bits: number } {
  const m = IPV4_CIDR.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) throw new Error(`not an IPv4 CIDR: ${JSON.stringify(cidr)} (dual-stack and IPv6 pod networks are not done yet)`);
  const base = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  return { base, bits: Number(m[5]) };
}

/**
 * The IPv4 CIDR of a list such as the kubelet passes for a dual-stack node (Node.spec.podCIDRs
 * joined by commas): the bridge serves IPv4 only for now.
 */
export function firstIpv4(cidrs: string): string {
  const list = cidrs.split(",").map((c) => c.trim()).filter(Boolean);
  const found = list.find((c) => IPV4_CIDR.test(c));
  if (found === undefined) parseCidr(list[0] ?? cidrs); // throws, naming what it got
  return found!;
}

/** Whether `inner` lies inside `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (i.bits < o.bits) return false;
  const size = 2 ** (32 - o.bits);
  return Math.floor(i.base / size) === Math.floor(o.base / size);
}

/** Replaces the file in one step: containerd's conf-dir watcher must never load half a config. */
function writeAtomically(path: string, content: string): void {
  // A name go-cni does not load (it reads .conf, .conflist and .json only).
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o644 });
  renameSync(temp, path);
}

export class BridgeCni implements Cni {
  readonly name = "bridge";
  readonly confDir: string;
  readonly binDir: string;
  readonly ipamDir: string;
  readonly bridge: string;
  readonly #o: BridgeCniOptions;
  readonly #host: HostCommands;
  /** prepare() calls run one after another: two kubelet updates must not interleave their writes. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: BridgeCniOptions) {
    this.#o = options;
    const paths = bridgePaths(options.dataDir);
    this.confDir = paths.confDir;
    this.ipamDir = paths.ipamDir;
    this.binDir = options.binDir ?? DEFAULT_BIN_DIR;
    this.bridge = options.bridge ?? DEFAULT_BRIDGE;
    this.#host = options.host ?? new HostCommands();
    // The runtime is pointed at the conf dir before any pod CIDR is known; containerd watches
    // it from its start, so it must exist by then.
    mkdirSync(this.confDir, { recursive: true });
  }

  get confFile(): string {
    return join(this.confDir, CONFLIST_FILE);
  }

  prepare(network: CniNetwork): Promise<CniPrepared> {
    const run = this.#queue.then(() => this.#prepare(network));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #prepare(network: CniNetwork): Promise<CniPrepared> {
    const log = this.#o.log;
    const clusterCidr = firstIpv4(network.clusterCidr ?? this.#o.clusterCidr ?? DEFAULT_CLUSTER_CIDR);
    const podCidr = firstIpv4(network.podCidr);
    if (!cidrContains(clusterCidr, podCidr)) {
      log.warn("the node's pod CIDR is outside the cluster CIDR: its pods' traffic to other pods will be masqueraded", { podCidr, clusterCidr });
    }
    const content = renderConflist({ podCidr, bridge: this.bridge, ipamDataDir: this.ipamDir, mtu: this.#o.mtu });
    mkdirSync(this.confDir, { recursive: true });
    mkdirSync(this.ipamDir, { recursive: true });
    const path = this.confFile;
    const changed = !existsSync(path) || readFileSync(path, "utf8") !== content;
    if (changed) {
      writeAtomically(path, content);
      log.info("CNI config written", { file: path, podCidr, bridge: this.bridge, node: network.nodeName });
    }
    const forwarding = await enableForwarding(this.#host);
    if (forwarding.changed.length > 0) log.info("kernel forwarding enabled for the pod network", { sysctls: forwarding.changed.join(",") });
    if (!forwarding.bridgeNetfilter) log.debug("br_netfilter is not loaded: bridged pod traffic bypasses iptables");
    if (this.#o.masquerade !== false) await ensureMasquerade(this.#host, clusterCidr);
    return { confDir: this.confDir, confFile: path, changed };
  }

  /** One node's pods live on one bridge: there is nothing to route to other nodes. */
  async setNodes(nodes: readonly CniNode[]): Promise<void> {
    const others = nodes.filter((n) => n.podCidrs.length > 0).length;
    if (others > 1) this.#o.log.debug("the bridge CNI does not route between nodes; use the overlay module for more than one node", { nodes: others });
  }

  /** Nothing runs in the background; the config, bridge and rules stay for the pods (see mod.ts). */
  async stop(): Promise<void> {
    await this.#queue;
  }
}
