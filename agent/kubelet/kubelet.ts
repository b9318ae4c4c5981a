/**
 * One node's kubelet, on the Client contract (in-process now, remote for `k3ts agent`) and the
 * Runtime contract: it registers the Node, keeps its Lease renewed and its status current, tells
 * the runtime the node's pod CIDR, and runs a pod worker per pod bound to the node. It watches
 * nothing itself: whoever runs it (kubelet-set.ts) feeds it its pods and its Node from shared
 * informers, so that a thousand simulated nodes cost one watch, not a thousand.
 *
 * Heartbeats after upstream's defaults: the Lease every 10 s (40 s duration); node status looked
 * at every 10 s and written when something but heartbeat times changed, or every minute.
 */
import { type Client, isClientError } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import type { Runtime, RuntimeStatus, VersionResponse } from "../runtime/mod.ts";
import { BackOff, type BackOffOptions } from "./backoff.ts";
import type { KubeletEvents } from "./events.ts";
import { NodeLease } from "./node-lease.ts";
import { type NodeIdentity, nodeLabels, nodeObject, nodeStatus, statusChanged } from "./node-status.ts";
import { PodWorker } from "./pod-worker.ts";
import type { PodSetup } from "./pod-setup.ts";
import { ContainerProber } from "./probes/container-prober.ts";
import { type Prober, runningIsReady } from "./prober.ts";
import { type RealPodOptions, RealPodSetup } from "./real-pod-setup.ts";
import { sleep } from "../../plugins/kit/sleep.ts";
import type { StatusWriter } from "./status-writer.ts";
import type { NodeJson, Pod } from "./types.ts";

const NODES = { apiVersion: "v1", resource: "nodes" };

export interface KubeletTimings {
  leaseDurationSeconds?: number;
  leaseRenewMs?: number;
  statusCheckMs?: number;
  /** A status that did not change is still written this often. */
  statusReportMs?: number;
  /** Spread the first heartbeats over one period (many nodes in one process). */
  stagger?: boolean;
  /** How often pods are re-synced when the runtime has no event stream (generic PLEG). */
  relistMs?: number;
}

export interface KubeletOptions {
  identity: NodeIdentity;
  client: Client;
  runtime: Runtime;
  status: StatusWriter;
  events: KubeletEvents;
  log: Logger;
  prober?: Prober;
  /**
   * Real containers (not simulated): volumes, env from the API, resources, security context,
   * DNS, lifecycle hooks, and probes that run (unless `prober` is given).
   */
  realPods?: RealPodOptions;
  backOff?: BackOffOptions;
  timings?: KubeletTimings;
}

export class Kubelet {
  readonly name: string;
  readonly #o: KubeletOptions;
  readonly #t: Required<KubeletTimings>;
  readonly #workers = new Map<string, PodWorker>();
  readonly #bySandbox = new Map<string, PodWorker>();
  readonly #backOff: BackOff;
  readonly #lease: NodeLease;
  #version: VersionResponse | undefined;
  #runtimeStatus: RuntimeStatus | undefined;
  #node: NodeJson | undefined;
  #lastStatus: NodeJson["status"];
  #lastStatusWrite = 0;
  #podCidr: string | undefined;
  #signal: AbortSignal | undefined;
  #prober: Prober;
  #setup: PodSetup | undefined;
  #wakeStatus: (() => void) | undefined;

