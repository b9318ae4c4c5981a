/**
 * The scheduler: informers for pods, nodes, namespaces and PriorityClasses feed the cache and
 * the queue; one loop takes the next pod, decides on a node (algorithm.ts), assumes the pod
 * there and goes on to the next pod while the binding is written (a bounded number in flight,
 * as upstream binds in goroutines). A pod that fits nowhere gets preemption, the
 * PodScheduled=False condition and a FailedScheduling event, and waits in the queue for a
 * cluster change.
 */
import type { Client, Informer, KubeObject, ResourceClient } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/logger.ts";
import type { EventRecorder } from "../controllers/events.ts";
import { Algorithm, preFilter } from "./algorithm.ts";
import { SchedulerCache } from "./cache.ts";
import { type Diagnosis, fitErrorMessage, rejectorsOf } from "./fit-error.ts";
import type { CycleContext } from "./framework.ts";
import { preempt } from "./preemption.ts";
import { preemptionPolicyOf, type PriorityClass, priorityResolver } from "./priority.ts";
import { defaultProfile } from "./profile.ts";
import { type ClusterEvent, type QueuedPod, SchedulingQueue } from "./queue.ts";
import { podRequests } from "./resources.ts";
import { truncateMessage, unschedulablePatch } from "./status.ts";
import { DEFAULT_SCHEDULER_NAME, isTerminal, type Labels, type Node, type Pod } from "./types.ts";

export interface SchedulerOptions {
  client: Client;
  log: Logger;
  events: EventRecorder;
  schedulerName?: string;
  /** Bindings written at once (default 64). */
  maxInFlightBindings?: number;
  /** Back-off of failed pods (defaults 1 s and 10 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

const PODS = { apiVersion: "v1", resource: "pods" };
const NODES = { apiVersion: "v1", resource: "nodes" };
const NAMESPACES = { apiVersion: "v1", resource: "namespaces" };
const PRIORITY_CLASSES = { apiVersion: "scheduling.k8s.io/v1", resource: "priorityclasses" };

export const NO_NODES_AVAILABLE = "no nodes available to schedule pods";

/**
 * The scheduling loop yields to timers and I/O once it has run this long, or scheduled this many
 * pods, since it last did. Yielding after every pod capped it at one pod per event-loop turn,
 * and a turn of the busy server takes 4-5 ms: about 200-250 pods/s whatever the cost of a pod.
 * The slice matches the controllers' (plugins/kit/yield.ts): while Deployments are being created,
 * every controller worker takes its 5 ms in each turn, and a 2 ms scheduler fell behind.
 */
const TURN_MS = 5;
const PODS_PER_TURN = 64;

/** Yields to timers and I/O between pods (setImmediate where the runtime has it). */
function yieldNow(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** A pending pod's change that could make it schedulable (status-only writes, ours included, cannot). */
function podSpecChanged(old: Pod, pod: Pod): boolean {
  return !sameJson(old.spec, pod.spec) || !sameJson(old.metadata.labels, pod.metadata.labels) || !sameJson(old.metadata.annotations, pod.metadata.annotations);
}

/** upstream's nodeSchedulingPropertiesChange: heartbeats alone do not wake pods up. */
function nodeSchedulingChanged(old: Node, node: Node): boolean {
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === "Ready")?.status;
  return old.spec?.unschedulable !== node.spec?.unschedulable ||
    ready(old) !== ready(node) ||
    !sameJson(old.metadata.labels, node.metadata.labels) ||
    !sameJson(old.spec?.taints, node.spec?.taints) ||
    !sameJson(old.status?.allocatable, node.status?.allocatable);
}

export interface SchedulerStats {
  scheduled: number;
  bound: number;
  failedAttempts: number;
  bindingErrors: number;
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #name: string;
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly algorithm: Algorithm;
  readonly stats: SchedulerStats = { scheduled: 0, bound: 0, failedAttempts: 0, bindingErrors: 0 };
  readonly #pods: ResourceClient<Pod>;
  #podInformer!: Informer<Pod>;
  #namespaces: Informer<KubeObject> | undefined;
  #classes: Informer<PriorityClass> | undefined;
  readonly priorityOf: (pod: Pod) => number;
  /** Pods nominated by preemption: node -> uid -> pod. */
  readonly #nominated = new Map<string, Map<string, Pod>>();
  readonly #nominatedNode = new Map<string, string>();
  #inFlight = 0;
  #slotWaiters: Array<() => void> = [];
  #running: Promise<void> | undefined;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#name = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.#pods = options.client.resource<Pod>(PODS);
    // The class informer is attached in start(); until then spec.priority alone counts.
    this.priorityOf = (pod) => priorityResolver(this.#classes)(pod);
    this.queue = new SchedulingQueue({ priorityOf: this.priorityOf, initialBackoffMs: options.initialBackoffMs, maxBackoffMs: options.maxBackoffMs });
    this.algorithm = new Algorithm(defaultProfile(this.priorityOf));
  }

