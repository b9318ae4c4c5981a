/**
 * Resource amounts as plain numbers, so that fit checks and scores are arithmetic instead of
 * quantity parsing: cpu in millicores, memory and ephemeral-storage in bytes, the rest (extended
 * resources, hugepages) in whole units. A pod's request is computed once per pod object (objects
 * from informers are immutable, so a WeakMap by identity is a safe cache).
 */
import { parseQuantity, type Quantity } from "../registry/validation/quantity.ts";
import type { Container, Pod } from "./types.ts";

export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources ("nvidia.com/gpu", "hugepages-2Mi"), when any. */
  scalars?: Record<string, number>;
}

export interface PodRequests {
  /** What the pod asks for, as the fit check counts it. */
  requested: Resources;
  /** The same with upstream's defaults for unset cpu/memory (100m, 200Mi), for scores only. */
  nonZero: { milliCPU: number; memory: number };
}

/** upstream's schedutil.DefaultMilliCPURequest / DefaultMemoryRequest. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyResources(): Resources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0 };
}

function scaled(q: Quantity, extraExponent: number): number {
  const e = q.exponent + extraExponent;
  if (e >= 0) return Number(q.mantissa * 10n ** BigInt(e));
  const d = 10n ** BigInt(-e);
  // Round up as Quantity.MilliValue / Value do: a request of 0.5m is 1m.
  const whole = q.mantissa / d;
  return Number(q.mantissa % d === 0n || q.mantissa < 0n ? whole : whole + 1n);
}

/** The amount of `name` in `value` in the scheduler's unit for it (0 for an unreadable value). */
export function resourceAmount(name: string, value: unknown): number {
  const q = parseQuantity(value);
  if (!q) return 0;
  return scaled(q, name === "cpu" ? 3 : 0);
}

function addList(into: Resources, list: Record<string, string | number> | null | undefined, sign = 1): void {
  if (!list) return;
  for (const [name, value] of Object.entries(list)) {
    const amount = resourceAmount(name, value) * sign;
    switch (name) {
      case "cpu": into.milliCPU += amount; break;
      case "memory": into.memory += amount; break;
      case "ephemeral-storage": into.ephemeralStorage += amount; break;
      case "pods": break;
      default:
        // Only extended (domain-qualified) resources and hugepages are scalar resources.
        if (name.includes("/") || name.startsWith("hugepages-")) {
          into.scalars ??= {};
          into.scalars[name] = (into.scalars[name] ?? 0) + amount;
        }
    }
  }
}

function maxInto(into: Resources, other: Resources): void {
  into.milliCPU = Math.max(into.milliCPU, other.milliCPU);
  into.memory = Math.max(into.memory, other.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, other.ephemeralStorage);
  for (const [k, v] of Object.entries(other.scalars ?? {})) {
    into.scalars ??= {};
    into.scalars[k] = Math.max(into.scalars[k] ?? 0, v);
  }
}

export function addResources(into: Resources, other: Resources, sign = 1): void {
  into.milliCPU += other.milliCPU * sign;
  into.memory += other.memory * sign;
  into.ephemeralStorage += other.ephemeralStorage * sign;
  if (other.scalars) {
    into.scalars ??= {};
    for (const [k, v] of Object.entries(other.scalars)) into.scalars[k] = (into.scalars[k] ?? 0) + v * sign;
  }
}

function containerRequests(c: Container): Resources {
  const r = emptyResources();
  addList(r, c.resources?.requests);
  return r;
}

/**
 * resourcehelper.PodRequests: the sum over app containers, or the largest init container when
 * that is more (init containers run one at a time before them), sidecars (restartPolicy Always)
 * counted as running alongside everything that starts after them; plus the pod overhead.
 */
function computeRequests(pod: Pod): Resources {
  const total = emptyResources();
  for (const c of pod.spec.containers ?? []) addResources(total, containerRequests(c));
  const sidecars = emptyResources();
  const initMax = emptyResources();
  for (const c of pod.spec.initContainers ?? []) {
    const r = containerRequests(c);
    if (c.restartPolicy === "Always") {
      addResources(sidecars, r);
      addResources(total, r);
      maxInto(initMax, sidecars);
    } else {
      const during = { ...sidecars, scalars: sidecars.scalars ? { ...sidecars.scalars } : undefined };
      addResources(during, r);
      maxInto(initMax, during);
    }
  }
  maxInto(total, initMax);
  addList(total, pod.spec.overhead);
  return total;
}

function nonZero(pod: Pod): { milliCPU: number; memory: number } {
  // Per container, an unset request counts as the default (schedutil.GetNonzeroRequests).
  let milliCPU = 0;
  let memory = 0;
  for (const c of pod.spec.containers ?? []) {
    const r = c.resources?.requests;
    milliCPU += r && r.cpu !== undefined ? resourceAmount("cpu", r.cpu) : DEFAULT_MILLI_CPU_REQUEST;
    memory += r && r.memory !== undefined ? resourceAmount("memory", r.memory) : DEFAULT_MEMORY_REQUEST;
  }
  let initCPU = 0;
  let initMemory = 0;
  for (const c of pod.spec.initContainers ?? []) {
    const r = c.resources?.requests;
    initCPU = Math.max(initCPU, r && r.cpu !== undefined ? resourceAmount("cpu", r.cpu) : DEFAULT_MILLI_CPU_REQUEST);
    initMemory = Math.max(initMemory, r && r.memory !== undefined ? resourceAmount("memory", r.memory) : DEFAULT_MEMORY_REQUEST);
  }
  milliCPU = Math.max(milliCPU, initCPU);
  memory = Math.max(memory, initMemory);
  if (pod.spec.overhead) {
    milliCPU += resourceAmount("cpu", pod.spec.overhead.cpu);
    memory += resourceAmount("memory", pod.spec.overhead.memory);
  }
  return { milliCPU, memory };
}

const cache = new WeakMap<Pod, PodRequests>();

export function podRequests(pod: Pod): PodRequests {
  let r = cache.get(pod);
  if (!r) {
    r = { requested: computeRequests(pod), nonZero: nonZero(pod) };
    cache.set(pod, r);
  }
  return r;
}

/** A node's allocatable resources (capacity when allocatable is not reported) and pod count. */
export function nodeAllocatable(list: Record<string, string | number> | undefined): { resources: Resources; pods: number } {
  const resources = emptyResources();
  addList(resources, list);
  return { resources, pods: list?.pods !== undefined ? resourceAmount("pods", list.pods) : 0 };
}