  constructor(options: KubeletOptions) {
    this.name = options.identity.name;
    this.#o = options;
    this.#t = {
      leaseDurationSeconds: 40,
      leaseRenewMs: 10_000,
      statusCheckMs: 10_000,
      statusReportMs: 60_000,
      stagger: false,
      relistMs: 1_000,
      ...options.timings,
    };
    this.#backOff = new BackOff(options.backOff);
    this.#lease = new NodeLease(options.client, { name: this.name }, this.#t.leaseDurationSeconds);
    this.#prober = options.prober ?? runningIsReady;
  }

  /** The volumes and container configs of real pods (undefined on simulated nodes). */
  get setup(): PodSetup | undefined {
    return this.#setup;
  }

  get podCount(): number {
    return this.#workers.size;
  }

  /** Registers the node and starts its heartbeats; resolves once the node is registered. */
  async start(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    const runtime = this.#o.runtime;
    const real = this.#o.realPods;
    if (real) {
      const machine = this.#o.identity.machine;
      this.#setup = new RealPodSetup(real, {
        client: this.#o.client,
        runtime,
        log: this.#o.log,
        hostIPs: () => machine.internalIPs,
        node: { cpuCores: machine.cpu, memoryBytes: machine.memoryBytes },
        signal,
      });
      this.#prober = this.#o.prober ?? new ContainerProber({
        runtime,
        events: this.#o.events,
        changed: (uid) => this.#workers.get(uid)?.poke(),
        signal,
      });
    }
    this.#version = await runtime.version();
    this.#runtimeStatus = await runtime.status();
    await this.#register();
    void this.#heartbeat(signal);
    void this.#statusLoop(signal);
    if (runtime.containerEvents) void this.#followRuntime(runtime.containerEvents.bind(runtime), signal);
    else void this.#relist(signal);
  }

  // --- what the informers feed in

  /** A pod bound to this node was added or changed. */
  podChanged(pod: Pod): void {
    const uid = pod.metadata.uid!;
    const worker = this.#workers.get(uid);
    if (worker) return worker.update(pod);
    const created = new PodWorker(pod, {
      nodeName: this.name,
      runtime: this.#o.runtime,
      runtimeName: this.#version?.runtimeName ?? "unknown",
      hostIPs: () => this.#o.identity.machine.internalIPs,
      client: this.#o.client,
      status: this.#o.status,
      prober: this.#prober,
      setup: this.#setup,
      backOff: this.#backOff,
      events: this.#o.events,
      log: this.#o.log,
      signal: this.#signal ?? AbortSignal.abort(),
      sandboxChanged: (w, previous, next) => {
        if (previous) this.#bySandbox.delete(previous);
        if (next) this.#bySandbox.set(next, w);
      },
      finished: (w) => {
        if (this.#workers.get(w.uid) === w) this.#workers.delete(w.uid);
      },
    });
    this.#workers.set(uid, created);
    created.poke();
  }

  /** A pod bound to this node is gone from the API. */
  podDeleted(pod: Pod): void {
    this.#workers.get(pod.metadata.uid!)?.remove();
  }

  /**
   * Once the informers have synced (every pod of this node has its worker): removes what an
   * earlier kubelet left for pods that are gone from the API — their sandboxes and volumes.
   */
  async removeOrphans(): Promise<void> {
    const runtime = this.#o.runtime;
    try {
      for (const s of await runtime.listPodSandbox()) {
        const uid = s.labels["io.kubernetes.pod.uid"];
        if (!uid || this.#workers.has(uid)) continue;
        this.#o.log.info("removing the sandbox of a pod that is gone", { node: this.name, sandbox: s.id, pod: `${s.metadata.namespace}/${s.metadata.name}` });
        await runtime.stopPodSandbox(s.id);
        await runtime.removePodSandbox(s.id);
        await this.#setup?.cleanup(uid);
      }
    } catch (err) {
      this.#o.log.warn("orphaned pod sandboxes not removed", { node: this.name, error: String((err as Error).message ?? err) });
    }
  }

  /** This node's Node object changed (its pod CIDR, most of all). */
  nodeChanged(node: NodeJson): void {
    this.#node = node;
    const cidr = node.spec?.podCIDRs?.join(",") || node.spec?.podCIDR;
    if (cidr && cidr !== this.#podCidr) {
      this.#podCidr = cidr;
      void this.#applyPodCidr(cidr);
    }
  }

  async #applyPodCidr(cidr: string): Promise<void> {
    try {
      await this.#o.runtime.updateRuntimeConfig({ networkConfig: { podCidr: cidr } });
      this.#runtimeStatus = await this.#o.runtime.status();
      this.#o.log.info("pod CIDR set", { node: this.name, podCIDR: cidr });
      // Pods that waited for the network can have their sandboxes now; the node may be Ready now.
      for (const w of this.#workers.values()) if (!w.sandboxId) w.poke();
      this.#wakeStatus?.();
    } catch (err) {
      this.#o.log.error("the runtime refused the pod CIDR", { node: this.name, podCIDR: cidr, error: String(err) });
    }
  }

  // --- registration and heartbeats

  async #register(): Promise<void> {
    const nodes = this.#o.client.resource<NodeJson>(NODES);
    const now = Date.now();
    const status = nodeStatus(this.#o.identity, this.#version!, this.#runtimeStatus!, undefined, now);
    for (;;) {
      try {
        this.#node = await nodes.create(nodeObject(this.#o.identity, status));
        this.#o.log.info("node registered", { node: this.name });
        break;
      } catch (err) {
        if (!isClientError(err, 409)) throw err;
      }
      // Registered before (a restart): take the node over, with our labels and a fresh status.
      const existing = await nodes.get(this.name);
      if (!existing) continue;
      const labels = { ...existing.metadata.labels, ...nodeLabels(this.#o.identity) };
      this.#node = await nodes.patch(this.name, { metadata: { labels } }, { type: "merge" });
      this.#node = await nodes.patch(this.name, { status: nodeStatus(this.#o.identity, this.#version!, this.#runtimeStatus!, existing.status, now) }, { type: "merge", subresource: "status" });
      this.#o.log.info("node already registered; updated it", { node: this.name });
      break;
    }
    this.#lastStatus = this.#node!.status;
    this.#lastStatusWrite = now;
    this.#lease.setNodeUid(this.#node!.metadata.uid);
    this.nodeChanged(this.#node!);
    await this.#lease.renew().catch((err) => this.#o.log.warn("node lease not renewed", { node: this.name, error: String(err) }));
  }

  async #heartbeat(signal: AbortSignal): Promise<void> {
    const period = this.#t.leaseRenewMs;
    if (this.#t.stagger && !(await sleep(Math.random() * period, signal))) return;
    while (await sleep(period, signal)) {
      try {
        await this.#lease.renew();
      } catch (err) {
        if (!signal.aborted) this.#o.log.warn("node lease not renewed", { node: this.name, error: String((err as Error).message ?? err) });
      }
    }
  }

  async #statusLoop(signal: AbortSignal): Promise<void> {
    const period = this.#t.statusCheckMs;
    // The first check comes after a random part of the period, so that many nodes spread out.
    let wait = this.#t.stagger ? Math.random() * period : period;
    while (!signal.aborted) {
      const woken = new Promise<void>((resolve) => (this.#wakeStatus = resolve));
      await Promise.race([sleep(wait, signal), woken]);
      wait = period;
      this.#wakeStatus = undefined;
      if (signal.aborted) return;
      try {
        await this.#updateStatus();
      } catch (err) {
        if (!signal.aborted) this.#o.log.warn("node status not updated", { node: this.name, error: String((err as Error).message ?? err) });
      }
    }
  }

  /** Writes the node's status if it changed, or if the last write is a report period old. */
  async #updateStatus(): Promise<void> {
    this.#runtimeStatus = await this.#o.runtime.status();
    const now = Date.now();
    const next = nodeStatus(this.#o.identity, this.#version!, this.#runtimeStatus, this.#lastStatus, now);
    if (!statusChanged(this.#lastStatus, next) && now - this.#lastStatusWrite < this.#t.statusReportMs) return;
    const written = await this.#o.client.resource<NodeJson>(NODES).patch(this.name, { status: next }, { type: "merge", subresource: "status" });
    this.#lastStatus = written.status;
    this.#lastStatusWrite = now;
  }

  // --- the runtime's side (PLEG)

  async #followRuntime(events: (signal: AbortSignal) => AsyncIterable<{ podSandboxId: string }>, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const e of events(signal)) this.#bySandbox.get(e.podSandboxId)?.poke();
      } catch (err) {
        if (!signal.aborted) this.#o.log.warn("runtime events ended; following again", { node: this.name, error: String(err) });
      }
      if (!(await sleep(1000, signal))) return;
      // Whatever happened while not following: look at every pod once.
      for (const w of this.#workers.values()) w.poke();
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    while (await sleep(this.#t.relistMs, signal)) for (const w of this.#workers.values()) w.poke();
  }
}