  /** Starts informers (resolves once they are synced) and the scheduling loop, until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    const { client, log } = this.#o;
    this.queue.start(signal);
    const nodes = client.informer<Node>(NODES);
    this.#podInformer = client.informer<Pod>(PODS);
    this.#namespaces = client.informer(NAMESPACES);
    try {
      this.#classes = client.informer<PriorityClass>(PRIORITY_CLASSES);
    } catch {
      // A server without scheduling.k8s.io: spec.priority alone.
      this.#classes = undefined;
    }
    await Promise.all([nodes.start(signal), this.#podInformer.start(signal), this.#namespaces.start(signal), this.#classes?.start(signal)]);
    const offs = [
      nodes.on({
        add: (n) => {
          this.cache.setNode(n);
          this.#event("NodeAdd");
        },
        update: (old, n) => {
          this.cache.setNode(n);
          if (nodeSchedulingChanged(old, n)) this.#event("NodeUpdate");
        },
        delete: (n) => this.cache.removeNode(n.metadata.name!),
      }),
      this.#podInformer.on({
        add: (p) => this.#podAdded(p),
        update: (old, p) => this.#podUpdated(old, p),
        delete: (p) => this.#podDeleted(p),
      }),
    ];
    signal.addEventListener("abort", () => {
      for (const off of offs) off();
    }, { once: true });
    log.info("scheduler started", { nodes: this.cache.nodeCount, pending: this.queue.activeLength });
    this.#running = this.#loop(signal);
  }

  /** Resolves when the loop has stopped (after `signal` aborted). */
  stopped(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  #event(e: ClusterEvent): void {
    this.queue.onClusterEvent(e);
  }

  #ours(p: Pod): boolean {
    return (p.spec.schedulerName ?? DEFAULT_SCHEDULER_NAME) === this.#name;
  }

