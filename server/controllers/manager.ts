/**
 * Runs the control plane's controllers: once this server holds the
 * kube-system/kube-controller-manager Lease, every registered module starts with its own
 * field manager and event source; they stop when leadership is lost or the server stops, so
 * that two servers on one datastore never run two sets of controllers.
 */
import type { Logger } from "../../plugins/mod.ts";
import { LeaderElector } from "../../plugins/kit/leader-election.ts";
import type { InProcessClient } from "../client/in-process.ts";
import { createEventRecorder } from "./events.ts";
import type { ClusterConfig, ControllerModule, ResourceDiscovery } from "./types.ts";

export interface ControllerManagerOptions {
  client: InProcessClient;
  modules: readonly ControllerModule[];
  config: ClusterConfig;
  log: Logger;
  /** This server's identity in the lease. */
  identity: string;
  /** The lease's name (the scheduler takes its own). */
  leaseName?: string;
  /** What the server serves (the garbage collector follows every kind). */
  discovery?: ResourceDiscovery;
}

export function runControllerManager(options: ControllerManagerOptions, signal: AbortSignal): Promise<void> {
  const elector = new LeaderElector({
    client: options.client.as("k3ts-leader-election"),
    namespace: "kube-system",
    name: options.leaseName ?? "kube-controller-manager",
    identity: options.identity,
    log: options.log,
  });
  return elector.run(signal, async (leading) => {
    for (const module of options.modules) {
      const log = options.log.child(module.name);
      const client = options.client.as(module.name);
      try {
        await module.start({ client, log, signal: leading, events: createEventRecorder(client, module.name, log), config: options.config, discovery: options.discovery });
        log.debug("controller started");
      } catch (err) {
        log.error("controller failed to start", { error: err });
      }
    }
  });
}
