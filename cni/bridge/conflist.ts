/**
 * The bridge module's CNI network configuration (a conflist, CNI SPEC.md): the `bridge` plugin
 * with host-local IPAM over the node's pod CIDR, then `portmap` for hostPorts.
 *
 * - cniVersion 1.0.0: what Debian's containernetworking-plugins (1.1) and containerd 1.6's
 *   go-cni speak (`CNI_COMMAND=VERSION /usr/lib/cni/bridge` lists 0.1.0 ... 1.0.0).
 * - ipMasq false: the bridge plugin would add a masquerade chain per pod IP; the module keeps one
 *   rule set for the whole cluster CIDR instead (masquerade.ts), as k3s's flannel does.
 * - hairpinMode: a pod reaching itself through a Service IP gets its packets back on its port.
 * - isGateway: the bridge gets the CIDR's first address and pods their default route through it.
 * - portmap with snat: hostPort traffic from the node itself (127.0.0.1) reaches the pod too.
 * - No loopback here: containerd's CRI brings pods' `lo` up itself (go-cni's WithLoNetwork) and
 *   loads only the first config of the conf dir, so a separate loopback file would be ignored at
 *   best and taken for the pod network at worst.
 */

export const CONFLIST_FILE = "10-k3ts.conflist";
export const NETWORK_NAME = "k3ts";
export const DEFAULT_BRIDGE = "cni0";
export const CNI_VERSION = "1.0.0";

export interface ConflistOptions {
  podCidr: string;
  /** The bridge device (default cni0, as flannel and k3s name it). */
  bridge?: string;
  /** host-local's lease files (instead of /var/lib/cni/networks). */
  ipamDataDir: string;
  /** The network's name (default k3ts): host-local keeps leases per name. */
  name?: string;
  /** The MTU of the bridge and the pods' interfaces; absent: the plugin's default (1500). */
  mtu?: number;
}

/** The conflist as an object (tests feed it to the plugins as they are). */
export function bridgeConflist(o: ConflistOptions) {
  return {
    cniVersion: CNI_VERSION,
    name: o.name ?? NETWORK_NAME,
    plugins: [
      {
        type: "bridge",
        bridge: o.bridge ?? DEFAULT_BRIDGE,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ...(o.mtu ? { mtu: o.mtu } : {}),
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: o.podCidr }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: o.ipamDataDir,
        },
      },
      { type: "portmap", snat: true, capabilities: { portMappings: true } },
    ],
  };
}

/** The conflist as the file holds it. */
export function renderConflist(o: ConflistOptions): string {
  return `${JSON.stringify(bridgeConflist(o), null, 2)}\n`;
}
