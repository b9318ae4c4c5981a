/**
 * The pure parts of the kubelet on real containers, without containerd: $(VAR) expansion, env
 * resolution order and errors, DNS policies, resources and QoS, security contexts, the atomic
 * writer's ..data swap, token refresh timing.
 */
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ApiObjects } from "../../../agent/kubelet/api-objects.ts";
import { podDnsConfig } from "../../../agent/kubelet/dns.ts";
import { ContainerConfigError, containerEnv, expandCommand } from "../../../agent/kubelet/env.ts";
import { expand } from "../../../agent/kubelet/expansion.ts";
import { linuxResources, quantityValue } from "../../../agent/kubelet/resources.ts";
import { linuxSecurityContext } from "../../../agent/kubelet/security-context.ts";
import type { Pod, PodContainer } from "../../../agent/kubelet/types.ts";
import { validPayloadPath, writeAtomically } from "../../../agent/kubelet/volumes/atomic-writer.ts";
import { TokenManager } from "../../../agent/kubelet/volumes/token-manager.ts";
import type { Client } from "../../../plugins/client.ts";

const enc = new TextEncoder();
const rt = { podIPs: ["10.42.0.5"], hostIPs: ["192.0.2.10"], nodeCpuCores: 4, nodeMemoryBytes: 8 * 2 ** 30 };

function pod(c: Partial<PodContainer>, spec: Partial<Pod["spec"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns", uid: "u1", labels: { app: "a" } },
    spec: { nodeName: "n1", serviceAccountName: "sa", containers: [{ name: "c", ...c }], ...spec },
  };
}

const objects: ApiObjects = {
  configMap: (_ns, name) => Promise.resolve(name === "cfg" ? new Map([["a", enc.encode("1")], ["b", enc.encode("2")], ["bad key", enc.encode("x")]]) : undefined),
  secret: (_ns, name) => Promise.resolve(name === "sec" ? new Map([["pw", enc.encode("s3")]]) : undefined),
};

describe("$(VAR) expansion", () => {
  it("expands defined names, keeps undefined ones, unescapes $$", () => {
    const m = new Map([["A", "x"], ["B", "y"]]);
    const f = (s: string) => expand(s, (n) => m.get(n));
    expect(f("$(A)-$(B)")).toBe("x-y");
    expect(f("$(C)")).toBe("$(C)");
    expect(f("$$(A)")).toBe("$(A)");
    expect(f("$A $")).toBe("$A $");
    expect(f("$(A")).toBe("$(A");
    expect(f("$()")).toBe("$()");
  });
});

describe("container env", () => {
  it("takes envFrom first, then env in order, with downward API and key refs", async () => {
    const p = pod({
      envFrom: [{ configMapRef: { name: "cfg" }, prefix: "P_" }, { secretRef: { name: "none", optional: true } }],
      env: [
        { name: "P_a", value: "over" },
        { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        { name: "X", value: "$(IP):$(P_b)" },
        { name: "PW", valueFrom: { secretKeyRef: { name: "sec", key: "pw" } } },
        { name: "SA", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
        { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
      ],
    });
    const env = await containerEnv(p, p.spec.containers[0], objects, rt);
    expect(env).toEqual([
      { key: "P_a", value: "over" },
      { key: "P_b", value: "2" },
      { key: "IP", value: "10.42.0.5" },
      { key: "X", value: "10.42.0.5:2" },
      { key: "PW", value: "s3" },
      { key: "SA", value: "sa" },
      { key: "CPU", value: "4" },
    ]);
    expect(expandCommand(["echo", "$(X)"], env)).toEqual(["echo", "10.42.0.5:2"]);
  });

  it("refuses a missing ConfigMap or key unless optional", async () => {
    const missing = pod({ env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "nope", key: "a" } } }] });
    await expect(containerEnv(missing, missing.spec.containers[0], objects, rt)).rejects.toBeInstanceOf(ContainerConfigError);
    const noKey = pod({ env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "cfg", key: "zz" } } }] });
    await expect(containerEnv(noKey, noKey.spec.containers[0], objects, rt)).rejects.toThrow(/couldn't find key zz/);
    const optional = pod({ env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "cfg", key: "zz", optional: true } } }] });
    expect(await containerEnv(optional, optional.spec.containers[0], objects, rt)).toEqual([]);
  });
});

