/** Range math of the service CIDR and the node port range (upstream's ipallocator/portallocator rules). */
import { describe, expect, it } from "vitest";
import { firstServiceIP, formatIP, parseIP, serviceIPRange } from "../../../server/services/ip-range.ts";
import { parsePortRange } from "../../../server/services/port-range.ts";

describe("service IP range", () => {
  it("skips the network and broadcast addresses of an IPv4 CIDR", () => {
    const r = serviceIPRange("10.43.0.0/16");
    expect(r.cidr).toBe("10.43.0.0/16");
    expect(r.size).toBe(65534);
    expect(firstServiceIP(r)).toBe("10.43.0.1");
    expect(r.at(r.size - 1)).toBe("10.43.255.254");
    expect(r.offsetOf("10.43.0.0")).toBeUndefined();
    expect(r.offsetOf("10.43.255.255")).toBeUndefined();
    expect(r.offsetOf("10.44.0.1")).toBeUndefined();
    expect(r.offsetOf("10.43.0.10")).toBe(9);
    expect(r.offsetOf("not-an-ip")).toBeUndefined();
  });

  it("keeps a static band for requested addresses: min(max(16, size/16), 256)", () => {
    expect(serviceIPRange("10.43.0.0/16").staticSize).toBe(256);
    expect(serviceIPRange("10.0.0.0/24").staticSize).toBe(16);
    expect(serviceIPRange("10.0.0.0/28").staticSize).toBe(0);
    expect(serviceIPRange("10.0.0.0/20").staticSize).toBe(256);
  });

  it("normalizes a CIDR given with host bits, and refuses bad ones", () => {
    expect(serviceIPRange("10.43.1.7/16").cidr).toBe("10.43.0.0/16");
    expect(() => serviceIPRange("10.43.0.0")).toThrow(/invalid CIDR/);
    expect(() => serviceIPRange("10.43.0.0/33")).toThrow(/invalid CIDR/);
    expect(() => serviceIPRange("10.43.0.0/32")).toThrow(/no addresses/);
  });

  it("handles IPv6: the last address is usable, the range is capped at 65536", () => {
    const r = serviceIPRange("fd00:43::/112");
    expect(r.family).toBe("IPv6");
    expect(r.size).toBe(65535);
    expect(firstServiceIP(r)).toBe("fd00:43::1");
    expect(r.at(r.size - 1)).toBe("fd00:43::ffff");
    expect(serviceIPRange("fd00:43::/64").size).toBe(65536);
    expect(r.offsetOf("fd00:43:0:0::2")).toBe(1);
  });

  it("parses and prints addresses canonically", () => {
    expect(formatIP(parseIP("2001:db8:0:0:1:0:0:1")!.value, "IPv6")).toBe("2001:db8::1:0:0:1");
    expect(formatIP(parseIP("::ffff:10.0.0.1")!.value, "IPv6")).toBe("::ffff:a00:1");
    expect(parseIP("1.2.3.256")).toBeUndefined();
    expect(parseIP("1::2::3")).toBeUndefined();
    expect(formatIP(parseIP("192.168.1.9")!.value, "IPv4")).toBe("192.168.1.9");
  });
});

describe("node port range", () => {
  it("reads base-last and base+size forms", () => {
    const r = parsePortRange("30000-32767");
    expect([r.base, r.size, r.text]).toEqual([30000, 2768, "30000-32767"]);
    expect(parsePortRange("30000+100").text).toBe("30000-30099");
    expect(r.offsetOf(29999)).toBeUndefined();
    expect(r.offsetOf(32767)).toBe(2767);
    expect(r.at(80)).toBe(30080);
  });

  it("keeps a static band: min(max(16, size/32), 128)", () => {
    expect(parsePortRange("30000-32767").staticSize).toBe(86);
    expect(parsePortRange("30000-30009").staticSize).toBe(0);
    expect(parsePortRange("1-65535").staticSize).toBe(128);
  });

  it("refuses malformed ranges", () => {
    expect(() => parsePortRange("a-b")).toThrow(/invalid port range/);
    expect(() => parsePortRange("32767-30000")).toThrow(/invalid port range/);
    expect(() => parsePortRange("65000-70000")).toThrow(/invalid port range/);
  });
});
