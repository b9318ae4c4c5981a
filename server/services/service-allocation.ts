/**
 * What upstream's Service REST storage does around a write (pkg/registry/core/service/storage,
 * alloc.go): on create it takes a cluster IP (the one asked for, or the next free one) unless
 * the Service is headless or ExternalName, and node ports for NodePort and LoadBalancer ports
 * (plus a health-check node port for a LoadBalancer with externalTrafficPolicy Local); on update
 * it takes what the new spec needs and gives back, once the write is stored, what it no longer
 * uses; after delete it gives everything back. A write that fails gives back what it took.
 *
 * Errors are upstream's: a value asked for that is taken or out of range is a 422 on the field
 * (`spec.clusterIPs: Invalid value: []string{"10.43.0.1"}: failed to allocate IP 10.43.0.1:
 * provided IP is already allocated`), an exhausted range a 500 (`failed to allocate a serviceIP:
 * range is full`), as kube-apiserver answers.
 */
import { type ApiError, internalError, invalid, type StatusCause } from "../api/status.ts";
import type { KubeObject } from "../storage/object.ts";
import type { AllocationOwner } from "./allocation-records.ts";
import { AllocationError, type Allocator } from "./allocator.ts";
import type { IPFamily } from "./ip-range.ts";

type Obj = Record<string, unknown>;
type Port = { name?: string; port?: number; protocol?: string; nodePort?: number };
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

export interface ServiceAllocators {
  ips: Allocator;
  family: IPFamily;
  ports: Allocator;
}

export type Finish = (committed: boolean) => Promise<void>;

const spec = (service: KubeObject): Obj => (isObj(service.spec) ? service.spec : (service.spec = {}));
const portsOf = (s: Obj): Port[] => (Array.isArray(s.ports) ? (s.ports.filter(isObj) as Port[]) : []);
const ownerOf = (service: KubeObject): AllocationOwner => ({ namespace: service.metadata.namespace ?? "", name: service.metadata.name ?? "", uid: service.metadata.uid ?? "" });

export function needsClusterIP(s: Obj): boolean {
  return s.type !== "ExternalName";
}

export function needsNodePorts(s: Obj): boolean {
  return s.type === "NodePort" || s.type === "LoadBalancer";
}

/** LoadBalancers may opt out of node ports they did not ask for. */
function allocatesNodePorts(s: Obj): boolean {
  return s.type === "NodePort" || (s.type === "LoadBalancer" && s.allocateLoadBalancerNodePorts !== false);
}

export function needsHealthCheckNodePort(s: Obj): boolean {
  return s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local";
}

/** The cluster IP a Service holds from the allocator (not headless "None", not empty). */
export function heldClusterIP(s: Obj): string | undefined {
  if (!needsClusterIP(s)) return undefined;
  const ip = Array.isArray(s.clusterIPs) && typeof s.clusterIPs[0] === "string" ? s.clusterIPs[0] : s.clusterIP;
  return typeof ip === "string" && ip !== "" && ip !== "None" ? ip : undefined;
}

/** Node ports a Service holds: every port's, and the health-check one. */
export function heldNodePorts(s: Obj): number[] {
  const out = new Set<number>();
  for (const p of portsOf(s)) if (typeof p.nodePort === "number" && p.nodePort > 0) out.add(p.nodePort);
  if (typeof s.healthCheckNodePort === "number" && s.healthCheckNodePort > 0) out.add(s.healthCheckNodePort);
  return [...out];
}

/** Go's %#v of a []string (the clusterIPs field error prints it so). */
function goStrings(list: unknown): string {
  return Array.isArray(list) ? `[]string{${list.map((v) => JSON.stringify(String(v))).join(", ")}}` : "[]string(nil)";
}

function fieldInvalid(service: KubeObject, field: string, rendered: string, detail: string): ApiError {
  const cause: StatusCause = { reason: "FieldValueInvalid", message: `Invalid value: ${rendered}: ${detail}`, field };
  return invalid("Service", "", service.metadata.name ?? "", [cause]);
}

/** What one write took (given back if it fails) and what it gives up (given back once it is stored). */
class Transaction {
  readonly taken: Array<() => Promise<void>> = [];
  readonly releasedOnCommit: Array<() => Promise<void>> = [];

  finish: Finish = async (committed) => {
    const undo = committed ? this.releasedOnCommit : this.taken;
    for (const f of undo.splice(0)) await f();
  };
}

export class ServiceAllocation {
  readonly #a: ServiceAllocators;

  constructor(allocators: ServiceAllocators) {
    this.#a = allocators;
  }

  get allocators(): ServiceAllocators {
    return this.#a;
  }

  async beginCreate(service: KubeObject, dryRun: boolean): Promise<Finish> {
    const txn = new Transaction();
    try {
      const s = spec(service);
      if (needsClusterIP(s) && s.clusterIP !== "None") await this.#allocateClusterIP(service, txn, dryRun);
      await this.#allocateNodePorts(service, new Set(), txn, dryRun);
      await this.#allocateHealthCheckNodePort(service, undefined, txn, dryRun);
    } catch (err) {
      await txn.finish(false);
      throw err;
    }
    return txn.finish;
  }

