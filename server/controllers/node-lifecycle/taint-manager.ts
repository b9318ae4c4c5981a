/**
 * NoExecute taint eviction (upstream pkg/controller/tainteviction): a pod on a node with
 * NoExecute taints is deleted at once when it does not tolerate one of them, or when the least
 * tolerationSeconds of the tolerations it uses have passed since the taints were first seen on
 * its node (an eviction already planned is never pushed later). Pods tolerating without a bound
 * stay. A plan is dropped when the taints go or become tolerated.
 *
 * This is the planning; the module deletes what `due` returns and wakes up at `nextDue`.
 */
import { type Taint, type Toleration, tolerationSeconds } from "./taints.ts";

export interface PodLike {
  metadata: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string };
  spec?: { nodeName?: string; tolerations?: Toleration[] };
}

interface Planned {
  createdAt: number;
  at: number;
}

export class TaintEvictionPlanner {
  /** "namespace/name" → when it goes. */
  readonly #planned = new Map<string, Planned>();

  /**
   * Reconsiders one pod given its node's NoExecute taints. Returns "evict" when it must go now,
   * "planned" when it will go later, "kept" otherwise (and "cancelled" when a plan was dropped).
   */
  consider(pod: PodLike, taints: Taint[], now: number): "evict" | "planned" | "kept" | "cancelled" {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const planned = this.#planned.get(key);
    if (!taints.length || pod.metadata.deletionTimestamp) return this.#cancel(key, planned);
    const seconds = tolerationSeconds(pod.spec?.tolerations ?? [], taints);
    if (seconds === undefined) {
      this.#planned.delete(key);
      return "evict";
    }
    if (seconds === Infinity) return this.#cancel(key, planned);
    const createdAt = planned?.createdAt ?? now;
    const at = createdAt + seconds * 1000;
    if (planned && planned.at <= at) return planned.at <= now ? this.#take(key) : "planned";
    if (at <= now) return this.#take(key);
    this.#planned.set(key, { createdAt, at });
    return "planned";
  }

  #take(key: string): "evict" {
    this.#planned.delete(key);
    return "evict";
  }

  #cancel(key: string, planned: Planned | undefined): "kept" | "cancelled" {
    if (!planned) return "kept";
    this.#planned.delete(key);
    return "cancelled";
  }

  keys(): string[] {
    return [...this.#planned.keys()];
  }

  forget(namespace: string, name: string): void {
    this.#planned.delete(`${namespace}/${name}`);
  }

  /** When the next planned eviction is due (Infinity: none). */
  nextDue(): number {
    let next = Infinity;
    for (const p of this.#planned.values()) next = Math.min(next, p.at);
    return next;
  }
}
