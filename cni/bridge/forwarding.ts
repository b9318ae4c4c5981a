/**
 * The kernel settings a pod network needs on the node: IP forwarding (pods' traffic is routed
 * through the node), and, when the br_netfilter module is loaded, iptables for bridged traffic,
 * so that the Service proxy's rules also see traffic between pods on the same bridge.
 *
 * br_netfilter is not loaded here when it is missing: loading it changes how every bridge on the
 * host is filtered (other software's included), which is the operator's call. Without it, pods
 * on one node reaching a Service backed by a pod on the same node need hairpin NAT instead.
 */
import type { HostCommands } from "../host-commands.ts";

export const IP_FORWARD = "net.ipv4.ip_forward";
export const BRIDGE_NF_CALL_IPTABLES = "net.bridge.bridge-nf-call-iptables";

export interface ForwardingState {
  /** The sysctls this call changed (from 0 to 1). */
  changed: string[];
  /** False when br_netfilter is not loaded (no bridge-nf-call-iptables to set). */
  bridgeNetfilter: boolean;
}

export async function enableForwarding(host: HostCommands): Promise<ForwardingState> {
  const changed: string[] = [];
  if ((await host.sysctl(IP_FORWARD)) !== "1") {
    await host.setSysctl(IP_FORWARD, "1");
    changed.push(IP_FORWARD);
  }
  const bridgeNf = await host.sysctl(BRIDGE_NF_CALL_IPTABLES);
  if (bridgeNf !== undefined && bridgeNf !== "1") {
    await host.setSysctl(BRIDGE_NF_CALL_IPTABLES, "1");
    changed.push(BRIDGE_NF_CALL_IPTABLES);
  }
  return { changed, bridgeNetfilter: bridgeNf !== undefined };
}
