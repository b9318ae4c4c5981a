/**
 * The pod garbage collector (upstream pkg/controller/podgc), every `periodMs` (20 s upstream):
 * - terminated pods (Succeeded/Failed) beyond `terminatedThreshold` (--terminated-pod-gc-threshold,
 *   12500 upstream and in k3s) are deleted, oldest first;
 * - pods bound to a node that does not exist are force-deleted (grace 0) once the node has been
 *   missing for `quarantineMs` (40 s upstream) and a live read confirms it — this also ends pods
 *   left terminating on a node that is gone, since no kubelet will confirm their deletion;
 * - pods terminating without ever being scheduled are force-deleted.
 * Before a forced delete a pod that had not finished gets phase Failed and the DisruptionTarget
 * condition (reason DeletionByPodGC), as upstream records it.
 */
import type { Informer, KubeObject } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";
import type { ControllerContext, ControllerModule } from "./types.ts";

const PODS = { apiVersion: "v1", resource: "pods" };
const NODES = { apiVersion: "v1", resource: "nodes" };

type Pod = KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string; conditions?: Array<Record<string, unknown>> } };

export interface PodGcOptions {
  periodMs?: number;
  quarantineMs?: number;
  terminatedThreshold?: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

const terminal = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

export function createPodGcController(options: PodGcOptions = {}): ControllerModule {
  const period = options.periodMs ?? 20_000;
  const quarantine = options.quarantineMs ?? 40_000;
  const threshold = options.terminatedThreshold ?? 12_500;
  return {
    name: "pod-garbage-collector",
    async start(ctx) {
      const pods = ctx.client.informer<Pod>(PODS);
      const nodes = ctx.client.informer<KubeObject>(NODES);
      await Promise.all([pods.start(ctx.signal), nodes.start(ctx.signal)]);
      /** Node name → when we first saw pods bound to it while it did not exist. */
      const missingSince = new Map<string, number>();
      const gc = new PodGc(ctx, pods, nodes, missingSince, quarantine, threshold);
      void (async () => {
        while (!ctx.signal.aborted) {
          await sleep(period, ctx.signal);
          if (ctx.signal.aborted) return;
          try {
            await gc.pass();
          } catch (err) {
            ctx.log.warn("pod GC pass failed", { error: err });
          }
        }
      })();
    },
  };
}

export const podGcController = createPodGcController();

class PodGc {
  readonly #ctx: ControllerContext;
  readonly #pods: Informer<Pod>;
  readonly #nodes: Informer<KubeObject>;
  readonly #missingSince: Map<string, number>;
  readonly #quarantine: number;
  readonly #threshold: number;

  constructor(ctx: ControllerContext, pods: Informer<Pod>, nodes: Informer<KubeObject>, missingSince: Map<string, number>, quarantine: number, threshold: number) {
    this.#ctx = ctx;
    this.#pods = pods;
    this.#nodes = nodes;
    this.#missingSince = missingSince;
    this.#quarantine = quarantine;
    this.#threshold = threshold;
  }

  async pass(): Promise<void> {
    const all = this.#pods.list();
    await this.#terminated(all);
    await this.#orphaned(all);
    for (const pod of all) {
      if (pod.metadata.deletionTimestamp && !pod.spec?.nodeName) await this.#forceDelete(pod, false);
    }
  }

  async #terminated(all: Pod[]): Promise<void> {
    if (this.#threshold <= 0) return;
    const done = all.filter((p) => terminal(p) && !p.metadata.deletionTimestamp);
    const excess = done.length - this.#threshold;
    if (excess <= 0) return;
    done.sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
    this.#ctx.log.info("deleting terminated pods beyond the threshold", { count: excess, threshold: this.#threshold });
    for (const pod of done.slice(0, excess)) {
      if (this.#ctx.signal.aborted) return;
      await this.#forceDelete(pod, false);
    }
  }

  async #orphaned(all: Pod[]): Promise<void> {
    const now = Date.now();
    const missing = new Set<string>();
    for (const pod of all) {
      const node = pod.spec?.nodeName;
      if (node && !this.#nodes.get(node)) missing.add(node);
    }
    for (const name of [...this.#missingSince.keys()]) if (!missing.has(name)) this.#missingSince.delete(name);
    const gone = new Set<string>();
    for (const name of missing) {
      const since = this.#missingSince.get(name);
      if (since === undefined) {
        this.#missingSince.set(name, now);
        continue;
      }
      if (now - since < this.#quarantine) continue;
      // The informer may lag: a live read has the last word.
      if (await this.#ctx.client.resource(NODES).get(name)) continue;
      gone.add(name);
    }
    for (const pod of all) {
      if (pod.spec?.nodeName && gone.has(pod.spec.nodeName)) await this.#forceDelete(pod, true);
    }
  }

  async #forceDelete(pod: Pod, orphaned: boolean): Promise<void> {
    const resource = this.#ctx.client.resource<Pod>(PODS);
    const { name, namespace } = pod.metadata;
    try {
      if (orphaned && !terminal(pod)) {
        const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "DisruptionTarget");
        conditions.push({ type: "DisruptionTarget", status: "True", reason: "DeletionByPodGC", message: "PodGC: node no longer exists", lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") });
        await resource.updateStatus({ ...pod, status: { ...pod.status, phase: "Failed", conditions } }).catch(() => undefined);
      }
      await resource.delete(name!, namespace, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      this.#ctx.log.debug("pod deleted", { namespace, name, orphaned });
    } catch (err) {
      if (!isClientError(err, 404) && !isClientError(err, 409)) this.#ctx.log.warn("cannot delete a pod", { namespace, name, error: err });
    }
  }
}
