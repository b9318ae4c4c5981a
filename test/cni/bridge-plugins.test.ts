/**
 * The bridge module's conflist against the real CNI plugins (Debian's containernetworking-plugins),
 * as root: pods attached to the bridge get addresses in the pod CIDR and reach each other, a
 * hostPort reaches the pod from the node's loopback, pod traffic leaving the cluster CIDR is
 * masqueraded, and DEL takes everything back.
 *
 * Network safety: the "node" is a network namespace of the test's own (only lo, the bridge and a
 * veth to a second namespace of its own that plays the outside world), so the bridge, routes,
 * iptables rules and sysctls all live there; the pod CIDR (10.250.X.0/24 in 10.250.0.0/16) and
 * the outside address (198.51.100.0/30, TEST-NET-2) exist only inside these namespaces, and the
 * node namespace has no default route: nothing can leave. Every namespace is deleted afterwards,
 * which deletes its interfaces and rules with it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BridgeCni } from "../../cni/bridge/bridge-cni.ts";
import { MASQUERADE_CHAIN } from "../../cni/bridge/masquerade.ts";
import { HostCommands } from "../../cni/host-commands.ts";
import { createLogger } from "../../plugins/logger.ts";
import {
  addLoopback, addNetworkList, type CniAttachment, type CniResult, type Conflist, delLoopback, delNetworkList,
  Namespaces, networkSkipReason, sh, succeeds, suffix,
} from "./netns.ts";

const skipReason = networkSkipReason(["/usr/bin/curl"]);
if (skipReason) console.warn(`CNI bridge tests skipped: ${skipReason}`);

const id = suffix();
const third = 1 + Math.floor(Math.random() * 250);
const clusterCidr = "10.250.0.0/16";
const podCidr = `10.250.${third}.0/24`;
const gateway = `10.250.${third}.1`;
const hostPort = 20000 + Math.floor(Math.random() * 20000);

describe.skipIf(skipReason !== "")("bridge conflist with the real CNI plugins", { timeout: 30_000 }, () => {
  const namespaces = new Namespaces();
  const node = `k3n-${id}`;
  const podA = `k3a-${id}`;
  const podB = `k3b-${id}`;
  const outside = `k3o-${id}`;
  let dir: string;
  let cni: BridgeCni;
  let list: Conflist;
  let httpd: ChildProcess | undefined;
  const a: CniAttachment = { containerId: `k3ts-test-a-${id}`, podNetns: podA };
  const b: CniAttachment = {
    containerId: `k3ts-test-b-${id}`,
    podNetns: podB,
    capabilityArgs: { portMappings: [{ hostPort, containerPort: 8080, protocol: "tcp" }] },
  };
  const results = new Map<string, CniResult>();

  beforeAll(async () => {
    dir = mkdtempSync("/tmp/k3ts-cni-");
    namespaces.add(node);
    namespaces.add(podA);
    namespaces.add(podB);
    namespaces.add(outside);
    cni = new BridgeCni({ dataDir: dir, clusterCidr, host: new HostCommands({ netns: node }), log: createLogger({ level: "warn" }) });
    const prepared = await cni.prepare({ podCidr, nodeName: "test-node" });
    list = JSON.parse(readFileSync(prepared.confFile, "utf8")) as Conflist;
  });

  afterAll(() => {
    httpd?.kill("SIGKILL");
    namespaces.deleteAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("writes 10-k3ts.conflist: bridge with host-local over the pod CIDR, then portmap", () => {
    expect(readdirSync(cni.confDir)).toEqual(["10-k3ts.conflist"]);
    expect(list.cniVersion).toBe("1.0.0");
    expect(list.plugins.map((p) => p.type)).toEqual(["bridge", "portmap"]);
    expect(list.plugins[0]).toMatchObject({ bridge: "cni0", isGateway: true, ipMasq: false, hairpinMode: true, ipam: { type: "host-local", ranges: [[{ subnet: podCidr }]], dataDir: cni.ipamDir } });
    expect(list.plugins[1]).toMatchObject({ snat: true, capabilities: { portMappings: true } });
  });

  it("ADD gives each pod an address in the pod CIDR, and the node a bridge with the gateway", () => {
    for (const pod of [a, b]) {
      addLoopback(pod, node);
      const result = addNetworkList(list, pod, node);
      results.set(pod.containerId, result);
      const ip = result.ips?.[0];
      expect(ip?.address).toMatch(new RegExp(`^10\\.250\\.${third}\\.\\d+/24$`));
      expect(ip?.gateway).toBe(gateway);
      expect(sh(["ip", "-4", "-o", "addr", "show", "dev", "eth0"], pod.podNetns)).toContain(ip!.address);
      expect(sh(["ip", "route", "show", "default"], pod.podNetns)).toContain(`via ${gateway}`);
      expect(sh(["ip", "-o", "link", "show", "lo"], pod.podNetns)).toMatch(/[<,]UP[,>]/);
    }
    expect(sh(["ip", "-4", "-o", "addr", "show", "dev", "cni0"], node)).toContain(`${gateway}/24`);
    // host-local keeps its leases under the data dir, not /var/lib/cni.
    expect(readdirSync(join(cni.ipamDir, "k3ts")).filter((f) => f.startsWith("10.250.")).length).toBe(2);
  });

  function podIp(pod: CniAttachment): string {
    return results.get(pod.containerId)!.ips![0]!.address.split("/")[0]!;
  }

  it("pods reach each other over the bridge", () => {
    expect(succeeds(["busybox", "ping", "-c", "2", "-W", "1", podIp(b)], podA)).toBe(true);
    expect(succeeds(["busybox", "ping", "-c", "2", "-W", "1", podIp(a)], podB)).toBe(true);
    expect(succeeds(["busybox", "ping", "-c", "1", "-W", "1", gateway], podA)).toBe(true);
  });

  it("a hostPort reaches the pod from the node's loopback and from another pod", async () => {
    const www = join(dir, "www");
    mkdirSync(www);
    writeFileSync(join(www, "index.html"), "served-by-pod-b\n");
    httpd = spawn("ip", ["netns", "exec", podB, "busybox", "httpd", "-f", "-p", "8080", "-h", www], { stdio: "ignore" });
    // curl, bounded by --max-time (busybox wget crashes here).
    const get = (url: string, netns: string) => succeeds(["curl", "-sf", "--max-time", "2", "-o", join(dir, "got"), url], netns) ? readFileSync(join(dir, "got"), "utf8") : "";
    // Bounded wait for httpd to listen.
    for (let i = 0; i < 50 && !get(`http://${podIp(b)}:8080/`, podA); i++) await new Promise((r) => setTimeout(r, 100));
    expect(get(`http://${podIp(b)}:8080/`, podA)).toBe("served-by-pod-b\n");
    const nat = sh(["iptables-save", "-t", "nat"], node);
    expect(nat).toContain(`--dport ${hostPort}`);
    expect(get(`http://127.0.0.1:${hostPort}/`, node)).toBe("served-by-pod-b\n");
    expect(get(`http://${gateway}:${hostPort}/`, podA)).toBe("served-by-pod-b\n");
    // Hairpin: the pod reaches itself through its own hostPort.
    expect(get(`http://${gateway}:${hostPort}/`, podB)).toBe("served-by-pod-b\n");
  });

  it("masquerades pod traffic leaving the cluster CIDR", () => {
    // The outside world: a veth from the node namespace to a namespace of the test's own, with
    // no route back to the pod CIDR, so only masqueraded packets can be answered.
    sh(["ip", "link", "add", "k3out", "type", "veth", "peer", "name", "k3in", "netns", outside], node);
    sh(["ip", "addr", "add", "198.51.100.1/30", "dev", "k3out"], node);
    sh(["ip", "link", "set", "k3out", "up"], node);
    sh(["ip", "addr", "add", "198.51.100.2/30", "dev", "k3in"], outside);
    sh(["ip", "link", "set", "k3in", "up"], outside);
    expect(sh(["sysctl", "-n", "net.ipv4.ip_forward"], node).trim()).toBe("1");
    expect(succeeds(["busybox", "ping", "-c", "2", "-W", "1", "198.51.100.2"], podA)).toBe(true);
    const nat = sh(["iptables-save", "-t", "nat", "-c"], node);
    const masq = nat.split("\n").find((l) => l.includes(`-A ${MASQUERADE_CHAIN}`) && l.includes("-j MASQUERADE"));
    expect(masq).toMatch(/^\[[1-9]\d*:\d+\]/); // its packet counter moved
  });

  it("prepare again changes neither the file nor the rules", async () => {
    const rules = sh(["iptables-save", "-t", "nat"], node).split("\n").filter((l) => l.includes("K3TS")).sort();
    const again = await cni.prepare({ podCidr });
    expect(again.changed).toBe(false);
    expect(sh(["iptables-save", "-t", "nat"], node).split("\n").filter((l) => l.includes("K3TS")).sort()).toEqual(rules);
    expect(rules.filter((l) => l.startsWith("-A POSTROUTING")).length).toBe(1);
  });

  it("DEL releases the addresses, the veths and the hostPort rules", () => {
    httpd?.kill("SIGKILL");
    for (const pod of [b, a]) {
      delNetworkList(list, pod, node, results.get(pod.containerId));
      delLoopback(pod, node);
      expect(sh(["ip", "-o", "link"], pod.podNetns)).not.toContain("eth0");
    }
    expect(readdirSync(join(cni.ipamDir, "k3ts")).filter((f) => f.startsWith("10.250."))).toEqual([]);
    expect(sh(["iptables-save", "-t", "nat"], node)).not.toContain(`--dport ${hostPort}`);
    expect(sh(["ip", "-o", "link", "show", "master", "cni0"], node).trim()).toBe("");
    // A second DEL is fine (SPEC.md: DEL must tolerate what is already gone).
    delNetworkList(list, a, node, results.get(a.containerId));
    expect(existsSync(cni.confFile)).toBe(true);
  });
});