  #pending(p: Pod): boolean {
    return !p.spec.nodeName && !p.metadata.deletionTimestamp && !isTerminal(p) && this.#ours(p) && !p.spec.schedulingGates?.length;
  }

  #podAdded(p: Pod): void {
    if (p.spec.nodeName) {
      if (isTerminal(p)) return;
      this.cache.setPod(p);
      this.#unnominate(p);
      this.#event("AssignedPodAdd");
    } else if (this.#pending(p)) {
      this.#syncNomination(p);
      this.queue.add(p);
    }
  }

  #podUpdated(old: Pod, p: Pod): void {
    if (p.spec.nodeName) {
      if (!old.spec.nodeName) {
        this.queue.delete(p);
        this.#unnominate(p);
      }
      if (isTerminal(p)) {
        this.cache.removePod(p);
        this.#event("AssignedPodDelete");
        return;
      }
      this.cache.setPod(p);
      if (!old.spec.nodeName) this.#event("AssignedPodAdd");
      else if (!sameJson(old.metadata.labels, p.metadata.labels)) this.#event("AssignedPodUpdate");
      return;
    }
    if (!this.#pending(p)) {
      this.queue.delete(p);
      this.#unnominate(p);
      return;
    }
    this.#syncNomination(p);
    if (this.queue.has(p)) this.queue.update(p, podSpecChanged(old, p));
    else this.queue.add(p);
  }

  #podDeleted(p: Pod): void {
    this.#unnominate(p);
    if (p.spec.nodeName || this.cache.nodeOf(p.metadata.uid!)) {
      this.cache.removePod(p);
      this.#event("AssignedPodDelete");
    }
    this.queue.delete(p);
  }

  #syncNomination(p: Pod): void {
    const node = p.status?.nominatedNodeName;
    if (node) this.#nominate(p, node);
    else if (this.#nominatedNode.has(p.metadata.uid!)) this.#unnominate(p);
  }

  #nominate(p: Pod, node: string): void {
    this.#unnominate(p);
    const uid = p.metadata.uid!;
    let pods = this.#nominated.get(node);
    if (!pods) this.#nominated.set(node, (pods = new Map()));
    pods.set(uid, p);
    this.#nominatedNode.set(uid, node);
  }

  #unnominate(p: Pod): void {
    const uid = p.metadata.uid!;
    const node = this.#nominatedNode.get(uid);
    if (node === undefined) return;
    this.#nominatedNode.delete(uid);
    const pods = this.#nominated.get(node);
    pods?.delete(uid);
    if (pods && !pods.size) this.#nominated.delete(node);
  }

  #context(pod: Pod): CycleContext {
    const namespaces = this.#namespaces;
    const nominated = this.#nominated;
    return {
      pod,
      requests: podRequests(pod),
      priority: this.priorityOf(pod),
      cache: this.cache,
      namespaceLabels: (name) => namespaces?.get(name)?.metadata.labels as Labels | undefined,
      namespaces: () => (namespaces?.list() ?? []).map((n) => n.metadata.name!),
      nominatedFor: (node) => {
        const pods = nominated.get(node);
        return pods ? [...pods.values()] : [];
      },
      state: new Map(),
    };
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let turnStart = performance.now();
    let inTurn = 0;
    while (!signal.aborted) {
      const info = await this.queue.pop();
      if (!info || signal.aborted) return;
      const cycle = this.queue.schedulingCycle;
      try {
        await this.#scheduleOne(info, cycle, signal);
      } catch (err) {
        this.#o.log.error("scheduling attempt failed", { pod: info.key, error: err });
        this.queue.requeue(info, [], cycle, true);
      }
      if (++inTurn >= PODS_PER_TURN || performance.now() - turnStart >= TURN_MS) {
        await yieldNow();
        turnStart = performance.now();
        inTurn = 0;
      }
    }
  }

  async #scheduleOne(info: QueuedPod, cycle: number, signal: AbortSignal): Promise<void> {
    const stale = info.pod;
    const pod = this.#podInformer.get(stale.metadata.name!, stale.metadata.namespace) ?? stale;
    if (pod.metadata.uid !== stale.metadata.uid || !this.#pending(pod) || this.cache.nodeOf(pod.metadata.uid!)) {
      this.queue.done(info);
      return;
    }
    const ctx = this.#context(pod);
    const result = this.algorithm.schedule(ctx);
    if ("node" in result) {
      this.stats.scheduled++;
      const assumed = this.cache.assume(pod, result.node);
      if (this.#inFlight >= (this.#o.maxInFlightBindings ?? 64)) await new Promise<void>((r) => this.#slotWaiters.push(r));
      this.#inFlight++;
      void this.#bind(info, pod, assumed, result.node, cycle, signal).finally(() => {
        this.#inFlight--;
        this.#slotWaiters.shift()?.();
      });
      return;
    }
    this.stats.failedAttempts++;
    await this.#failed(info, pod, ctx, result.diagnosis, cycle, result.noNodes === true);
  }

  async #bind(info: QueuedPod, pod: Pod, assumed: Pod, node: string, cycle: number, signal: AbortSignal): Promise<void> {
    const { namespace, name } = pod.metadata;
    try {
      await this.#pods.createSubresource(name!, "binding", {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name: name!, namespace, uid: pod.metadata.uid },
        target: { apiVersion: "v1", kind: "Node", name: node },
      }, namespace);
      this.stats.bound++;
      this.queue.done(info);
      this.#o.events.event(pod, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${node}`);
    } catch (err) {
      this.cache.forget(assumed);
      this.#event("AssignedPodDelete");
      if (signal.aborted) return;
      this.stats.bindingErrors++;
      const message = err instanceof Error ? err.message : String(err);
      // Gone, or bound by someone else: nothing more to do for it.
      if (isClientError(err, 404) || /already assigned|being deleted/.test(message)) {
        this.queue.done(info);
        return;
      }
      this.#o.log.debug("binding failed", { pod: `${namespace}/${name}`, node, error: err });
      const text = truncateMessage(`Binding rejected: ${message}`);
      this.#o.events.event(pod, "Warning", "FailedScheduling", text);
      await this.#writeStatus(pod, "SchedulerError", text);
      this.queue.requeue(info, [], cycle, true);
    }
  }

  async #failed(info: QueuedPod, pod: Pod, ctx: CycleContext, diagnosis: Diagnosis, cycle: number, noNodes: boolean): Promise<void> {
    let nominate: string | undefined;
    let message: string;
    if (noNodes) {
      message = NO_NODES_AVAILABLE;
    } else {
      // A PreFilter failure rules out every node whatever runs there: the dry run has no filters to pass.
      const filters = preFilter(this.algorithm.profile, ctx);
      const outcome = preempt({
        ctx,
        filters: Array.isArray(filters) ? filters : [],
        diagnosis,
        priorityOf: this.priorityOf,
        preemptionPolicy: preemptionPolicyOf(pod, this.#classes),
      });
      if ("node" in outcome) {
        nominate = outcome.node;
        this.#evict(pod, outcome.node, outcome.victims);
        this.#nominate(pod, outcome.node);
        message = fitErrorMessage(diagnosis);
      } else {
        // Preemption cannot help: a nomination left from an earlier attempt no longer holds.
        if (pod.status?.nominatedNodeName) nominate = "";
        message = fitErrorMessage({ ...diagnosis, postFilterMessage: outcome.message });
      }
    }
    message = truncateMessage(message);
    this.#o.events.event(pod, "Warning", "FailedScheduling", message);
    await this.#writeStatus(pod, "Unschedulable", message, nominate);
    const rejectors = rejectorsOf(diagnosis);
    if (nominate) rejectors.add("DefaultPreemption");
    this.queue.requeue(info, rejectors, cycle, false);
  }

  #evict(pod: Pod, node: string, victims: Pod[]): void {
    for (const victim of victims) {
      this.#o.events.event(victim, "Normal", "Preempted", `Preempted by pod ${pod.metadata.uid} on node ${node}`);
      // A graceful delete, as upstream's: the victim's kubelet stops it within its grace period.
      this.#pods.delete(victim.metadata.name!, victim.metadata.namespace).catch((err) => {
        this.#o.log.warn("preemption: victim not deleted", { pod: `${victim.metadata.namespace}/${victim.metadata.name}`, error: err });
      });
    }
    this.#o.log.info("preempting", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, node, victims: victims.map((v) => `${v.metadata.namespace}/${v.metadata.name}`) });
  }

  async #writeStatus(pod: Pod, reason: string, message: string, nominate?: string): Promise<void> {
    const patch = unschedulablePatch(pod, reason, message, nominate);
    if (!patch) return;
    try {
      await this.#pods.patch(pod.metadata.name!, patch, { type: "merge", subresource: "status", namespace: pod.metadata.namespace });
    } catch (err) {
      this.#o.log.debug("pod status not updated", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: err });
    }
  }
}
