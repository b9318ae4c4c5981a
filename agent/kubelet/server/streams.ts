/**
 * One node's streams (streams/mod.ts) on its Runtime: logs, exec and attach of a pod's
 * container, found by the labels the kubelet gives its containers (io.kubernetes.pod.uid,
 * .namespace, .name, io.kubernetes.container.name), and /stats/summary from the runtime's
 * container stats. The in-process agent registers it with the API server directly; the kubelet's
 * HTTPS endpoint (https.ts) serves it to API servers elsewhere.
 *
 * CPU usage rates (usageNanoCores) come from the cumulative CPU time of two samples, as
 * cadvisor gives them; the first sample of a container averages over its run time. The node's
 * own figures are the host's (/proc) on a real runtime, and the sum of its pods plus a small
 * system share on a simulated one.
 */
import { readFileSync } from "node:fs";
import * as os from "node:os";
import type { Container, Runtime } from "../../runtime/mod.ts";
import {
  type AttachOptions,
  type ContainerLogOptions,
  type CpuStats,
  type ExecOptions,
  type MemoryStats,
  type NodeStreams,
  NodeStreamsError,
  type PodRef,
  type PodStatsSummary,
  type PortForwardConnection,
  type StreamSession,
  type Summary,
} from "../../../streams/mod.ts";

export interface KubeletStreamsOptions {
  nodeName: string;
  runtime: Runtime;
  /** The node's memory capacity (for availableBytes). */
  memoryBytes: number;
  /** Simulated node: its usage is its pods' plus a nominal system share, not the host's. */
  simulated: boolean;
}

interface Sample {
  at: number;
  cpuNs: number;
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export class KubeletStreams implements NodeStreams {
  readonly #o: KubeletStreamsOptions;
  readonly #samples = new Map<string, Sample>();
  readonly #started = Date.now();
  #hostSample: Sample | undefined;

  constructor(options: KubeletStreamsOptions) {
    this.#o = options;
  }

  /** The pod's containers of this name, newest attempt first. */
  async #instances(pod: PodRef, container: string): Promise<Container[]> {
    const selector: Record<string, string> = pod.uid
      ? { "io.kubernetes.pod.uid": pod.uid, "io.kubernetes.container.name": container }
      : { "io.kubernetes.pod.namespace": pod.namespace, "io.kubernetes.pod.name": pod.name, "io.kubernetes.container.name": container };
    const list = await this.#o.runtime.listContainers({ labelSelector: selector });
    return list.sort((a, b) => b.metadata.attempt - a.metadata.attempt || b.createdAt - a.createdAt);
  }

  async #running(pod: PodRef, container: string): Promise<Container> {
    const current = (await this.#instances(pod, container))[0];
    if (!current || current.state !== "CONTAINER_RUNNING") throw new NodeStreamsError(400, `container not found (${JSON.stringify(container)})`);
    return current;
  }

