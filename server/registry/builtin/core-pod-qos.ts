/**
 * A pod's QoS class (status.qosClass), by upstream's rules (pkg/apis/core/helper/qos): only cpu
 * and memory count, and only quantities above zero; Guaranteed when every container (init
 * containers included) limits both and the summed requests equal the summed limits;
 * BestEffort when nothing is requested or limited; Burstable otherwise.
 */
import { addQuantities, compareQuantities, parseQuantity, type Quantity, quantitySign } from "../validation/quantity.ts";

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

const QOS_RESOURCES = ["cpu", "memory"];

interface ContainerResources {
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

function sumInto(total: Map<string, Quantity>, list: Record<string, unknown> | undefined): Set<string> {
  const found = new Set<string>();
  for (const [name, raw] of Object.entries(list ?? {})) {
    if (!QOS_RESOURCES.includes(name)) continue;
    const q = parseQuantity(raw);
    if (!q || quantitySign(q) <= 0) continue;
    found.add(name);
    const prev = total.get(name);
    total.set(name, prev ? addQuantities(prev, q) : q);
  }
  return found;
}

export function podQosClass(spec: { containers?: unknown; initContainers?: unknown } | undefined): QosClass {
  const containers = [
    ...(Array.isArray(spec?.containers) ? spec.containers : []),
    ...(Array.isArray(spec?.initContainers) ? spec.initContainers : []),
  ] as ContainerResources[];
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const c of containers) {
    const r = c && typeof c === "object" ? c.resources : undefined;
    sumInto(requests, r?.requests);
    const limited = sumInto(limits, r?.limits);
    if (!QOS_RESOURCES.every((n) => limited.has(n))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantities(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}
