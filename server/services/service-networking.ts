/**
 * Service networking in the API server: cluster IP and node port allocation in the Service
 * write path (the ResourceStore's beginWrite/afterDelete hooks, as upstream's Service REST
 * storage does it, so that a create's response already carries its clusterIP), the repair pass
 * at start and every three minutes, and the `kubernetes` Service.
 *
 * Concurrency: every allocation is a create-if-absent of one datastore record per value
 * (allocation-records.ts), atomic in SQLite and Postgres alike, so concurrent creates in this
 * process and on other servers sharing the datastore never get one value twice; the records
 * survive restarts, and the repair reconciles them with the stored Services.
 */
import type { Client } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import { createEventRecorder } from "../controllers/events.ts";
import type { ResourceStoreHooks } from "../registry/rest/resource-store.ts";
import type { ResourceDefinition } from "../registry/types.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import type { KubeObject } from "../storage/object.ts";
import { resourcePrefix } from "../storage/keys.ts";
import type { WatchCache } from "../storage/watch-cache.ts";
import { AllocationRecords } from "./allocation-records.ts";
import { Allocator } from "./allocator.ts";
import { firstServiceIP, type IPRange, serviceIPRange } from "./ip-range.ts";
import { ensureKubernetesService } from "./kubernetes-service.ts";
import { parsePortRange, type PortRange } from "./port-range.ts";
import { type RepairFinding, repairAllocations } from "./repair.ts";
import { ServiceAllocation } from "./service-allocation.ts";

export const DEFAULT_SERVICE_CIDR = "10.43.0.0/16";
export const DEFAULT_NODE_PORT_RANGE = "30000-32767";
const REPAIR_INTERVAL_MS = 3 * 60_000;
const KUBERNETES_SERVICE_INTERVAL_MS = 10_000;

export interface ServiceNetworkingOptions {
  objects: ObjectStore;
  cache: WatchCache;
  /** --service-cidr; only the first of a dual-stack pair is used. */
  serviceCidr?: string;
  /** --service-node-port-range. */
  nodePortRange?: string;
  log: Logger;
}

export class ServiceNetworking {
  readonly ipRange: IPRange;
  readonly portRange: PortRange;
  readonly allocation: ServiceAllocation;
  readonly #o: ServiceNetworkingOptions;
  #pending: RepairFinding[] = [];

  constructor(options: ServiceNetworkingOptions) {
    this.#o = options;
    this.ipRange = serviceIPRange((options.serviceCidr || DEFAULT_SERVICE_CIDR).split(",")[0].trim());
    this.portRange = parsePortRange(options.nodePortRange || DEFAULT_NODE_PORT_RANGE);
    const { ipRange, portRange } = this;
    const ips = new Allocator({
      size: ipRange.size,
      staticSize: ipRange.staticSize,
      valueAt: ipRange.at,
      offsetOf: ipRange.offsetOf,
      noun: "IP",
      notInRange: (ip) => `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${ipRange.cidr}`,
    }, new AllocationRecords(options.objects, options.cache, "serviceips", "ServiceIPAllocation"));
    const ports = new Allocator({
      size: portRange.size,
      staticSize: portRange.staticSize,
      valueAt: (offset) => String(portRange.at(offset)),
      offsetOf: (port) => (/^\d+$/.test(port) ? portRange.offsetOf(Number(port)) : undefined),
      noun: "port",
      notInRange: () => `provided port is not in the valid range. The range of valid ports is ${portRange.text}`,
    }, new AllocationRecords(options.objects, options.cache, "servicenodeports", "ServiceNodePortAllocation"));
    this.allocation = new ServiceAllocation({ ips, family: ipRange.family, ports });
  }

  /** The hooks for the ResourceStore: only core/v1 Services are concerned. */
  hooks(): Pick<ResourceStoreHooks, "beginWrite" | "afterDelete"> {
    const isService = (def: ResourceDefinition) => def.group === "" && def.resource === "services";
    return {
      beginWrite: async (op, def, object, old, scope) => {
        if (!isService(def)) return;
        return op === "CREATE" ? this.allocation.beginCreate(object, !!scope.dryRun) : this.allocation.beginUpdate(object, old!, !!scope.dryRun);
      },
      afterDelete: async (def, object) => {
        if (isService(def)) await this.allocation.afterDelete(object);
      },
    };
  }

  /** The repair pass over what is stored now; findings wait for start() to become Events. */
  async repair(): Promise<RepairFinding[]> {
    const services = this.#o.cache.list(resourcePrefix({ group: "", resource: "services" })).map((e) => e.object);
    const findings = await repairAllocations({
      allocators: this.allocation.allocators,
      services,
      portRange: this.portRange.text,
      serviceCidr: this.ipRange.cidr,
    });
    for (const f of findings) this.#o.log.warn("service allocation repaired", { reason: f.reason, service: `${f.service.metadata.namespace}/${f.service.metadata.name}`, message: f.message });
    this.#pending.push(...findings);
    return findings;
  }

  /**
   * Once the in-process client exists: the `kubernetes` Service (first IP, this server's
   * endpoints), the repair findings as Events, then both again periodically until `signal`.
   */
  async start(client: Client, endpoint: { address: string; port: number }, signal: AbortSignal): Promise<void> {
    const events = createEventRecorder(client, "ipallocator-repair-controller", this.#o.log);
    const report = () => {
      for (const f of this.#pending.splice(0)) events.event(f.service as KubeObject & { metadata: { name: string } }, "Warning", f.reason, f.message);
    };
    const kubernetes = () => ensureKubernetesService({ client: client, clusterIP: firstServiceIP(this.ipRange), address: endpoint.address, port: endpoint.port });
    try {
      await kubernetes();
    } catch (err) {
      this.#o.log.warn("the kubernetes Service could not be written", { error: err });
    }
    report();
    void this.#every(KUBERNETES_SERVICE_INTERVAL_MS, signal, kubernetes);
    void this.#every(REPAIR_INTERVAL_MS, signal, async () => {
      await this.repair();
      report();
    });
  }

  async #every(ms: number, signal: AbortSignal, work: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const stop = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          signal.removeEventListener("abort", stop);
          resolve();
        }, ms);
        (timer as { unref?: () => void }).unref?.();
        signal.addEventListener("abort", stop, { once: true });
      });
      if (signal.aborted) return;
      try {
        await work();
      } catch (err) {
        this.#o.log.debug("service networking pass failed; next time", { error: err });
      }
    }
  }
}
