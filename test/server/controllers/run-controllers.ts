/**
 * Starts controller modules against a test server, as the controller manager would (without
 * leader election): each with its own field manager, logger and event recorder.
 */
import { silentLogger } from "../../../plugins/logger.ts";
import { catalogDiscovery } from "../../../server/controllers/catalog-discovery.ts";
import { createEventRecorder } from "../../../server/controllers/events.ts";
import type { ClusterConfig, ControllerModule } from "../../../server/controllers/types.ts";
import type { TestServer } from "../harness.ts";

export const TEST_CLUSTER_CONFIG: ClusterConfig = {
  clusterCidr: "10.42.0.0/16",
  serviceCidr: "10.43.0.0/16",
  clusterDns: "10.43.0.10",
  clusterDomain: "cluster.local",
  serviceNodePortRange: "30000-32767",
  nodeCidrMaskSize: 24,
};

/** Starts the modules; abort the returned controller to stop them. */
export async function runControllers(t: TestServer, modules: ControllerModule[], config: ClusterConfig = TEST_CLUSTER_CONFIG): Promise<AbortController> {
  const abort = new AbortController();
  // The test server's CA, as the control plane passes it (kube-root-ca.crt).
  config = { ...config, rootCaPem: config.rootCaPem ?? t.server.pki.serverCa.certPem };
  const discovery = catalogDiscovery(t.server.catalog);
  for (const module of modules) {
    const client = t.server.client.as(module.name);
    await module.start({ client, log: silentLogger, signal: abort.signal, events: createEventRecorder(client, module.name, silentLogger), config, discovery });
  }
  return abort;
}

/** Polls `check` until it returns a value that is not undefined/false, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
