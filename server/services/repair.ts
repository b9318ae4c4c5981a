/**
 * The allocations checked against the Services that hold them, as upstream's ipallocator and
 * portallocator repair controllers do at start and every few minutes: a Service value with no
 * record is recorded ("not allocated; repairing"), a value two Services claim is reported on the
 * one that does not hold the record, a value outside the configured range (the flags changed)
 * is reported, and a record whose Service is gone or no longer uses the value is released
 * (leaked: a server stopped between allocating and storing, or between deleting and releasing).
 *
 * Records younger than `minLeakAgeMs` are left alone: they may belong to a create that is
 * still on its way to storage, here or on another server.
 */
import type { KubeObject } from "../storage/object.ts";
import type { AllocationOwner, AllocationRecords } from "./allocation-records.ts";
import type { Allocator } from "./allocator.ts";
import { heldClusterIP, heldNodePorts, type ServiceAllocators } from "./service-allocation.ts";

export interface RepairFinding {
  /** The Service the finding is about: a live one, or the reference a leaked record kept. */
  service: KubeObject;
  reason: string;
  message: string;
}

export interface RepairOptions {
  allocators: ServiceAllocators;
  services: KubeObject[];
  /** Describes the port range in messages ("30000-32767"). */
  portRange: string;
  serviceCidr: string;
  now?: number;
  minLeakAgeMs?: number;
}

const DEFAULT_MIN_LEAK_AGE_MS = 60_000;

const ownerOf = (service: KubeObject): AllocationOwner => ({ namespace: service.metadata.namespace ?? "", name: service.metadata.name ?? "", uid: service.metadata.uid ?? "" });

function serviceRef(owner: AllocationOwner): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { namespace: owner.namespace, name: owner.name, uid: owner.uid } };
}

interface Holder {
  value: string;
  service: KubeObject;
}

interface Kind {
  allocator: Allocator;
  records: AllocationRecords;
  holders: Holder[];
  text(value: string): string;
  reasons: { notAllocated: string; duplicate: string; outOfRange: string; leaked: string };
  outOfRange(value: string): string;
}

export async function repairAllocations(options: RepairOptions): Promise<RepairFinding[]> {
  const now = options.now ?? Date.now();
  const minAge = options.minLeakAgeMs ?? DEFAULT_MIN_LEAK_AGE_MS;
  const { ips, family, ports } = options.allocators;
  const live = options.services.filter((s) => s.metadata.uid);
  const ipHolders: Holder[] = [];
  const portHolders: Holder[] = [];
  for (const service of live) {
    const spec = (service.spec ?? {}) as Record<string, unknown>;
    const ip = heldClusterIP(spec);
    if (ip) ipHolders.push({ value: ip, service });
    for (const port of heldNodePorts(spec)) portHolders.push({ value: String(port), service });
  }
  const kinds: Kind[] = [
    {
      allocator: ips,
      records: ips.records,
      holders: ipHolders,
      text: (v) => `Cluster IP [${family}]:${v}`,
      reasons: { notAllocated: "ClusterIPNotAllocated", duplicate: "ClusterIPAlreadyAllocated", outOfRange: "ClusterIPOutOfRange", leaked: "ClusterIPLeaked" },
      outOfRange: (v) => `Cluster IP [${family}]:${v} is not within the configured Service CIDR ${options.serviceCidr}; please recreate service`,
    },
    {
      allocator: ports,
      records: ports.records,
      holders: portHolders,
      text: (v) => `Port ${v}`,
      reasons: { notAllocated: "PortNotAllocated", duplicate: "PortAlreadyAllocated", outOfRange: "PortOutOfRange", leaked: "PortLeaked" },
      outOfRange: (v) => `Port ${v} is not within the port range ${options.portRange}; please recreate service`,
    },
  ];
  const findings: RepairFinding[] = [];
  for (const kind of kinds) findings.push(...(await repairKind(kind, live, now, minAge)));
  return findings;
}

async function repairKind(kind: Kind, live: KubeObject[], now: number, minAge: number): Promise<RepairFinding[]> {
  const findings: RepairFinding[] = [];
  const byUid = new Map(live.map((s) => [s.metadata.uid!, s]));
  const wanted = new Map<string, Holder[]>();
  for (const h of kind.holders) {
    const list = wanted.get(h.value) ?? [];
    list.push(h);
    wanted.set(h.value, list);
  }
  // Leaks first, so that a value whose record outlived its Service can be recorded afresh below.
  for (const record of kind.records.list()) {
    const holders = wanted.get(record.value) ?? [];
    const ownerAlive = byUid.has(record.owner?.uid) && holders.some((h) => h.service.metadata.uid === record.owner.uid);
    if (ownerAlive || now - record.createdAt < minAge) continue;
    await kind.records.release(record.value, record.owner);
    const owner = record.owner ?? { namespace: "default", name: "unknown", uid: "" };
    findings.push({ service: serviceRef(owner), reason: kind.reasons.leaked, message: `${kind.text(record.value)} was allocated to a service that no longer uses it; released` });
  }
  for (const [value, holders] of wanted) {
    if (!kind.allocator.contains(value)) {
      for (const h of holders) findings.push({ service: h.service, reason: kind.reasons.outOfRange, message: kind.outOfRange(value) });
      continue;
    }
    // The oldest Service keeps a value several claim; the others are told to recreate.
    const ordered = [...holders].sort((a, b) => String(a.service.metadata.creationTimestamp).localeCompare(String(b.service.metadata.creationTimestamp)));
    const current = await kind.records.get(value);
    let keeper = current ? ordered.find((h) => h.service.metadata.uid === current.owner.uid) : undefined;
    if (!keeper) {
      const first = ordered[0];
      const outcome = await kind.records.claim(value, ownerOf(first.service));
      if (outcome === "claimed") {
        keeper = first;
        findings.push({ service: first.service, reason: kind.reasons.notAllocated, message: `${kind.text(value)} is not allocated; repairing` });
      }
    }
    for (const h of ordered) {
      if (h === keeper) continue;
      findings.push({ service: h.service, reason: kind.reasons.duplicate, message: `${kind.text(value)} was assigned to multiple services; please recreate service` });
    }
  }
  return findings;
}