  async beginUpdate(service: KubeObject, old: KubeObject, dryRun: boolean): Promise<Finish> {
    const txn = new Transaction();
    const owner = ownerOf(service);
    try {
      const s = spec(service);
      const o = spec(old);
      const oldIP = heldClusterIP(o);
      if (needsClusterIP(s) && s.clusterIP !== "None" && !oldIP) await this.#allocateClusterIP(service, txn, dryRun);
      const newIP = heldClusterIP(s);
      if (oldIP && oldIP !== newIP && !dryRun) txn.releasedOnCommit.push(() => this.#a.ips.release(oldIP, owner));

      const oldPorts = new Set(heldNodePorts(o));
      await this.#allocateNodePorts(service, oldPorts, txn, dryRun);
      await this.#allocateHealthCheckNodePort(service, typeof o.healthCheckNodePort === "number" ? o.healthCheckNodePort : undefined, txn, dryRun);
      const kept = new Set(heldNodePorts(s));
      if (!dryRun) {
        for (const port of oldPorts) {
          if (!kept.has(port)) txn.releasedOnCommit.push(() => this.#a.ports.release(String(port), owner));
        }
      }
    } catch (err) {
      await txn.finish(false);
      throw err;
    }
    return txn.finish;
  }

  /** Gives back everything a deleted Service held. */
  async afterDelete(service: KubeObject): Promise<void> {
    const s = spec(service);
    const owner = ownerOf(service);
    const ip = heldClusterIP(s);
    if (ip) await this.#a.ips.release(ip, owner);
    for (const port of heldNodePorts(s)) await this.#a.ports.release(String(port), owner);
  }

  async #allocateClusterIP(service: KubeObject, txn: Transaction, dryRun: boolean): Promise<void> {
    const s = spec(service);
    const owner = ownerOf(service);
    const requested = heldClusterIP(s);
    let ip: string;
    if (requested) {
      try {
        await this.#a.ips.allocate(requested, owner, dryRun);
      } catch (err) {
        if (err instanceof AllocationError) {
          throw fieldInvalid(service, "spec.clusterIPs", goStrings(s.clusterIPs ?? [requested]), `failed to allocate IP ${requested}: ${err.message}`);
        }
        throw err;
      }
      ip = requested;
    } else {
      try {
        ip = await this.#a.ips.allocateNext(owner, dryRun);
      } catch (err) {
        if (err instanceof AllocationError) throw internalError(`failed to allocate a serviceIP: ${err.message}`);
        throw err;
      }
    }
    if (!dryRun) txn.taken.push(() => this.#a.ips.release(ip, owner));
    s.clusterIP = ip;
    s.clusterIPs = [ip];
    s.ipFamilies = [this.#a.family];
    s.ipFamilyPolicy ??= "SingleStack";
  }

  /** upstream's initNodePorts/updateNodePorts: ports with one service port number share a node port. */
  async #allocateNodePorts(service: KubeObject, held: Set<number>, txn: Transaction, dryRun: boolean): Promise<void> {
    const s = spec(service);
    if (!needsNodePorts(s)) return;
    const owner = ownerOf(service);
    const ports = portsOf(s);
    const byServicePort = new Map<number, number>();
    const take = async (nodePort: number, index: number) => {
      if (held.has(nodePort) || [...byServicePort.values()].includes(nodePort)) return;
      try {
        await this.#a.ports.allocate(String(nodePort), owner, dryRun);
      } catch (err) {
        if (err instanceof AllocationError) throw fieldInvalid(service, `spec.ports[${index}].nodePort`, String(nodePort), err.message);
        throw err;
      }
      if (!dryRun) txn.taken.push(() => this.#a.ports.release(String(nodePort), owner));
    };
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      const asked = typeof p.nodePort === "number" && p.nodePort > 0 ? p.nodePort : 0;
      if (!asked && !allocatesNodePorts(s)) continue;
      const servicePort = Number(p.port);
      const shared = byServicePort.get(servicePort);
      if (shared !== undefined) {
        if (!asked) p.nodePort = shared;
        else if (asked !== shared) await take(asked, i);
        continue;
      }
      // A later port with the same number may carry the request (TCP and UDP on one port).
      const request = asked || ports.slice(i + 1).find((q) => Number(q.port) === servicePort && typeof q.nodePort === "number" && q.nodePort > 0)?.nodePort || 0;
      if (request) {
        await take(request, i);
        p.nodePort = request;
      } else {
        let next: string;
        try {
          next = await this.#a.ports.allocateNext(owner, dryRun);
        } catch (err) {
          if (err instanceof AllocationError) throw internalError(`failed to allocate a nodePort: ${err.message}`);
          throw err;
        }
        if (!dryRun) txn.taken.push(() => this.#a.ports.release(next, owner));
        p.nodePort = Number(next);
      }
      byServicePort.set(servicePort, p.nodePort!);
    }
  }

  async #allocateHealthCheckNodePort(service: KubeObject, old: number | undefined, txn: Transaction, dryRun: boolean): Promise<void> {
    const s = spec(service);
    if (!needsHealthCheckNodePort(s)) return;
    const owner = ownerOf(service);
    const asked = typeof s.healthCheckNodePort === "number" && s.healthCheckNodePort > 0 ? s.healthCheckNodePort : old ?? 0;
    if (asked) {
      if (asked === old) {
        s.healthCheckNodePort = old;
        return;
      }
      try {
        await this.#a.ports.allocate(String(asked), owner, dryRun);
      } catch (err) {
        if (err instanceof AllocationError) throw fieldInvalid(service, "spec.healthCheckNodePort", String(asked), `failed to allocate requested HealthCheck NodePort ${asked}: ${err.message}`);
        throw err;
      }
      if (!dryRun) txn.taken.push(() => this.#a.ports.release(String(asked), owner));
      return;
    }
    let next: string;
    try {
      next = await this.#a.ports.allocateNext(owner, dryRun);
    } catch (err) {
      if (err instanceof AllocationError) throw internalError(`failed to allocate a HealthCheck NodePort 0: ${err.message}`);
      throw err;
    }
    if (!dryRun) txn.taken.push(() => this.#a.ports.release(next, owner));
    s.healthCheckNodePort = Number(next);
  }
}
