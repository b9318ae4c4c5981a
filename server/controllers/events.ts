/**
 * Recording Events about objects, as client-go's event recorder does for controllers and the
 * kubelet: a core/v1 Event named `<object>.<hex>` in the object's namespace, with involvedObject,
 * reason, message, type, source and counts; repeats of the same (object, reason, message) within
 * ten minutes bump the count of one Event instead of creating another (the event correlator's
 * aggregation), so that a crash loop does not flood the store.
 */
import type { Client, KubeObject } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** Never throws: an Event that cannot be written is logged and dropped, as upstream does. */
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
}

const EVENTS = { apiVersion: "v1", resource: "events" };
const AGGREGATE_WINDOW_MS = 10 * 60_000;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  last: number;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

function hexSuffix(): string {
  // Upstream: the current time in nanoseconds, in hex.
  return (BigInt(Date.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000))).toString(16);
}

export function createEventRecorder(client: Client, component: string, log: Logger, host?: string): EventRecorder {
  const events = client.resource(EVENTS);
  const seen = new Map<string, Seen>();
  return {
    event(object, type, reason, message) {
      const m = object.metadata;
      const namespace = m.namespace || "default";
      const key = `${m.uid ?? ""}|${object.kind}|${namespace}|${m.name}|${reason}|${message}`;
      const at = Date.now();
      const previous = seen.get(key);
      const write = async () => {
        if (previous && at - previous.last < AGGREGATE_WINDOW_MS) {
          previous.count++;
          previous.last = at;
          await events.patch(previous.name, { count: previous.count, lastTimestamp: now() }, { type: "merge", namespace: previous.namespace });
          return;
        }
        const name = `${m.name}.${hexSuffix()}`;
        const timestamp = now();
        await events.create({
          apiVersion: "v1",
          kind: "Event",
          metadata: { name, namespace },
          involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion },
          reason,
          message,
          type,
          source: { component, ...(host ? { host } : {}) },
          firstTimestamp: timestamp,
          lastTimestamp: timestamp,
          count: 1,
          reportingComponent: component,
          reportingInstance: host ?? "",
        });
        seen.set(key, { name, namespace, count: 1, first: timestamp, last: at });
        if (seen.size > 4096) seen.delete(seen.keys().next().value!);
      };
      write().catch((err) => log.debug("event not recorded", { reason, object: m.name, error: err }));
    },
  };
}
