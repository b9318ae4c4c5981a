/**
 * What every controller of the control plane gets, and how it is registered: a module with a
 * name and a start function. The manager (manager.ts) starts every registered module once this
 * server holds the controller lease, and stops them on shutdown.
 */
import type { Client } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import type { EventRecorder } from "./events.ts";

/** Cluster settings controllers need (from the server's flags). */
export interface ClusterConfig {
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string;
  clusterDomain: string;
  /** "30000-32767" */
  serviceNodePortRange: string;
  /** Per-node pod CIDR size (24 by default). */
  nodeCidrMaskSize: number;
  /**
   * Added for the root CA publisher (kube-root-ca.crt): the CA bundle (PEM) that pods use to
   * trust the API server, i.e. ApiServer.pki.serverCa.certPem. Optional: without it the
   * publisher does nothing.
   */
  rootCaPem?: string;
}

/**
 * Added for the garbage collector (upstream reads discovery): the resources served right now, and
 * word when that changes (CRDs come and go). Optional: a context without it gets a collector that
 * follows nothing.
 */
export interface ServedResource {
  apiVersion: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
  /** "group/resource" of the storage: two resources on one storage (events) hold the same objects. */
  storage: string;
  /** Whether apiVersion is its group's preferred version. */
  preferred: boolean;
}

export interface ResourceDiscovery {
  resources(): ServedResource[];
  onChange(listener: () => void): () => void;
}

export interface ControllerContext {
  /** A client whose writes carry this controller's name as field manager. */
  client: Client;
  log: Logger;
  /** Aborted on shutdown (or when leadership is lost). */
  signal: AbortSignal;
  /** Records Events about objects, as this controller (source.component). */
  events: EventRecorder;
  config: ClusterConfig;
  /** Added for the garbage collector: what the server serves (see ResourceDiscovery). */
  discovery?: ResourceDiscovery;
}

export interface ControllerModule {
  /** As upstream names it, e.g. "deployment-controller"; used for logs, field manager and events. */
  name: string;
  /** Starts watching and reconciling; returns once informers are synced (or at once). */
  start(ctx: ControllerContext): Promise<void> | void;
}
