/**
 * A container's resources as CRI Linux resources, after upstream's kuberuntime_container_linux.go:
 * cpu shares from the cpu request (1024 per core, at least 2), a CFS quota from the cpu limit over
 * a 100 ms period, the memory limit in bytes, and oom_score_adj by QoS class (qos/policy.go):
 * Guaranteed -997, BestEffort 1000, Burstable 1000 - 1000 * request / node memory, within
 * [3, 999]. Quantities are parsed here with plain numbers: bytes and millicores fit in a double.
 */
import type { LinuxContainerResources } from "../runtime/mod.ts";
import type { Pod, PodContainer } from "./types.ts";

const SUFFIXES: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity ("100m", "32Mi", "1e3", "0.5") as a number; undefined if malformed. */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === "number") return q;
  if (typeof q !== "string") return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIXES[m[3] ?? ""];
}

const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
const SHARES_PER_CPU = 1024;
export const CPU_PERIOD_US = 100_000;
const MIN_QUOTA_US = 1_000;

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

/** The pod's QoS class: the API server's status.qosClass, else computed by upstream's rules. */
export function qosClass(pod: Pod): QosClass {
  const known = pod.status?.qosClass;
  if (known === "Guaranteed" || known === "Burstable" || known === "BestEffort") return known;
  const all = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    for (const r of ["cpu", "memory"]) {
      const req = quantityValue(c.resources?.requests?.[r]) ?? 0;
      const lim = quantityValue(c.resources?.limits?.[r]) ?? 0;
      if (req > 0 || lim > 0) any = true;
      if (lim <= 0 || (req > 0 && req !== lim)) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** oom_score_adj of a container (qos/policy.go GetContainerOOMScoreAdjust). */
export function oomScoreAdj(pod: Pod, container: PodContainer, nodeMemoryBytes: number): number {
  const qos = qosClass(pod);
  if (qos === "Guaranteed") return -997;
  if (qos === "BestEffort") return 1000;
  const request = quantityValue(container.resources?.requests?.memory) ?? 0;
  const adj = nodeMemoryBytes > 0 ? 1000 - Math.floor((1000 * request) / nodeMemoryBytes) : 1000;
  // 3 keeps a Burstable container above Guaranteed ones and kubelet/containerd (-999);
  // 999 keeps it below BestEffort.
  return Math.max(3, Math.min(999, adj));
}

/** CRI Linux resources for `container`. */
export function linuxResources(pod: Pod, container: PodContainer, nodeMemoryBytes: number): LinuxContainerResources {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const cpuRequest = quantityValue(requests.cpu) ?? quantityValue(limits.cpu);
  const cpuLimit = quantityValue(limits.cpu);
  const memoryLimit = quantityValue(limits.memory);
  const out: LinuxContainerResources = {
    cpuShares: cpuRequest === undefined ? MIN_SHARES : Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor(cpuRequest * SHARES_PER_CPU))),
    oomScoreAdj: oomScoreAdj(pod, container, nodeMemoryBytes),
  };
  if (cpuLimit !== undefined && cpuLimit > 0) {
    out.cpuPeriod = CPU_PERIOD_US;
    out.cpuQuota = Math.max(MIN_QUOTA_US, Math.floor(cpuLimit * CPU_PERIOD_US));
  }
  if (memoryLimit !== undefined && memoryLimit > 0) out.memoryLimitInBytes = Math.floor(memoryLimit);
  return out;
}
