/**
 * Test helpers for real pod networks: network namespaces the test creates (and always deletes),
 * and the CNI plugins run by hand as a runtime runs them (CNI SPEC.md: the network config on
 * stdin, CNI_COMMAND/CNI_CONTAINERID/CNI_NETNS/CNI_IFNAME/CNI_PATH in the environment, the
 * result on stdout, each plugin of a list given the previous one's result as prevResult).
 *
 * The plugins run inside a namespace that stands in for the node (`nodeNetns`), so the bridge,
 * veths, iptables rules and sysctls they make are that namespace's, never the host's.
 */
import { execFileSync, spawnSync } from "node:child_process";

export const CNI_BIN_DIR = "/usr/lib/cni";

/** Whether this machine can run the real-network tests, or why not. */
export function networkSkipReason(extra: string[] = []): string {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) return "needs root for network namespaces (CI runs as root)";
  const missing = [`${CNI_BIN_DIR}/bridge`, `${CNI_BIN_DIR}/host-local`, `${CNI_BIN_DIR}/portmap`, `${CNI_BIN_DIR}/loopback`, "/bin/busybox", ...extra].filter(
    (p) => spawnSync("test", ["-e", p]).status !== 0,
  );
  return missing.length > 0 ? `missing ${missing.join(", ")}: run scripts/setup-debian.sh` : "";
}

/** A short random suffix: interface and namespace names stay under 15 characters. */
export function suffix(): string {
  return Math.floor(Math.random() * 36 ** 5).toString(36).padStart(5, "0");
}

/** Runs a command, in a namespace when given; throws with stderr on failure. */
export function sh(argv: string[], netns?: string, input?: string): string {
  const full = netns ? ["ip", "netns", "exec", netns, ...argv] : argv;
  try {
    return execFileSync(full[0]!, full.slice(1), { input: input ?? "", encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], timeout: 30_000 });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; status?: number };
    throw new Error(`${full.join(" ")} failed (${e.status}): ${e.stderr ?? ""}${e.stdout ?? ""}`);
  }
}

/** Whether a command succeeds (bounded commands only: ping -c, wget -T). */
export function succeeds(argv: string[], netns?: string): boolean {
  const full = netns ? ["ip", "netns", "exec", netns, ...argv] : argv;
  return spawnSync(full[0]!, full.slice(1), { stdio: "ignore", timeout: 30_000 }).status === 0;
}

/** Namespaces made through this set are deleted by `deleteAll`, whatever happened in between. */
export class Namespaces {
  readonly #names: string[] = [];

  /** Creates a namespace with `lo` up. */
  add(name: string): string {
    sh(["ip", "netns", "add", name]);
    this.#names.push(name);
    sh(["ip", "link", "set", "lo", "up"], name);
    return name;
  }

  /** Deleting a namespace deletes its interfaces (bridge, veth ends) and its iptables rules. */
  deleteAll(): void {
    for (const name of this.#names.splice(0).reverse()) spawnSync("ip", ["netns", "del", name], { stdio: "ignore" });
  }
}

export interface CniPluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface Conflist {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
}

export interface CniAttachment {
  containerId: string;
  /** The pod's namespace, by name (its path is /run/netns/NAME). */
  podNetns: string;
  ifName?: string;
  /** Runtime arguments for capabilities (portMappings: [{hostPort, containerPort, protocol}]). */
  capabilityArgs?: Record<string, unknown>;
}

export interface CniResult {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
  routes?: { dst: string; gw?: string }[];
}

/** Runs one plugin binary with a config on stdin, inside the node namespace; parses its result. */
export function runPlugin(command: "ADD" | "DEL" | "CHECK", conf: Record<string, unknown> & { type: string }, a: CniAttachment, nodeNetns: string): CniResult | undefined {
  const env = [
    `CNI_COMMAND=${command}`,
    `CNI_CONTAINERID=${a.containerId}`,
    `CNI_NETNS=/run/netns/${a.podNetns}`,
    `CNI_IFNAME=${a.ifName ?? "eth0"}`,
    `CNI_PATH=${CNI_BIN_DIR}`,
  ];
  const out = sh(["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", ...env, `${CNI_BIN_DIR}/${conf.type}`], nodeNetns, JSON.stringify(conf));
  return out.trim() ? (JSON.parse(out) as CniResult) : undefined;
}

/** One plugin's config as a runtime hands it over: the list's name and version, runtimeConfig for its capabilities, prevResult. */
function pluginConf(list: Conflist, plugin: CniPluginConf, a: CniAttachment, prevResult: CniResult | undefined) {
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
    if (on && a.capabilityArgs?.[cap] !== undefined) runtimeConfig[cap] = a.capabilityArgs[cap];
  }
  return {
    ...plugin,
    cniVersion: list.cniVersion,
    name: list.name,
    ...(Object.keys(runtimeConfig).length > 0 ? { runtimeConfig } : {}),
    ...(prevResult ? { prevResult } : {}),
  };
}

/** ADD through the whole list, in order; returns the last plugin's result (the attachment's). */
export function addNetworkList(list: Conflist, a: CniAttachment, nodeNetns: string): CniResult {
  let result: CniResult | undefined;
  for (const plugin of list.plugins) result = runPlugin("ADD", pluginConf(list, plugin, a, result), a, nodeNetns) ?? result;
  if (!result) throw new Error("the network list returned no result");
  return result;
}

/** DEL through the list in reverse order, each given the ADD's result (SPEC.md: the cached result). */
export function delNetworkList(list: Conflist, a: CniAttachment, nodeNetns: string, addResult?: CniResult): void {
  for (const plugin of [...list.plugins].reverse()) runPlugin("DEL", pluginConf(list, plugin, a, addResult), a, nodeNetns);
}

/** Brings the pod's `lo` up as containerd does (its own loopback network, outside the conflist). */
export function addLoopback(a: CniAttachment, nodeNetns: string): void {
  runPlugin("ADD", { cniVersion: "1.0.0", name: "cni-loopback", type: "loopback" }, { ...a, ifName: "lo" }, nodeNetns);
}

export function delLoopback(a: CniAttachment, nodeNetns: string): void {
  runPlugin("DEL", { cniVersion: "1.0.0", name: "cni-loopback", type: "loopback" }, { ...a, ifName: "lo" }, nodeNetns);
}
