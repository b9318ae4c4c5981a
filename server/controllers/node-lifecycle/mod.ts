/**
 * The node lifecycle controller (upstream pkg/controller/nodelifecycle, with the NoExecute taint
 * manager of pkg/controller/tainteviction):
 *
 * - a node not heard from (Lease renewal or Ready heartbeat, health.ts) for the grace period
 *   (--node-monitor-grace-period, 40 s) gets its conditions set to Unknown ("Kubelet stopped
 *   posting node status.") and its pods marked not Ready;
 * - taints follow the node's state (taints.ts): NoSchedule for not-ready / unreachable /
 *   pressure conditions and for spec.unschedulable (cordon); the NoExecute not-ready or
 *   unreachable taint, rate-limited per zone (zones.ts);
 * - pods on NoExecute-tainted nodes are evicted per their tolerations (taint-manager.ts). Pods
 *   get the default 300 s not-ready/unreachable tolerations from the pod strategy
 *   (DefaultTolerationSeconds), so they go five minutes after the taint.
 *
 * One loop: a full pass every monitor period (--node-monitor-period, 5 s), and in between the
 * nodes that changed (a cordon is mirrored at once) and the evictions that fall due.
 */
import type { KubeObject, ResourceClient } from "../../../plugins/client.ts";
import { isClientError } from "../../../plugins/client.ts";
import type { ControllerContext, ControllerModule } from "../types.ts";
import { type Clock, realClock, rfc3339 } from "./clock.ts";
import { NodeHealth } from "./health.ts";
import { type PodLike, TaintEvictionPlanner } from "./taint-manager.ts";
import { MANAGED_KEYS, noExecuteTaint, noScheduleTaints, sameTaint, type Taint, TAINT_NOT_READY, TAINT_UNREACHABLE } from "./taints.ts";
import { DEFAULT_ZONE_OPTIONS, type ZoneOptions, ZoneLimiters, zoneOf } from "./zones.ts";

export interface NodeLifecycleOptions {
  /** --node-monitor-grace-period (40 s). */
  gracePeriodMs?: number;
  /** --node-monitor-period (5 s). */
  monitorPeriodMs?: number;
  clock?: Clock;
  zones?: Partial<ZoneOptions>;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

type Node = KubeObject & { spec?: { unschedulable?: boolean; taints?: Taint[] }; status?: { conditions?: Condition[] } };
type Pod = KubeObject & PodLike & { spec?: PodLike["spec"]; status?: { phase?: string; conditions?: Condition[] } };

const NODES = { apiVersion: "v1", resource: "nodes" };
const LEASES = { apiVersion: "coordination.k8s.io/v1", resource: "leases" };
const PODS = { apiVersion: "v1", resource: "pods" };
const LEASE_NAMESPACE = "kube-node-lease";
/** The conditions upstream sets Unknown (and adds when the kubelet never posted them). */
const MONITORED_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

const isManagedNoExecute = (t: Taint) => t.effect === "NoExecute" && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE);
const isManagedNoSchedule = (t: Taint) => t.effect === "NoSchedule" && MANAGED_KEYS.has(t.key);

function sameTaints(a: Taint[], b: Taint[]): boolean {
  return a.length === b.length && a.every((t) => b.some((u) => sameTaint(t, u)));
}

export function createNodeLifecycleController(options: NodeLifecycleOptions = {}): ControllerModule {
  return {
    name: "node-lifecycle-controller",
    async start(ctx) {
      await new NodeLifecycle(ctx, options).start();
    },
  };
}

export const nodeLifecycleController = createNodeLifecycleController();

class NodeLifecycle {
  readonly #ctx: ControllerContext;
  readonly #grace: number;
  readonly #period: number;
  readonly #clock: Clock;
  readonly #health = new NodeHealth();
  readonly #planner = new TaintEvictionPlanner();
  readonly #zones: ZoneLimiters;
  readonly #nodes;
  readonly #leases;
  readonly #pods;
  readonly #nodeClient: ResourceClient<Node>;
  readonly #podClient: ResourceClient<Pod>;
  /** nodeName → "namespace/name" of its pods. */
  readonly #podsByNode = new Map<string, Set<string>>();
  readonly #dirty = new Set<string>();
  /** Nodes whose last patch conflicted: reconciled again once the informer has a newer version. */
  readonly #conflicted = new Set<string>();
  #wake: (() => void) | undefined;

