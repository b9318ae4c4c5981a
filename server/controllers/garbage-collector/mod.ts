/**
 * The garbage collector (kube-controller-manager's garbage-collector-controller): deletes
 * objects whose owners are gone, and carries out the foreground and orphan propagation that a
 * delete asked for through the `foregroundDeletion` and `orphan` finalizers. The graph
 * (graph.ts) follows every deletable kind, custom resources included (monitors.ts); the
 * collector (collector.ts) acts on what the graph flags.
 */
import type { ControllerModule } from "../types.ts";
import { Collector } from "./collector.ts";
import { OwnershipGraph } from "./graph.ts";
import { Monitors } from "./monitors.ts";
import { ResourceResolver } from "./resources.ts";

export const garbageCollectorController: ControllerModule = {
  name: "garbage-collector-controller",
  async start(ctx) {
    if (!ctx.discovery) ctx.log.warn("no discovery in the controller context: the garbage collector follows nothing");
    const resources = new ResourceResolver(ctx.discovery);
    // The graph and the collector refer to each other: the graph flags, the collector acts and reads the graph.
    let graph: OwnershipGraph | undefined;
    const collector = new Collector({ client: ctx.client, graph: () => graph!, resources, events: ctx.events, log: ctx.log });
    graph = new OwnershipGraph({
      attemptToDelete: (node) => collector.deleteQueue.enqueue(node.identity.uid),
      attemptToOrphan: (node) => collector.orphanQueue.enqueue(node.identity.uid),
      invalidNamespace: (dep, owner) => collector.reportInvalidNamespace(dep, owner),
    });
    const monitors = new Monitors(ctx.client, graph, resources, ctx.log);
    // The whole graph is built before the workers start: a foreground deletion seen before its
    // dependents' kind is loaded would otherwise finish too early.
    await monitors.sync(ctx.signal);
    collector.start(ctx.signal);
    ctx.log.debug("garbage collector synced", { resources: monitors.count, objects: graph.size });

    // New kinds (CRDs) are followed as they are served; syncs run one at a time.
    let syncing: Promise<void> = Promise.resolve();
    let pending = false;
    const off = ctx.discovery?.onChange(() => {
      if (pending || ctx.signal.aborted) return;
      pending = true;
      syncing = syncing.then(async () => {
        pending = false;
        await monitors.sync(ctx.signal);
      }).catch((err) => ctx.log.warn("resync of followed resources failed", { error: err }));
    });
    ctx.signal.addEventListener("abort", () => {
      off?.();
      monitors.stop();
    }, { once: true });
  },
};