  async logs(pod: PodRef, container: string, options: ContainerLogOptions): Promise<ReadableStream<Uint8Array>> {
    const instances = await this.#instances(pod, container);
    const chosen = options.previous ? instances[1] : instances[0];
    if (!chosen) {
      if (options.previous) throw new NodeStreamsError(400, `previous terminated container "${container}" in pod "${pod.name}" not found`);
      throw new NodeStreamsError(400, `container "${container}" in pod "${pod.name}" is waiting to start: ContainerCreating`);
    }
    return this.#o.runtime.logs(chosen.id, {
      follow: options.follow && !options.previous,
      tail: options.tailLines,
      since: options.since,
      timestamps: options.timestamps,
      limitBytes: options.limitBytes,
      signal: options.signal,
    });
  }

  async exec(pod: PodRef, container: string, options: ExecOptions): Promise<StreamSession> {
    const c = await this.#running(pod, container);
    return this.#o.runtime.exec({ containerId: c.id, cmd: options.command, tty: options.tty, stdin: options.stdin, stdout: options.stdout, stderr: options.stderr && !options.tty });
  }

  async attach(pod: PodRef, container: string, options: AttachOptions): Promise<StreamSession> {
    const c = await this.#running(pod, container);
    return this.#o.runtime.attach({ containerId: c.id, tty: options.tty, stdin: options.stdin, stdout: options.stdout, stderr: options.stderr && !options.tty });
  }

  // --- port-forward (protocols/spdy, server/api/handlers/pod-portforward.ts)
  /** A connection to `port` in the pod's ready sandbox (found by the kubelet's sandbox labels). */
  async portForward(pod: PodRef, port: number): Promise<PortForwardConnection> {
    const selector: Record<string, string> = pod.uid
      ? { "io.kubernetes.pod.uid": pod.uid }
      : { "io.kubernetes.pod.namespace": pod.namespace, "io.kubernetes.pod.name": pod.name };
    const sandboxes = await this.#o.runtime.listPodSandbox({ state: "SANDBOX_READY", labelSelector: selector });
    const sandbox = sandboxes.sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!sandbox) throw new NodeStreamsError(404, `pod ${pod.namespace}/${pod.name} has no running sandbox on node ${this.#o.nodeName}`);
    return this.#o.runtime.portForward(sandbox.id, port);
  }
  // --- end port-forward

  async stats(): Promise<Summary> {
    const runtime = this.#o.runtime;
    const now = Date.now();
    const time = rfc3339(now);
    const sandboxes = await runtime.listPodSandbox({ state: "SANDBOX_READY" });
    const running = await runtime.listContainers({ state: "CONTAINER_RUNNING" });
    const stats = new Map((await runtime.listContainerStats({ state: "CONTAINER_RUNNING" })).map((s) => [s.containerId, s]));
    const seen = new Set<string>();
    const pods: PodStatsSummary[] = [];
    let podCpu = 0;
    let podMemory = 0;
    for (const sandbox of sandboxes) {
      const containers = running.filter((c) => c.podSandboxId === sandbox.id);
      const summary: PodStatsSummary = {
        podRef: { name: sandbox.metadata.name, namespace: sandbox.metadata.namespace, uid: sandbox.metadata.uid },
        startTime: rfc3339(sandbox.createdAt),
        containers: [],
      };
      let cpu = 0;
      let cpuTotal = 0;
      let memory = 0;
      for (const c of containers) {
        const s = stats.get(c.id);
        if (!s) continue;
        seen.add(c.id);
        let startedAt = c.createdAt;
        try {
          startedAt = (await runtime.containerStatus(c.id)).startedAt || c.createdAt;
        } catch {
          // gone meanwhile: its creation time will do
        }
        const rate = this.#rate(c.id, { at: s.timestamp || now, cpuNs: s.cpuUsageCoreNanoSeconds }, startedAt);
        cpu += rate;
        cpuTotal += s.cpuUsageCoreNanoSeconds;
        memory += s.memoryWorkingSetBytes;
        summary.containers.push({
          name: c.metadata.name,
          startTime: rfc3339(startedAt),
          cpu: { time, usageNanoCores: Math.round(rate), usageCoreNanoSeconds: s.cpuUsageCoreNanoSeconds },
          memory: { time, workingSetBytes: s.memoryWorkingSetBytes, usageBytes: s.memoryWorkingSetBytes },
        });
      }
      summary.cpu = { time, usageNanoCores: Math.round(cpu), usageCoreNanoSeconds: cpuTotal };
      summary.memory = { time, workingSetBytes: memory, usageBytes: memory };
      podCpu += cpu;
      podMemory += memory;
      pods.push(summary);
    }
    for (const id of this.#samples.keys()) if (!seen.has(id)) this.#samples.delete(id);
    const node = this.#o.simulated ? this.#simulatedNode(time, podCpu, podMemory) : this.#hostNode(time, now);
    return { node: { nodeName: this.#o.nodeName, ...node }, pods };
  }

  /** Nanocores since the previous sample (or, the first time, since the container started). */
  #rate(id: string, sample: Sample, startedAt: number): number {
    const previous = this.#samples.get(id) ?? { at: startedAt, cpuNs: 0 };
    this.#samples.set(id, sample);
    const seconds = (sample.at - previous.at) / 1000;
    if (seconds <= 0) return 0;
    return Math.max(0, (sample.cpuNs - previous.cpuNs) / seconds);
  }

  #simulatedNode(time: string, podCpu: number, podMemory: number): { startTime: string; cpu: CpuStats; memory: MemoryStats } {
    // The system's own share on a simulated node: 50 millicores and 256 MiB.
    const cpu = podCpu + 50_000_000;
    const workingSet = podMemory + 256 * 1024 ** 2;
    const uptimeS = (Date.now() - this.#started) / 1000;
    return {
      startTime: rfc3339(this.#started),
      cpu: { time, usageNanoCores: Math.round(cpu), usageCoreNanoSeconds: Math.round(cpu * uptimeS) },
      memory: { time, workingSetBytes: workingSet, usageBytes: workingSet, availableBytes: Math.max(0, this.#o.memoryBytes - workingSet) },
    };
  }

  #hostNode(time: string, now: number): { startTime: string; cpu: CpuStats; memory: MemoryStats } {
    const bootedAt = now - os.uptime() * 1000;
    const cpuNs = hostCpuNanoseconds();
    const previous = this.#hostSample ?? { at: bootedAt, cpuNs: 0 };
    const seconds = (now - previous.at) / 1000;
    const rate = seconds > 0 ? Math.max(0, (cpuNs - previous.cpuNs) / seconds) : 0;
    this.#hostSample = { at: now, cpuNs };
    const total = os.totalmem();
    const available = hostAvailableMemory() ?? os.freemem();
    const workingSet = Math.max(0, total - available);
    return {
      startTime: rfc3339(bootedAt),
      cpu: { time, usageNanoCores: Math.round(rate), usageCoreNanoSeconds: Math.round(cpuNs) },
      memory: { time, workingSetBytes: workingSet, usageBytes: workingSet, availableBytes: available },
    };
  }
}

/** Busy CPU time of the host since boot, in nanoseconds (from /proc/stat, else os.cpus()). */
function hostCpuNanoseconds(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait. USER_HZ is 100.
    const busy = f.slice(0, 8).reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
    return busy * 10_000_000;
  } catch {
    let ms = 0;
    for (const c of os.cpus()) ms += c.times.user + c.times.nice + c.times.sys + c.times.irq;
    return ms * 1_000_000;
  }
}

function hostAvailableMemory(): number | undefined {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