  constructor(ctx: ControllerContext, o: NodeLifecycleOptions) {
    this.#ctx = ctx;
    this.#grace = o.gracePeriodMs ?? 40_000;
    this.#period = o.monitorPeriodMs ?? 5_000;
    this.#clock = o.clock ?? realClock;
    this.#zones = new ZoneLimiters({ ...DEFAULT_ZONE_OPTIONS, ...o.zones });
    this.#nodes = ctx.client.informer<Node>(NODES);
    this.#leases = ctx.client.informer<KubeObject>(LEASES, { namespace: LEASE_NAMESPACE });
    this.#pods = ctx.client.informer<Pod>(PODS);
    this.#nodeClient = ctx.client.resource<Node>(NODES);
    this.#podClient = ctx.client.resource<Pod>(PODS);
  }

  async start(): Promise<void> {
    const signal = this.#ctx.signal;
    await Promise.all([this.#nodes.start(signal), this.#leases.start(signal), this.#pods.start(signal)]);
    this.#pods.on({
      add: (p) => this.#index(p, undefined),
      update: (old, p) => this.#index(p, old),
      delete: (p) => {
        this.#unindex(p);
        this.#planner.forget(p.metadata.namespace!, p.metadata.name!);
      },
    });
    this.#nodes.on({
      update: (old, n) => {
        // A changed spec (cordon) or condition is acted on without waiting for the next pass.
        const retry = this.#conflicted.delete(n.metadata.name!);
        if (retry || old.spec !== n.spec || old.status?.conditions !== n.status?.conditions) this.#kick(n.metadata.name!);
      },
      delete: (n) => {
        this.#conflicted.delete(n.metadata.name!);
        this.#health.forget(n.metadata.name!);
      },
    });
    void this.#run(signal);
  }

  #index(p: Pod, old: Pod | undefined): void {
    if (old?.spec?.nodeName === p.spec?.nodeName) return;
    if (old) this.#unindex(old);
    const node = p.spec?.nodeName;
    if (!node) return;
    let set = this.#podsByNode.get(node);
    if (!set) this.#podsByNode.set(node, set = new Set());
    set.add(`${p.metadata.namespace}/${p.metadata.name}`);
  }

  #unindex(p: Pod): void {
    const node = p.spec?.nodeName;
    const set = node ? this.#podsByNode.get(node) : undefined;
    set?.delete(`${p.metadata.namespace}/${p.metadata.name}`);
    if (set && !set.size) this.#podsByNode.delete(node!);
  }

  #kick(node: string): void {
    this.#dirty.add(node);
    this.#wake?.();
  }

  async #run(signal: AbortSignal): Promise<void> {
    let nextPass = 0;
    while (!signal.aborted) {
      const now = this.#clock.now();
      try {
        if (now >= nextPass) {
          this.#dirty.clear();
          await this.#monitorAll(now);
          nextPass = now + this.#period;
        } else if (this.#dirty.size) {
          const names = [...this.#dirty];
          this.#dirty.clear();
          for (const name of names) {
            const node = this.#nodes.get(name);
            if (node) await this.#reconcileTaints(node, now);
          }
        }
        await this.#evict(now);
      } catch (err) {
        if (signal.aborted) return;
        this.#ctx.log.warn("node lifecycle pass failed", { error: err });
      }
      const wait = Math.max(0, Math.min(nextPass, this.#planner.nextDue()) - this.#clock.now());
      if (this.#dirty.size) continue;
      const woken = new Promise<void>((resolve) => (this.#wake = resolve));
      await Promise.race([this.#clock.sleep(wait, signal), woken]);
      this.#wake = undefined;
    }
  }

  async #monitorAll(now: number): Promise<void> {
    const nodes = this.#nodes.list();
    const current: Node[] = [];
    for (const node of nodes) {
      const name = node.metadata.name!;
      const heardAt = this.#health.observe(node as never, this.#leases.get(name, LEASE_NAMESPACE) as never, now);
      let n = node;
      if (now - heardAt > this.#grace) n = (await this.#markUnknown(node, now)) ?? node;
      current.push(n);
    }
    this.#zones.update(current, now);
    for (const n of current) await this.#reconcileTaints(n, now);
  }

  /** Sets the monitored conditions to Unknown (once), as upstream's tryUpdateNodeHealth does. */
  async #markUnknown(node: Node, now: number): Promise<Node | undefined> {
    const at = rfc3339(now);
    const conditions = [...(node.status?.conditions ?? [])].map((c) => ({ ...c }));
    let changed = false;
    for (const type of MONITORED_CONDITIONS) {
      const c = conditions.find((x) => x.type === type);
      if (!c) {
        conditions.push({ type, status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.", lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: at });
        changed = true;
      } else if (c.status !== "Unknown") {
        Object.assign(c, { status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: at });
        changed = true;
      }
    }
    if (!changed) return undefined;
    try {
      const updated = await this.#nodeClient.updateStatus({ ...node, status: { ...node.status, conditions } });
      this.#ctx.events.event(node, "Normal", "NodeNotReady", `Node ${node.metadata.name} status is now: NodeNotReady`);
      await this.#markPodsNotReady(node.metadata.name!, now);
      return updated;
    } catch (err) {
      if (isClientError(err, 409) || isClientError(err, 404)) return undefined; // The next pass sees the newer node.
      throw err;
    }
  }

  /** Upstream's MarkPodsNotReady: the Ready condition of the node's pods goes False. */
  async #markPodsNotReady(nodeName: string, now: number): Promise<void> {
    for (const key of this.#podsByNode.get(nodeName) ?? []) {
      const [namespace, name] = key.split("/");
      const pod = this.#pods.get(name, namespace);
      const ready = pod?.status?.conditions?.find((c) => c.type === "Ready");
      if (!pod || !ready || ready.status === "False") continue;
      const conditions = pod.status!.conditions!.map((c) => (c.type === "Ready" ? { ...c, status: "False", lastTransitionTime: rfc3339(now) } : c));
      try {
        await this.#podClient.updateStatus({ ...pod, status: { ...pod.status, conditions } });
      } catch (err) {
        this.#ctx.log.debug("cannot mark a pod not ready", { pod: key, error: err });
      }
    }
  }

  async #reconcileTaints(node: Node, now: number): Promise<void> {
    const current = node.spec?.taints ?? [];
    const next: Taint[] = current.filter((t) => !isManagedNoSchedule(t) && !isManagedNoExecute(t));
    for (const t of noScheduleTaints(node)) next.push(current.find((c) => sameTaint(c, t)) ?? t);
    const wanted = this.#zones.allDisrupted ? undefined : noExecuteTaint(node);
    const existing = current.find(isManagedNoExecute);
    if (wanted) {
      if (existing && sameTaint(existing, wanted)) next.push(existing);
      // Swapping not-ready for unreachable (or back) is not a new eviction: no rate limit.
      else if (existing || this.#zones.tryTaint(zoneOf(node), now)) next.push({ ...wanted, timeAdded: rfc3339(now) });
      // else rate limited: the next full pass tries again.
    }
    if (sameTaints(current, next)) return;
    try {
      await this.#nodeClient.patch(node.metadata.name!, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: next.length ? next : null } }, { type: "merge" });
    } catch (err) {
      if (isClientError(err, 409)) this.#retryWhenNewer(node);
      else if (!isClientError(err, 404)) throw err;
    }
  }

  /**
   * After a conflict, the patch is worth retrying only from a newer node than `node`: at once if
   * the informer has one already, else when it delivers one. (Retrying at once from the same
   * stale copy spun: 40,000 conflicting patches in a 30 s scale run, while the informer lagged.)
   */
  #retryWhenNewer(node: Node): void {
    const name = node.metadata.name!;
    if (this.#nodes.get(name)?.metadata.resourceVersion !== node.metadata.resourceVersion) this.#dirty.add(name);
    else this.#conflicted.add(name);
  }

  async #evict(now: number): Promise<void> {
    const seen = new Set<string>();
    for (const node of this.#nodes.list()) {
      const taints = (node.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
      if (!taints.length) continue;
      for (const key of this.#podsByNode.get(node.metadata.name!) ?? []) {
        seen.add(key);
        const [namespace, name] = key.split("/");
        const pod = this.#pods.get(name, namespace);
        if (!pod) continue;
        const verdict = this.#planner.consider(pod, taints, now);
        if (verdict === "evict") await this.#evictPod(pod);
        else if (verdict === "cancelled") this.#ctx.events.event(pod, "Normal", "TaintManagerEviction", `Cancelling deletion of Pod ${key}`);
      }
    }
    // Plans of pods whose node lost its taints (or that moved) are dropped.
    for (const key of this.#planner.keys()) {
      if (seen.has(key)) continue;
      const [namespace, name] = key.split("/");
      const pod = this.#pods.get(name, namespace);
      if (pod && this.#planner.consider(pod, [], now) === "cancelled") this.#ctx.events.event(pod, "Normal", "TaintManagerEviction", `Cancelling deletion of Pod ${key}`);
      else this.#planner.forget(namespace, name);
    }
  }

  async #evictPod(pod: Pod): Promise<void> {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    this.#ctx.events.event(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${key}`);
    try {
      // As upstream: a DisruptionTarget condition says why the pod goes.
      const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "DisruptionTarget");
      conditions.push({ type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint", lastTransitionTime: rfc3339(this.#clock.now()) });
      await this.#podClient.updateStatus({ ...pod, status: { ...pod.status, conditions } }).catch(() => undefined);
      await this.#podClient.delete(pod.metadata.name!, pod.metadata.namespace);
    } catch (err) {
      this.#ctx.log.warn("eviction failed", { pod: key, error: err });
    }
  }
}
