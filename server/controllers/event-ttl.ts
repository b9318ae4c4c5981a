/**
 * Events expire (upstream: --event-ttl, 1 h, an etcd lease on every Event write): every
 * `periodMs` the Events whose last write is older than the TTL are deleted, with a pause after
 * every `batchSize` deletes, so that a cluster with many Events is trimmed without a burst of
 * writes. The Events are read from a shared informer (the watch cache's own objects): listing
 * them from the datastore every minute, with a count per page, decoded every Event of the
 * cluster and was 12 % of the server's CPU at 30,000 pods. An Event's age counts from its latest occurrence (a repeated Event stays while it
 * repeats, as a rewritten etcd key renews its lease upstream); a delete is conditional on the
 * resourceVersion seen, so a repeat recorded meanwhile survives.
 */
import type { KubeObject } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";
import { yieldToLoop } from "../../plugins/kit/yield.ts";
import type { ControllerModule } from "./types.ts";

const EVENTS = { apiVersion: "v1", resource: "events" };

export interface EventTtlOptions {
  ttlMs?: number;
  periodMs?: number;
  batchSize?: number;
  /** Pause between pages. */
  pauseMs?: number;
}

type Event = KubeObject & { lastTimestamp?: string; firstTimestamp?: string; eventTime?: string; series?: { lastObservedTime?: string } };

/**
 * When an Event last happened, in ms: its latest occurrence time (lastTimestamp, eventTime,
 * series.lastObservedTime), else firstTimestamp, else its creation (NaN when it has none).
 */
export function lastWritten(e: Event): number {
  const latest = (list: Array<string | undefined>) => {
    const times = list.filter((t): t is string => !!t).map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t));
    return times.length ? Math.max(...times) : undefined;
  };
  return latest([e.lastTimestamp, e.eventTime, e.series?.lastObservedTime]) ?? latest([e.firstTimestamp]) ?? latest([e.metadata.creationTimestamp]) ?? NaN;
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

export function createEventTtlController(options: EventTtlOptions = {}): ControllerModule {
  const ttl = options.ttlMs ?? 3_600_000;
  const period = options.periodMs ?? 60_000;
  const batch = options.batchSize ?? 500;
  const pause = options.pauseMs ?? 100;
  return {
    name: "event-ttl",
    start(ctx) {
      const events = ctx.client.resource<Event>(EVENTS);
      const informer = ctx.client.informer<Event>(EVENTS);
      const sweep = async () => {
        const cutoff = Date.now() - ttl;
        let deleted = 0;
        for (const e of informer.list()) {
          if (ctx.signal.aborted) return;
          // The scan itself is in memory; it still lets I/O in on a cluster with many Events.
          await yieldToLoop();
          if (!(lastWritten(e) < cutoff)) continue;
          try {
            await events.delete(e.metadata.name!, e.metadata.namespace, { preconditions: { resourceVersion: e.metadata.resourceVersion } });
            if (++deleted % batch === 0) await sleep(pause, ctx.signal);
          } catch (err) {
            // Rewritten meanwhile (a repeat), or already gone: it lives on, or needs nothing.
            if (!isClientError(err, 409) && !isClientError(err, 404)) throw err;
          }
        }
        if (deleted) ctx.log.debug("expired events deleted", { count: deleted });
      };
      void (async () => {
        await informer.start(ctx.signal);
        while (!ctx.signal.aborted) {
          try {
            await sweep();
          } catch (err) {
            if (!ctx.signal.aborted) ctx.log.warn("event expiry failed", { error: err });
          }
          await sleep(period, ctx.signal);
        }
      })();
    },
  };
}

export const eventTtlController = createEventTtlController();
