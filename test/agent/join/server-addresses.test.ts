/** Server URLs from the `kubernetes` Endpoints, and how the transport takes a new list. */
import { describe, expect, it } from "vitest";
import { serverUrls } from "../../../agent/client/server-addresses.ts";
import { Transport } from "../../../agent/client/transport.ts";

describe("server addresses", () => {
  it("reads every address of the https port, IPv6 in brackets", () => {
    expect(serverUrls({
      metadata: { name: "kubernetes" },
      subsets: [{ addresses: [{ ip: "10.0.0.5" }, { ip: "fd00::5" }], ports: [{ name: "https", port: 6443 }] }],
    })).toEqual(["https://10.0.0.5:6443", "https://[fd00::5]:6443"]);
    expect(serverUrls({ metadata: {} })).toEqual([]);
  });

  it("keeps the current server current across list changes, and keeps it listed until it fails", () => {
    const t = new Transport({ servers: ["https://a:6443"], ca: "" });
    t.setServers(["https://b:6443", "https://c:6443"]);
    expect(t.server).toBe("https://a:6443");
    expect(t.servers).toEqual(["https://a:6443", "https://b:6443", "https://c:6443"]);
    t.setServers(["https://c:6443", "https://a:6443"]);
    expect(t.server).toBe("https://a:6443");
    expect(t.servers).toEqual(["https://c:6443", "https://a:6443"]);
    t.setServers([]);
    expect(t.servers).toHaveLength(2);
    t.close();
  });
});
