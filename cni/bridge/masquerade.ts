/**
 * The node's masquerade rules: pod traffic that leaves the cluster CIDR gets the node's address,
 * so that replies find their way back; traffic between pods keeps the pods' own addresses.
 *
 * One chain of our own, K3TS-POSTROUTING in the nat table, reached from POSTROUTING by one jump.
 * `ensureMasquerade` rebuilds the chain as a whole (iptables-restore --noflush flushes a chain it
 * declares and refills it in one transaction) and adds the jump only when it is missing, so it
 * can run at every `prepare` without duplicating anything and a changed cluster CIDR replaces
 * the old rules.
 *
 * The rules stay when k3ts stops: pods keep running across an agent restart and their traffic
 * must still be masqueraded (k3s's flannel leaves its rules too; its killall script removes
 * them). `removeMasquerade` is that clean-up, for tests and for uninstalling.
 */
import { HostCommandError, type HostCommands } from "../host-commands.ts";

export const MASQUERADE_CHAIN = "K3TS-POSTROUTING";
const JUMP_COMMENT = "k3ts: masquerade pod traffic leaving the cluster CIDR";
const JUMP = ["-m", "comment", "--comment", JUMP_COMMENT, "-j", MASQUERADE_CHAIN];

/** The chain's rules, in iptables-restore form. */
export function masqueradeRules(clusterCidr: string): string {
  const c = MASQUERADE_CHAIN;
  return [
    "*nat",
    `:${c} - [0:0]`,
    `-A ${c} -s ${clusterCidr} -d ${clusterCidr} -m comment --comment "k3ts: pod to pod keeps its addresses" -j RETURN`,
    // Multicast is link-local in practice; rewriting its source breaks mDNS and friends.
    `-A ${c} -s ${clusterCidr} -d 224.0.0.0/4 -m comment --comment "k3ts: no masquerade for multicast" -j RETURN`,
    // --random-fully: source ports picked at random, not sequentially, which avoids the SNAT
    // port collisions (conntrack insert races) that drop a pod's first packets under load.
    `-A ${c} -s ${clusterCidr} ! -d ${clusterCidr} -m comment --comment "k3ts: pods reaching outside the cluster CIDR" -j MASQUERADE --random-fully`,
    "COMMIT",
    "",
  ].join("\n");
}

async function hasJump(host: HostCommands): Promise<boolean> {
  try {
    await host.iptables("-t", "nat", "-C", "POSTROUTING", ...JUMP);
    return true;
  } catch (error) {
    if (error instanceof HostCommandError) return false;
    throw error;
  }
}

/** Installs (or refreshes) the rules for this cluster CIDR. Idempotent. */
export async function ensureMasquerade(host: HostCommands, clusterCidr: string): Promise<void> {
  await host.iptablesRestore(masqueradeRules(clusterCidr));
  // First in POSTROUTING: a rule before ours that accepts would skip it.
  if (!(await hasJump(host))) await host.iptables("-t", "nat", "-I", "POSTROUTING", "1", ...JUMP);
}

/** Removes the jump (every copy) and the chain; a no-op when they are not there. */
export async function removeMasquerade(host: HostCommands): Promise<void> {
  // Bounded: there is at most one jump unless someone duplicated it; ten covers that.
  for (let i = 0; i < 10 && (await hasJump(host)); i++) await host.iptables("-t", "nat", "-D", "POSTROUTING", ...JUMP);
  for (const flag of ["-F", "-X"]) {
    await host.iptables("-t", "nat", flag, MASQUERADE_CHAIN).catch((error: unknown) => {
      if (!(error instanceof HostCommandError)) throw error;
    });
  }
}
