/**
 * The node's masquerade rules and forwarding sysctls, applied inside a network namespace of the
 * test's own (iptables tables and net.ipv4 sysctls are per namespace): idempotent, replaced when
 * the cluster CIDR changes, removed cleanly; the host's own settings are never touched.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enableForwarding, IP_FORWARD } from "../../cni/bridge/forwarding.ts";
import { ensureMasquerade, MASQUERADE_CHAIN, removeMasquerade } from "../../cni/bridge/masquerade.ts";
import { HostCommands } from "../../cni/host-commands.ts";
import { Namespaces, networkSkipReason, sh, suffix } from "./netns.ts";

const skipReason = networkSkipReason();

function ourRules(netns: string): string[] {
  return sh(["iptables-save", "-t", "nat"], netns).split("\n").filter((l) => l.includes(MASQUERADE_CHAIN));
}

describe.skipIf(skipReason !== "")("masquerade rules and forwarding (in a namespace of the test's own)", () => {
  const namespaces = new Namespaces();
  const ns = `k3m-${suffix()}`;
  const host = new HostCommands({ netns: ns });
  const hostForwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");

  beforeAll(() => {
    namespaces.add(ns);
  });
  afterAll(() => namespaces.deleteAll());

  it("installs one jump and the chain's rules, with comments, however often it runs", async () => {
    await ensureMasquerade(host, "10.250.0.0/16");
    const first = ourRules(ns);
    await ensureMasquerade(host, "10.250.0.0/16");
    await ensureMasquerade(host, "10.250.0.0/16");
    expect(ourRules(ns)).toEqual(first);
    expect(first.filter((l) => l.startsWith("-A POSTROUTING"))).toHaveLength(1);
    expect(sh(["iptables-save", "-t", "nat"], ns).split("\n").find((l) => l.startsWith("-A POSTROUTING"))).toContain(`-j ${MASQUERADE_CHAIN}`);
    const chain = first.filter((l) => l.startsWith(`-A ${MASQUERADE_CHAIN}`));
    expect(chain).toHaveLength(3);
    expect(chain.every((l) => l.includes("--comment"))).toBe(true);
    expect(chain[0]).toMatch(/-s 10\.250\.0\.0\/16 -d 10\.250\.0\.0\/16 .*-j RETURN/);
    expect(chain[2]).toMatch(/-s 10\.250\.0\.0\/16 ! -d 10\.250\.0\.0\/16 .*-j MASQUERADE --random-fully/);
  });

  it("replaces the rules when the cluster CIDR changes", async () => {
    await ensureMasquerade(host, "10.251.0.0/16");
    const rules = ourRules(ns).join("\n");
    expect(rules).not.toContain("10.250.0.0/16");
    expect(rules.match(/10\.251\.0\.0\/16/g)?.length).toBeGreaterThanOrEqual(4);
    expect(ourRules(ns).filter((l) => l.startsWith("-A POSTROUTING"))).toHaveLength(1);
  });

  it("removes the jump and the chain, and removing twice is fine", async () => {
    await removeMasquerade(host);
    expect(ourRules(ns)).toEqual([]);
    await removeMasquerade(host);
    expect(ourRules(ns)).toEqual([]);
  });

  it("turns IP forwarding on in its namespace only", async () => {
    // A new namespace may inherit the host's value: start from off.
    sh(["sysctl", "-q", "-w", `${IP_FORWARD}=0`], ns);
    const first = await enableForwarding(host);
    expect(first.changed).toContain(IP_FORWARD);
    expect(sh(["sysctl", "-n", IP_FORWARD], ns).trim()).toBe("1");
    expect((await enableForwarding(host)).changed).toEqual([]);
    expect(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8")).toBe(hostForwarding);
  });
});
