/**
 * The CNI default shared by `k3ts server` and `k3ts agent`: with containerd, the pod network is
 * the bridge module's (cni/bridge) unless the manifest picks another CNI (k3s: flannel). The
 * bridge masquerades what leaves the cluster CIDR, so it is told the cluster's networks: the
 * server passes its own flags, an agent what the server told it at join. A manifest's own `with:`
 * values win.
 */
import type { ModuleKind, PluginRef } from "./manifest.ts";

export interface ClusterNetworks {
  clusterCidr?: string;
  serviceCidr?: string;
}

export function applyDefaultCni(modules: Partial<Record<ModuleKind, PluginRef>>, networks: ClusterNetworks): void {
  if (!modules.cni && modules.runtime?.use === "containerd") modules.cni = { use: "bridge", origin: { file: "default", path: "modules.cni" } };
  if (modules.cni?.use !== "bridge") return;
  const known = Object.fromEntries(Object.entries(networks).filter(([, value]) => value !== undefined));
  modules.cni = { ...modules.cni, with: { ...known, ...(modules.cni.with as Record<string, unknown> | undefined) } };
}
