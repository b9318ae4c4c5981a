import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../../../plugins/client.ts";
import { CidrSet, nodeIpamController } from "../../../../server/controllers/node-ipam.ts";
import { startTestServer, type TestServer } from "../../harness.ts";
import { eventually, runControllers } from "../run-controllers.ts";

describe("CIDR allocation", () => {
  it("hands out /24 blocks of a /16 in order, skipping taken ones, and reuses released ones when it wraps", () => {
    const s = new CidrSet("10.42.0.0/16", 24);
    expect(s.size).toBe(256);
    s.occupy("10.42.1.0/24");
    expect(s.allocate()).toBe("10.42.0.0/24");
    expect(s.allocate()).toBe("10.42.2.0/24");
    s.release("10.42.0.0/24");
    for (let i = 3; i < 256; i++) s.allocate();
    expect(s.allocate()).toBe("10.42.0.0/24");
    expect(s.allocate()).toBeUndefined();
  });

  it("IPv6 blocks", () => {
    const s = new CidrSet("fd00:10:42::/56", 64);
    expect(s.allocate()).toBe("fd00:10:42::/64");
    expect(s.allocate()).toBe("fd00:10:42:1::/64");
    expect(s.indexOf("fd00:10:42:1::/64")).toBe(1);
  });

  it("refuses a node mask larger than the cluster CIDR", () => {
    expect(() => new CidrSet("10.42.0.0/16", 8)).toThrow();
  });
});

type Node = KubeObject & { spec?: { podCIDR?: string; podCIDRs?: string[] } };

describe("node IPAM controller", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.stop();
  });
  const nodes = () => t.server.client.resource<Node>({ apiVersion: "v1", resource: "nodes" });
  const cidrsOf = async (names: string[]) => Promise.all(names.map(async (n) => (await nodes().get(n))?.spec?.podCIDR));

  it("gives nodes created at once distinct podCIDRs, none twice after a restart, and frees a deleted node's", async () => {
    let stop = await runControllers(t, [nodeIpamController]);
    const first = Array.from({ length: 8 }, (_, i) => `ipam-${i}`);
    await Promise.all(first.map((name) => nodes().create({ metadata: { name } })));
    const got = await eventually(async () => {
      const c = await cidrsOf(first);
      return c.every(Boolean) ? c : undefined;
    }, "every node given a podCIDR");
    expect(new Set(got).size).toBe(first.length);
    const one = (await nodes().get("ipam-0"))!;
    expect(one.spec?.podCIDRs).toEqual([one.spec?.podCIDR]);
    expect(got.every((c) => /^10\.42\.\d+\.0\/24$/.test(c!))).toBe(true);

    // A restart rebuilds the allocation from the nodes before handing out more.
    stop.abort();
    stop = await runControllers(t, [nodeIpamController]);
    const more = Array.from({ length: 4 }, (_, i) => `ipam-late-${i}`);
    await Promise.all(more.map((name) => nodes().create({ metadata: { name } })));
    const all = await eventually(async () => {
      const c = await cidrsOf([...first, ...more]);
      return c.every(Boolean) ? c : undefined;
    }, "the later nodes given podCIDRs");
    expect(new Set(all).size).toBe(all.length);
    stop.abort();
  });
});
