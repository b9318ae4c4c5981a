/** The bridge module's pure parts (no root needed): the conflist, CIDR checks, the contract guard, the module's config. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { bridgePaths, cidrContains, BridgeCni, firstIpv4 } from "../../cni/bridge/bridge-cni.ts";
import { bridgeConflist, CONFLIST_FILE, renderConflist } from "../../cni/bridge/conflist.ts";
import { masqueradeRules } from "../../cni/bridge/masquerade.ts";
import bridgePlugin from "../../cni/bridge/plugin.ts";
import { HostCommands } from "../../cni/host-commands.ts";
import { isCni } from "../../cni/mod.ts";
import { createLogger } from "../../plugins/logger.ts";

describe("bridge conflist", () => {
  it("chains bridge (host-local IPAM, default route, no ipMasq) and portmap", () => {
    const list = bridgeConflist({ podCidr: "10.42.3.0/24", ipamDataDir: "/d/ipam" });
    expect(list).toEqual({
      cniVersion: "1.0.0",
      name: "k3ts",
      plugins: [
        {
          type: "bridge", bridge: "cni0", isGateway: true, ipMasq: false, hairpinMode: true,
          ipam: { type: "host-local", ranges: [[{ subnet: "10.42.3.0/24" }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: "/d/ipam" },
        },
        { type: "portmap", snat: true, capabilities: { portMappings: true } },
      ],
    });
    expect(JSON.parse(renderConflist({ podCidr: "10.42.3.0/24", ipamDataDir: "/x", bridge: "br9", mtu: 1450 })).plugins[0]).toMatchObject({ bridge: "br9", mtu: 1450 });
    expect(CONFLIST_FILE).toBe("10-k3ts.conflist");
  });

  it("keeps k3s's layout under the data dir", () => {
    expect(bridgePaths("/var/lib/k3ts")).toEqual({ confDir: "/var/lib/k3ts/agent/etc/cni/net.d", ipamDir: "/var/lib/k3ts/agent/cni/networks" });
  });
});

describe("CIDRs", () => {
  it("tells whether a pod CIDR lies in the cluster CIDR", () => {
    expect(cidrContains("10.42.0.0/16", "10.42.7.0/24")).toBe(true);
    expect(cidrContains("10.42.0.0/16", "10.43.0.0/24")).toBe(false);
    expect(cidrContains("10.42.0.0/16", "10.0.0.0/8")).toBe(false);
    expect(cidrContains("0.0.0.0/0", "192.168.1.0/24")).toBe(true);
    expect(() => cidrContains("10.42.0.0/16", "fd00::/64")).toThrow(/not an IPv4 CIDR/);
  });

  it("takes the IPv4 CIDR of a dual-stack list", () => {
    expect(firstIpv4("10.42.1.0/24")).toBe("10.42.1.0/24");
    expect(firstIpv4("fd00:42::/64, 10.42.1.0/24")).toBe("10.42.1.0/24");
    expect(() => firstIpv4("fd00:42::/64")).toThrow(/not an IPv4 CIDR: "fd00:42::\/64"/);
    expect(() => firstIpv4("")).toThrow(/not an IPv4 CIDR/);
  });

  it("masquerade rules name the cluster CIDR on every rule", () => {
    const rules = masqueradeRules("10.42.0.0/16");
    expect(rules.split("\n").filter((l) => l.startsWith("-A K3TS-POSTROUTING")).every((l) => l.includes("-s 10.42.0.0/16"))).toBe(true);
    expect(rules).toMatch(/^\*nat\n:K3TS-POSTROUTING - \[0:0\]\n/);
    expect(rules.trimEnd().endsWith("COMMIT")).toBe(true);
  });
});

describe("the bridge module", () => {
  it("provides a Cni that runtimes recognise, with its conf dir created", () => {
    const dir = mkdtempSync(join(tmpdir(), "k3ts-cni-unit-"));
    try {
      const cni = new BridgeCni({ dataDir: dir, log: createLogger({ level: "error" }) });
      expect(isCni(cni)).toBe(true);
      expect(cni.confDir).toBe(bridgePaths(dir).confDir);
      expect(cni.binDir).toBe("/usr/lib/cni");
      expect(isCni({ confDir: "/x" })).toBe(false);
      expect(isCni(undefined)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("declares itself a cni provider and checks its config", () => {
    expect(bridgePlugin.name).toBe("bridge");
    expect(bridgePlugin.provides).toEqual(["cni"]);
    const schema = bridgePlugin.config!;
    expect(v.parse(schema, undefined)).toEqual({ clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", binDir: "/usr/lib/cni", masquerade: true });
    expect(v.safeParse(schema, { bridge: "a-very-long-bridge-name" }).success).toBe(false);
    expect(v.safeParse(schema, { clusterCidr: "10.42.0.0" }).success).toBe(false);
    expect(v.safeParse(schema, { nope: 1 }).success).toBe(false);
  });

  it("refuses a pod CIDR that is not IPv4 before writing anything", async () => {
    const dir = mkdtempSync(join(tmpdir(), "k3ts-cni-unit-"));
    try {
      const cni = new BridgeCni({ dataDir: dir, log: createLogger({ level: "error" }) });
      await expect(cni.prepare({ podCidr: "fd00::/64" })).rejects.toThrow(/not an IPv4 CIDR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("host commands", () => {
  it("survives a command that exits without reading its stdin (EPIPE is not a crash)", async () => {
    const host = new HostCommands();
    for (let i = 0; i < 20; i++) await expect(host.run(["true"])).resolves.toBe("");
    await expect(host.run(["true"], "x".repeat(4 * 1024 * 1024))).resolves.toBe("");
    await expect(host.run(["cat"], "piped")).resolves.toBe("piped");
  });

  it("reports a failed command with its argv and stderr", async () => {
    await expect(new HostCommands().run(["sh", "-c", "echo broken >&2; exit 3"])).rejects.toThrow(/sh -c .* failed \(3\): broken/);
  });
});
