/**
 * How fast nodes may be given the NoExecute taint, per zone (upstream: the zone states and the
 * rate-limited zoneNoExecuteTainter). The point is to not evict a whole cluster's pods when the
 * problem is more likely the network or the control plane than every node at once:
 *
 * - Normal zone: at most `evictionRate` nodes per second (upstream --node-eviction-rate, 0.1),
 *   with a burst of one — a single failed node is tainted at once.
 * - PartialDisruption (more than 2 nodes and at least 55% of the zone not Ready,
 *   --unhealthy-zone-threshold): `secondaryRate` (--secondary-node-eviction-rate, 0.01/s) in a
 *   zone larger than `largeClusterSize` (--large-cluster-size-threshold, 50), none at all in a
 *   smaller one.
 * - FullDisruption (no Ready node in the zone): no NoExecute taints; when every zone is fully
 *   disrupted the control plane is the likelier culprit and no node is tainted anywhere.
 *
 * The zone is the node's topology.kubernetes.io/zone label ("" without one).
 */
import type { NodeState } from "./taints.ts";
import { readyStatus } from "./taints.ts";

export type ZoneState = "Normal" | "PartialDisruption" | "FullDisruption";

export interface ZoneOptions {
  evictionRate: number;
  secondaryRate: number;
  largeClusterSize: number;
  unhealthyThreshold: number;
}

export const DEFAULT_ZONE_OPTIONS: ZoneOptions = { evictionRate: 0.1, secondaryRate: 0.01, largeClusterSize: 50, unhealthyThreshold: 0.55 };

export function zoneOf(node: { metadata: { labels?: Record<string, string> } }): string {
  return node.metadata.labels?.["topology.kubernetes.io/zone"] ?? node.metadata.labels?.["failure-domain.beta.kubernetes.io/zone"] ?? "";
}

/** Upstream's ComputeZoneState. */
export function zoneState(nodes: NodeState[], threshold: number): ZoneState {
  let notReady = 0;
  for (const n of nodes) if (readyStatus(n) !== "True") notReady++;
  const ready = nodes.length - notReady;
  if (ready === 0 && notReady > 0) return "FullDisruption";
  if (notReady > 2 && notReady / nodes.length >= threshold) return "PartialDisruption";
  return "Normal";
}

/** A token bucket on the controller's clock: `rate` tokens a second, holding at most one. */
export class RateLimiter {
  #rate: number;
  #tokens = 1;
  #at: number;

  constructor(rate: number, now: number) {
    this.#rate = rate;
    this.#at = now;
  }

  setRate(rate: number, now: number): void {
    this.#refill(now);
    this.#rate = rate;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(1, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
  }

  tryTake(now: number): boolean {
    // A zero rate stops all (upstream swaps in an always-rejecting limiter).
    if (this.#rate <= 0) return false;
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export class ZoneLimiters {
  readonly #o: ZoneOptions;
  readonly #limiters = new Map<string, RateLimiter>();
  readonly states = new Map<string, ZoneState>();

  constructor(options: ZoneOptions) {
    this.#o = options;
  }

  /** Recomputes every zone's state and rate from the current nodes. */
  update(nodes: Array<NodeState & { metadata: { labels?: Record<string, string> } }>, now: number): void {
    const byZone = new Map<string, NodeState[]>();
    for (const n of nodes) {
      const z = zoneOf(n);
      byZone.set(z, [...(byZone.get(z) ?? []), n]);
    }
    this.states.clear();
    for (const [zone, members] of byZone) {
      const state = zoneState(members, this.#o.unhealthyThreshold);
      this.states.set(zone, state);
      const rate = state === "Normal" ? this.#o.evictionRate : state === "PartialDisruption" && members.length > this.#o.largeClusterSize ? this.#o.secondaryRate : 0;
      const limiter = this.#limiters.get(zone);
      if (limiter) limiter.setRate(rate, now);
      else this.#limiters.set(zone, new RateLimiter(rate, now));
    }
    for (const zone of [...this.#limiters.keys()]) if (!byZone.has(zone)) this.#limiters.delete(zone);
  }

  /** Every zone fully disrupted: taint nothing (and lift NoExecute taints: the nodes are likely fine). */
  get allDisrupted(): boolean {
    return this.states.size > 0 && [...this.states.values()].every((s) => s === "FullDisruption");
  }

  /** May a node of `zone` get its NoExecute taint now? */
  tryTaint(zone: string, now: number): boolean {
    if (this.allDisrupted || this.states.get(zone) === "FullDisruption") return false;
    return this.#limiters.get(zone)?.tryTake(now) ?? false;
  }
}