describe("DNS", () => {
  const host = "nameserver 192.0.2.53\nsearch example.org\noptions edns0\n";
  it("ClusterFirst: cluster DNS, cluster searches then the host's, ndots:5; dnsConfig merges", () => {
    const c = podDnsConfig(pod({}, { dnsConfig: { searches: ["extra.local"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } }), { servers: ["10.43.0.10"], domain: "cluster.local", hostResolvConf: host });
    expect(c).toEqual({ servers: ["10.43.0.10"], searches: ["ns.svc.cluster.local", "svc.cluster.local", "cluster.local", "example.org", "extra.local"], options: ["ndots:2", "edns0"] });
  });
  it("Default, None, and host network", () => {
    const cluster = { servers: ["10.43.0.10"], domain: "cluster.local", hostResolvConf: host };
    expect(podDnsConfig(pod({}, { dnsPolicy: "Default" }), cluster)).toEqual({ servers: ["192.0.2.53"], searches: ["example.org"], options: ["edns0"] });
    expect(podDnsConfig(pod({}, { dnsPolicy: "None", dnsConfig: { nameservers: ["1.2.3.4"] } }), cluster)).toEqual({ servers: ["1.2.3.4"], searches: [], options: [] });
    expect(podDnsConfig(pod({}, { hostNetwork: true }), cluster).servers).toEqual(["192.0.2.53"]);
    expect(podDnsConfig(pod({}, { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }), cluster).servers).toEqual(["10.43.0.10"]);
  });
});

describe("resources", () => {
  it("parses quantities", () => {
    expect(quantityValue("100m")).toBeCloseTo(0.1);
    expect(quantityValue("32Mi")).toBe(32 * 2 ** 20);
    expect(quantityValue("1e3")).toBe(1000);
    expect(quantityValue("1G")).toBe(1e9);
    expect(quantityValue("x")).toBeUndefined();
  });
  it("maps requests and limits to shares, quota and memory, oom_score_adj by QoS", () => {
    const guaranteed = pod({ resources: { limits: { cpu: "500m", memory: "32Mi" } } });
    expect(linuxResources(guaranteed, guaranteed.spec.containers[0], 2 ** 30)).toEqual({ cpuShares: 512, cpuPeriod: 100000, cpuQuota: 50000, memoryLimitInBytes: 32 * 2 ** 20, oomScoreAdj: -997 });
    const best = pod({});
    expect(linuxResources(best, best.spec.containers[0], 2 ** 30)).toEqual({ cpuShares: 2, oomScoreAdj: 1000 });
    const burst = pod({ resources: { requests: { memory: "512Mi", cpu: "250m" } } });
    expect(linuxResources(burst, burst.spec.containers[0], 2 ** 30)).toEqual({ cpuShares: 256, oomScoreAdj: 500 });
  });
});

describe("security context", () => {
  it("merges the pod's and the container's, and checks runAsNonRoot", () => {
    const p = pod({ securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] } } }, { securityContext: { runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000], runAsNonRoot: true } });
    expect(linuxSecurityContext(p, p.spec.containers[0])).toEqual({
      runAsUser: 1000, runAsGroup: 3000, readonlyRootfs: true, noNewPrivs: true, capabilities: { addCapabilities: ["NET_ADMIN"], dropCapabilities: ["ALL"] }, supplementalGroups: [2000, 4000],
    });
    const root = pod({ securityContext: { runAsNonRoot: true } });
    expect(() => linuxSecurityContext(root, root.spec.containers[0])).toThrow(ContainerConfigError);
    const zero = pod({ securityContext: { runAsNonRoot: true, runAsUser: 0 } });
    expect(() => linuxSecurityContext(zero, zero.spec.containers[0])).toThrow(/non-root/);
  });
});

describe("atomic writer", () => {
  const dir = mkdtempSync(join(tmpdir(), "k3ts-aw-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes through ..data, swaps it on change, removes old entries, skips an unchanged payload", async () => {
    const v = join(dir, "vol");
    expect(await writeAtomically(v, new Map([["a", { data: enc.encode("1"), mode: 0o644 }], ["sub/b", { data: enc.encode("2"), mode: 0o400 }]]))).toBe(true);
    const first = readlinkSync(join(v, "..data"));
    expect(readFileSync(join(v, "a"), "utf8")).toBe("1");
    expect(readFileSync(join(v, "sub/b"), "utf8")).toBe("2");
    expect(readlinkSync(join(v, "a"))).toBe("..data/a");
    expect(lstatSync(join(v, "sub/b")).mode & 0o777).toBe(0o400);
    expect(await writeAtomically(v, new Map([["a", { data: enc.encode("1"), mode: 0o644 }], ["sub/b", { data: enc.encode("2"), mode: 0o400 }]]))).toBe(false);
    expect(await writeAtomically(v, new Map([["a", { data: enc.encode("new"), mode: 0o644 }]]))).toBe(true);
    expect(readlinkSync(join(v, "..data"))).not.toBe(first);
    expect(readFileSync(join(v, "a"), "utf8")).toBe("new");
    expect(readdirSync(v).sort()).toEqual(["..data", readlinkSync(join(v, "..data")), "a"].sort());
  });

  it("refuses paths that leave the volume", async () => {
    expect(validPayloadPath("../x")).toBe(false);
    expect(validPayloadPath("/etc/x")).toBe(false);
    expect(validPayloadPath("a/../../x")).toBe(false);
    expect(validPayloadPath("a/b")).toBe(true);
    await expect(writeAtomically(join(dir, "bad"), new Map([["../x", { data: enc.encode(""), mode: 0o644 }]]))).rejects.toThrow(/invalid path/);
  });
});

describe("token manager", () => {
  it("asks again once 80% of the token's life has passed", async () => {
    let now = 1_000_000;
    let calls = 0;
    const client = {
      resource: () => ({
        createSubresource: (_n: string, _s: string, body: { spec: { expirationSeconds: number } }) => {
          calls++;
          return Promise.resolve({ status: { token: `t${calls}`, expirationTimestamp: new Date(now + body.spec.expirationSeconds * 1000).toISOString() } });
        },
      }),
    } as unknown as Client;
    const tokens = new TokenManager(client, () => now);
    const key = { namespace: "ns", serviceAccount: "sa", expirationSeconds: 100, podName: "p", podUid: "u" };
    expect(await tokens.token(key)).toBe("t1");
    expect(tokens.refreshAt(key)).toBe(1_000_000 + 80_000);
    now += 79_000;
    expect(await tokens.token(key)).toBe("t1");
    now += 2_000;
    expect(await tokens.token(key)).toBe("t2");
    tokens.forgetPod("u");
    expect(tokens.refreshAt(key)).toBe(0);
  });
});
