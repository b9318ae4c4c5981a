/**
 * The control plane of `k3ts server` from its settled flags: the API server on the datastore,
 * with its PKI and tokens under <data-dir>/server, and the admin kubeconfig written out.
 */
import { hostname, networkInterfaces } from "node:os";
import { join } from "node:path";
import type { Datastore } from "../datastore/mod.ts";
import type { FlagValue } from "../plugins/flags.ts";
import type { Logger } from "../plugins/mod.ts";
import * as platform from "../plugins/platform.ts";
import { type ApiServer, startApiServer } from "./api-server.ts";
import { nodeFileStore } from "./auth/node-file-store.ts";
import { catalogDiscovery } from "./controllers/catalog-discovery.ts";
import { runControllerManager } from "./controllers/manager.ts";
import { CONTROLLER_MODULES } from "./controllers/modules.ts";
import type { ClusterConfig } from "./controllers/types.ts";
import { parseFileMode, writeKubeconfig } from "./kubeconfig-file.ts";
import { versionInfo } from "./version.ts";

export interface ControlPlane {
  api: ApiServer;
  config: ClusterConfig;
  kubeconfigPaths: string[];
  stop(): Promise<void>;
}

/** This host's non-internal addresses, for the serving certificate's SANs. */
function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal) out.push(a.address);
  return out;
}

export async function startControlPlane(values: Record<string, FlagValue>, dataDir: string, datastore: Datastore, log: Logger, k3tsVersion: string): Promise<ControlPlane> {
  const serverDir = join(dataDir, "server");
  const port = values["https-listen-port"] as number;
  const bindAddress = values["bind-address"] as string;
  const api = await startApiServer({
    datastore,
    log: log.child("api"),
    tlsFiles: nodeFileStore(join(serverDir, "tls")),
    tokenFiles: nodeFileStore(serverDir),
    port,
    bindAddress,
    hostname: (values["node-name"] as string | undefined) ?? hostname().toLowerCase(),
    addresses: localAddresses(),
    tlsSans: values["tls-san"] as string[] | undefined,
    clusterDomain: values["cluster-domain"] as string,
    serviceCidr: values["service-cidr"] as string,
    clusterCidr: values["cluster-cidr"] as string,
    serviceNodePortRange: values["service-node-port-range"] as string | undefined,
    token: values.token as string | undefined,
    version: versionInfo(k3tsVersion, platform.runtimeVersion(), `${process.platform}/${process.arch}`),
  });
  // Clients on this host reach the server on loopback, whichever address it is bound to.
  const local = bindAddress === "0.0.0.0" || bindAddress === "::" ? "127.0.0.1" : bindAddress;
  const url = `https://${local.includes(":") ? `[${local}]` : local}:${api.port}`;
  const content = api.kubeconfig(url);
  const paths = [join(serverDir, "cred", "admin.kubeconfig")];
  writeKubeconfig(paths[0], content, 0o600);
  const requested = values["write-kubeconfig"] as string | undefined;
  if (requested) {
    writeKubeconfig(requested, content, parseFileMode(String(values["write-kubeconfig-mode"] ?? "600")) ?? 0o600);
    paths.push(requested);
  }
  const controllers = new AbortController();
  const config: ClusterConfig = {
    clusterCidr: values["cluster-cidr"] as string,
    serviceCidr: values["service-cidr"] as string,
    clusterDns: values["cluster-dns"] as string,
    clusterDomain: values["cluster-domain"] as string,
    serviceNodePortRange: values["service-node-port-range"] as string,
    nodeCidrMaskSize: 24,
    rootCaPem: api.pki.serverCa.certPem,
  };
  const identity = `${(values["node-name"] as string | undefined) ?? hostname().toLowerCase()}_${crypto.randomUUID()}`;
  const managing = runControllerManager({ client: api.client, modules: CONTROLLER_MODULES, config, log: log.child("controllers"), identity, discovery: catalogDiscovery(api.catalog) }, controllers.signal);
  return {
    api,
    config,
    kubeconfigPaths: paths,
    async stop() {
      controllers.abort();
      await managing;
      await api.stop();
    },
  };
}
