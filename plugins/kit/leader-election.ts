/**
 * Lease-based leader election, after client-go's leaderelection: the holder of a
 * coordination.k8s.io/v1 Lease renews it every `retryPeriod`; another candidate takes it over
 * only once `leaseDuration` has passed since the last renewal; a holder that cannot renew within
 * `renewDeadline` stops leading (its work is aborted) before anyone else can take over.
 * Defaults are controller-runtime's: 15 s lease, 10 s renew deadline, 2 s retry.
 */
import type { Client, KubeObject } from "../client.ts";
import { isClientError } from "../client.ts";
import type { Logger } from "../logger.ts";
import { sleep } from "./sleep.ts";

export interface LeaderElectionOptions {
  client: Client;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

const LEASES = { apiVersion: "coordination.k8s.io/v1", resource: "leases" };

function microTime(d = new Date()): string {
  return d.toISOString().replace("Z", "000Z");
}

export class LeaderElector {
  readonly #o: Required<LeaderElectionOptions>;
  #leading = false;

  constructor(options: LeaderElectionOptions) {
    this.#o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** One attempt to acquire or renew; true when we hold the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.#o;
    const leases = client.resource<KubeObject & { spec?: LeaseSpec }>(LEASES);
    const now = new Date();
    const current = await leases.get(name, namespace);
    const spec: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: Math.round(this.#o.leaseDurationMs / 1000), renewTime: microTime(now) };
    if (!current) {
      try {
        await leases.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } });
        return true;
      } catch (err) {
        if (isClientError(err, 409)) return false;
        throw err;
      }
    }
    const held = current.spec ?? {};
    const renewedAt = held.renewTime ? Date.parse(held.renewTime) : 0;
    const expired = renewedAt + (held.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
    if (held.holderIdentity && held.holderIdentity !== identity && !expired) return false;
    const ours = held.holderIdentity === identity;
    const next = {
      ...current,
      spec: {
        ...held,
        ...spec,
        acquireTime: ours ? held.acquireTime : microTime(now),
        leaseTransitions: (held.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
    };
    try {
      await leases.update(next);
      return true;
    } catch (err) {
      if (isClientError(err, 409)) return false;
      throw err;
    }
  }

  /**
   * Campaigns until `signal` aborts; while leading, `lead` runs with a signal that aborts when
   * leadership is lost (or on shutdown). Leadership lost is followed by a new campaign.
   */
  async run(signal: AbortSignal, lead: (leading: AbortSignal) => void | Promise<void>): Promise<void> {
    const { log, retryPeriodMs, renewDeadlineMs } = this.#o;
    while (!signal.aborted) {
      let acquired = false;
      try {
        acquired = await this.tryAcquireOrRenew();
      } catch (err) {
        log.warn("leader election: lease not reachable", { lease: this.#o.name, error: err });
      }
      if (!acquired) {
        await sleep(retryPeriodMs, signal);
        continue;
      }
      this.#leading = true;
      log.info("became leader", { lease: `${this.#o.namespace}/${this.#o.name}`, identity: this.#o.identity });
      const leadership = new AbortController();
      const stop = () => leadership.abort();
      signal.addEventListener("abort", stop, { once: true });
      void Promise.resolve(lead(leadership.signal)).catch((err) => log.error("leader work failed", { error: err }));
      let lastRenew = Date.now();
      while (!signal.aborted) {
        await sleep(retryPeriodMs, signal);
        if (signal.aborted) break;
        let renewed = false;
        try {
          renewed = await this.tryAcquireOrRenew();
        } catch {
          renewed = false;
        }
        if (renewed) lastRenew = Date.now();
        else if (Date.now() - lastRenew > renewDeadlineMs) break;
      }
      this.#leading = false;
      leadership.abort();
      signal.removeEventListener("abort", stop);
      if (!signal.aborted) log.warn("lost leadership", { lease: this.#o.name });
    }
  }
}
