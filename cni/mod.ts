/**
 * The CNI contract: what prepares this node's pod network for the container runtime.
 *
 * A CNI module writes the CNI network configuration (a conflist over the standard plugins:
 * bridge, host-local, portmap) into a conf dir that the runtime reads, sets up what the node
 * needs around it (masquerade, IP forwarding), and keeps routes or an overlay to the other
 * nodes' pod CIDRs from Node objects.
 *
 * The order of things on a node, and who calls what:
 * 1. The CNI module starts before the runtime module (server/start.ts starts modules in the
 *    order datastore, cni, runtime), and provides a `Cni` under the capability `cni`.
 * 2. The runtime module finds it in `ctx.provided.get("cni")` (check it with `isCni`) and points
 *    its runtime at `confDir` and `binDir` (containerd: config.toml's CNI section). The conf dir
 *    exists from then on, empty until step 3: containerd reports NetworkReady false ("cni config
 *    uninitialized") meanwhile, as upstream Kubernetes nodes do before their CNI is up.
 * 3. The kubelet learns the node's pod CIDR from its Node (the node IPAM controller assigns it)
 *    and tells the runtime (CRI UpdateRuntimeConfig); the runtime calls `prepare` with it, which
 *    writes the conflist. containerd watches its conf dir and loads the file without a restart.
 * 4. Whoever watches Nodes calls `setNodes` with every node's pod CIDRs (a no-op for the
 *    single-node bridge; the overlay backends route to them).
 *
 * The conf dir and bin dir are fixed when the module starts, not per `prepare`: the runtime is
 * configured with them before any pod CIDR is known.
 *
 * Layer 2 of DESIGN.md: it imports only the plugin contract.
 */
import type { PluginDefinition } from "../plugins/mod.ts";

/** What a node's pod network is made of. CIDRs are IPv4 (`10.42.0.0/24`); dual-stack is not done yet. */
export interface CniNetwork {
  /** This node's pod CIDR (Node.spec.podCIDR). */
  podCidr: string;
  /** Every pod's CIDR (the server's --cluster-cidr); absent: the module's configured one. */
  clusterCidr?: string;
  /** The Service CIDR (--service-cidr); absent: the module's configured one. */
  serviceCidr?: string;
  /** This node's name, for logs and for recognising itself among `setNodes`'s nodes. */
  nodeName?: string;
}

/** What `prepare` did. */
export interface CniPrepared {
  /** The conf dir the config was written to (the same as `Cni.confDir`). */
  confDir: string;
  /** The config file written there. */
  confFile: string;
  /** False when the file already held this very config (nothing was rewritten). */
  changed: boolean;
}

/** Another node's share of the pod network, as its Node object tells it. */
export interface CniNode {
  name: string;
  /** Node.spec.podCIDRs (or podCIDR). */
  podCidrs: string[];
  /** The node's InternalIP addresses: where routes to its pod CIDRs go. */
  addresses: string[];
}

export interface Cni {
  /** A short name for logs: "bridge", or a plugin's. */
  readonly name: string;
  /** Where the CNI configs are (containerd's `conf_dir`); it exists once the module has started. */
  readonly confDir: string;
  /** Where the CNI plugin binaries are (containerd's `bin_dir`). */
  readonly binDir: string;
  /**
   * Writes (or rewrites, for a new pod CIDR) the CNI config for the runtime and sets up the
   * node's side of the network (masquerade, IP forwarding). Idempotent: call it again with the
   * same network and nothing changes.
   */
  prepare(network: CniNetwork): Promise<CniPrepared>;
  /** Keeps routes or overlay to the other nodes' pod CIDRs; given every node, this one included. */
  setNodes(nodes: readonly CniNode[]): Promise<void>;
  /**
   * Stops what the module runs (watchers, loops). What pods need to keep working — the config,
   * the bridge, the masquerade rules — stays, as k3s leaves them: pods outlive an agent restart.
   */
  stop(): Promise<void>;
}

export interface CniProvides {
  cni: Cni;
}

/** A CNI module: a plugin that provides a Cni. */
export type CniPlugin<Config = unknown> = PluginDefinition<Config, CniProvides>;

/** Whether a value (from `ctx.provided.get("cni")`) is a Cni: how a runtime module finds one. */
export function isCni(value: unknown): value is Cni {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Partial<Cni>;
  return typeof c.confDir === "string" && typeof c.binDir === "string" && typeof c.prepare === "function";
}
