/**
 * The network side of pods that containerd can no longer tear down (its data dir deleted, its
 * binary gone): the named network namespaces (/run/netns/*) that a shim's processes live in,
 * and the bridge their veths hang on. Deleting such a namespace deletes the pod's veth pair;
 * the bridge is then empty and can go too. Only namespaces that our own shims' processes are in
 * are ever touched.
 */
import { readdirSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import type { HostCommands } from "../../cni/host-commands.ts";

const NETNS_DIR = "/run/netns";

/** The names under /run/netns of the network namespaces that these processes are in. */
export function namedNetnsOf(pids: number[]): string[] {
  const inodes = new Set<number>();
  for (const pid of pids) {
    const inode = netnsInode(`/proc/${pid}/ns/net`);
    if (inode !== undefined) inodes.add(inode);
  }
  // hostNetwork pods share the node's own namespace, which may have a name too: never that one.
  const own = netnsInode("/proc/self/ns/net");
  if (own !== undefined) inodes.delete(own);
  let names: string[] = [];
  try {
    names = readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
  return names.filter((name) => {
    try {
      return inodes.has(statSync(join(NETNS_DIR, name)).ino);
    } catch {
      return false;
    }
  });
}

function netnsInode(link: string): number | undefined {
  try {
    const match = /^net:\[(\d+)\]$/.exec(readlinkSync(link));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // the process exited meanwhile
  }
}

/** The bridges that the host ends of a namespace's veths are attached to (from `eth0@ifN`). */
export async function bridgesOfNetns(host: HostCommands, netns: string): Promise<string[]> {
  const inside = await host.run(["ip", "netns", "exec", netns, "ip", "-o", "link", "show"]);
  const peers = new Set([...inside.matchAll(/^\d+: [^@:\s]+@if(\d+):/gm)].map((m) => m[1]));
  if (peers.size === 0) return [];
  const outside = await host.ip("-o", "link", "show");
  const bridges = new Set<string>();
  for (const line of outside.split("\n")) {
    const index = /^(\d+):/.exec(line)?.[1];
    const master = / master (\S+)/.exec(line)?.[1];
    if (index && master && peers.has(index)) bridges.add(master);
  }
  return [...bridges];
}
