/**
 * Events the kubelet records about pods and its node (Pulled, Created, Started, Killing, BackOff,
 * FailedCreatePodSandBox, ...), with source {component: kubelet, host: node}. Repeats of the same
 * event about the same object bump one Event's count (as client-go's correlator aggregates), so
 * that a crash loop writes one Event, not one per restart. `level: "warnings"` records only
 * Warning events: simulated nodes at scale would otherwise write four Events per pod.
 */
import type { Client, KubeObject } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import { apiTime } from "./types.ts";

export type EventType = "Normal" | "Warning";

export interface KubeletEvents {
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
}

const EVENTS = { apiVersion: "v1", resource: "events" };
const AGGREGATE_WINDOW_MS = 10 * 60_000;

export const noEvents: KubeletEvents = { event() {} };

export function kubeletEvents(client: Client, host: string, log: Logger, level: "all" | "warnings" = "all"): KubeletEvents {
  const events = client.resource(EVENTS);
  const seen = new Map<string, { name: string; namespace: string; count: number; last: number }>();
  return {
    event(object, type, reason, message) {
      if (level === "warnings" && type !== "Warning") return;
      const m = object.metadata;
      const namespace = m.namespace || "default";
      const key = `${m.uid ?? m.name}|${reason}|${message}`;
      const at = Date.now();
      const previous = seen.get(key);
      const write = async () => {
        if (previous && at - previous.last < AGGREGATE_WINDOW_MS) {
          previous.count++;
          previous.last = at;
          await events.patch(previous.name, { count: previous.count, lastTimestamp: apiTime(at) }, { type: "merge", namespace: previous.namespace });
          return;
        }
        const name = `${m.name}.${(BigInt(at) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
        const time = apiTime(at);
        seen.set(key, { name, namespace, count: 1, last: at });
        if (seen.size > 4096) seen.delete(seen.keys().next().value!);
        await events.create({
          apiVersion: "v1",
          kind: "Event",
          metadata: { name, namespace },
          involvedObject: { apiVersion: object.apiVersion ?? "v1", kind: object.kind, name: m.name, namespace: m.namespace, uid: m.uid },
          reason,
          message,
          type,
          source: { component: "kubelet", host },
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
          reportingComponent: "kubelet",
          reportingInstance: host,
        });
      };
      write().catch((err) => log.debug("event not recorded", { reason, object: m.name, error: String(err) }));
    },
  };
}
