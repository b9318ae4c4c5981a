/**
 * The daemon set controller ("daemonset-controller" upstream): DaemonSets, their pods and
 * ControllerRevisions, and Nodes, from shared informers into one queue of DaemonSet keys. A node
 * that is added, relabelled, retainted or removed requeues every DaemonSet (there are few), so
 * that daemons follow the nodes.
 */
import { Controller, objectKey } from "../../../plugins/kit/controller.ts";
import { Expectations } from "../expectations.ts";
import { ownerIndex } from "../owner-index.ts";
import { controllerRef, type Pod } from "../pod-status.ts";
import type { ControllerContext, ControllerModule } from "../types.ts";
import { syncDaemonSet } from "./sync.ts";
import type { ControllerRevision, DaemonSet, Node } from "./types.ts";

export const DAEMONSETS = { apiVersion: "apps/v1", resource: "daemonsets" };
const NODES = { apiVersion: "v1", resource: "nodes" };
const PODS = { apiVersion: "v1", resource: "pods" };
const REVISIONS = { apiVersion: "apps/v1", resource: "controllerrevisions" };

export interface DaemonSetControllerOptions {
  now?: () => number;
}

/** What about a node matters to daemons: labels, taints, schedulability (conditions do not). */
function nodeShape(n: Node): string {
  return JSON.stringify([n.metadata.labels ?? {}, n.spec?.taints ?? [], n.spec?.unschedulable ?? false]);
}

export function daemonSetController(options: DaemonSetControllerOptions = {}): ControllerModule {
  return {
    name: "daemonset-controller",
    async start(ctx: ControllerContext) {
      const now = options.now ?? Date.now;
      const daemonSets = ctx.client.informer<DaemonSet>(DAEMONSETS);
      const nodes = ctx.client.informer<Node>(NODES);
      const pods = ctx.client.informer<Pod>(PODS);
      const revisions = ctx.client.informer<ControllerRevision>(REVISIONS);
      const expectations = new Expectations();
      await Promise.all([daemonSets.start(ctx.signal), nodes.start(ctx.signal), pods.start(ctx.signal), revisions.start(ctx.signal)]);
      const deps = {
        daemonSets,
        nodes,
        podIndex: ownerIndex(pods),
        revisionIndex: ownerIndex(revisions),
        dsClient: ctx.client.resource<DaemonSet>(DAEMONSETS),
        podClient: ctx.client.resource<Pod>(PODS),
        revisionClient: ctx.client.resource<ControllerRevision>(REVISIONS),
        events: ctx.events,
        expectations,
        failedBackoff: new Map<string, { delayMs: number; until: number }>(),
        now,
      };
      const controller = new Controller({ name: "daemonset-controller", workers: 2, log: ctx.log, reconcile: (key) => syncDaemonSet(deps, key) });
      const ownerKey = (p: Pod) => {
        const ref = controllerRef(p);
        return ref?.kind === "DaemonSet" ? `${p.metadata.namespace}/${ref.name}` : undefined;
      };
      const all = () => {
        for (const ds of daemonSets.list()) controller.enqueue(objectKey(ds));
      };
      const stops = [
        daemonSets.on({ add: (ds) => controller.enqueue(objectKey(ds)), update: (_, ds) => controller.enqueue(objectKey(ds)), delete: (ds) => controller.enqueue(objectKey(ds)) }),
        nodes.on({
          add: all,
          update: (old, n) => {
            if (nodeShape(old) !== nodeShape(n)) all();
          },
          delete: all,
        }),
        pods.on({
          add: (p) => {
            const key = ownerKey(p);
            if (!key) return;
            expectations.creationObserved(key);
            controller.enqueue(key);
          },
          update: (old, p) => {
            const key = ownerKey(p);
            if (!key) return;
            if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) expectations.deletionObserved(key);
            controller.enqueue(key);
          },
          delete: (p) => {
            const key = ownerKey(p);
            if (!key) return;
            if (!p.metadata.deletionTimestamp) expectations.deletionObserved(key);
            controller.enqueue(key);
          },
        }),
        revisions.on({
          delete: (r) => {
            const ref = controllerRef(r);
            if (ref?.kind === "DaemonSet") controller.enqueue(`${r.metadata.namespace}/${ref.name}`);
          },
        }),
      ];
      ctx.signal.addEventListener("abort", () => stops.forEach((s) => s()), { once: true });
      void controller.start(ctx.signal);
    },
  };
}

export const daemonSetControllerModule: ControllerModule = daemonSetController();
