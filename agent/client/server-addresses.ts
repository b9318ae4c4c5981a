/**
 * Learns every API server's address from the `kubernetes` Endpoints in `default` (each server
 * writes its own address there) and hands the list to the transport, so that the agent fails
 * over to another server when its own goes away (k3s's agent load balancer does the same from
 * the same Endpoints).
 */
import type { Client, KubeObject } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import type { Transport } from "./transport.ts";

interface EndpointsJson extends KubeObject {
  subsets?: Array<{ addresses?: Array<{ ip: string }>; ports?: Array<{ name?: string; port: number }> }>;
}

export function serverUrls(endpoints: EndpointsJson): string[] {
  const urls: string[] = [];
  for (const subset of endpoints.subsets ?? []) {
    const port = (subset.ports ?? []).find((p) => p.name === "https" || p.name === undefined)?.port ?? subset.ports?.[0]?.port;
    if (port === undefined) continue;
    for (const a of subset.addresses ?? []) urls.push(`https://${a.ip.includes(":") ? `[${a.ip}]` : a.ip}:${port}`);
  }
  return urls;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host.startsWith("127.") || host === "::1";
}

/**
 * Follows the Endpoints until `signal` aborts. An agent told a loopback --server (a tunnel, or
 * a test) keeps to it: the addresses the servers advertise are not reachable the same way.
 */
export function followServerAddresses(client: Client, transport: Transport, log: Logger, signal: AbortSignal): void {
  if (transport.servers.every(isLoopback)) {
    log.debug("a loopback server: not following the kubernetes Endpoints for other servers");
    return;
  }
  const informer = client.informer<EndpointsJson>({ apiVersion: "v1", resource: "endpoints" }, { namespace: "default", fieldSelector: "metadata.name=kubernetes" });
  const apply = (e: EndpointsJson) => {
    const urls = serverUrls(e);
    if (urls.length === 0) return;
    const before = transport.servers.join(",");
    transport.setServers(urls);
    if (transport.servers.join(",") !== before) log.info("API servers", { servers: transport.servers.join(",") });
  };
  informer.on({ add: apply, update: (_, e) => apply(e) });
  void informer.start(signal);
}
