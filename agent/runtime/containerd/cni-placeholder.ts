/**
 * A stand-in pod network until the CNI module (cni/bridge) writes its own config into the conf
 * dir: a bridge with the node's pod CIDR through host-local, and portmap for hostPorts.
 * containerd's CRI adds loopback itself. The file is ours only while it carries our name: once
 * another config sits in the conf dir, this one is removed and never written again.
 *
 * No masquerade here (ipMasq false): pods reach the node and each other, and nothing of theirs
 * leaves the machine until the CNI module decides how (masquerade for traffic leaving the cluster
 * CIDR).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const PLACEHOLDER_FILE = "99-k3ts-placeholder.conflist";
export const PLACEHOLDER_BRIDGE = "k3ts0";

/** `ipamDataDir` keeps host-local's leases under the data dir instead of /var/lib/cni. */
export function placeholderConfig(podCidr: string, ipamDataDir?: string): string {
  return `${JSON.stringify({
    cniVersion: "1.0.0",
    name: "k3ts-placeholder",
    plugins: [
      {
        type: "bridge",
        bridge: PLACEHOLDER_BRIDGE,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet: podCidr }]], routes: [{ dst: "0.0.0.0/0" }], ...(ipamDataDir ? { dataDir: ipamDataDir } : {}) },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  }, null, 2)}\n`;
}

/**
 * Writes (or rewrites, for a new pod CIDR) the placeholder when the conf dir holds no other
 * config; removes it when another config is there. Returns whether the placeholder is in use.
 */
export function ensurePlaceholder(confDir: string, podCidr: string, ipamDataDir?: string): boolean {
  mkdirSync(confDir, { recursive: true });
  const others = readdirSync(confDir).filter((f) => f !== PLACEHOLDER_FILE && /\.(conf|conflist|json)$/.test(f));
  const path = join(confDir, PLACEHOLDER_FILE);
  if (others.length > 0) {
    if (existsSync(path)) rmSync(path);
    return false;
  }
  writeFileSync(path, placeholderConfig(podCidr, ipamDataDir));
  return true;
}
