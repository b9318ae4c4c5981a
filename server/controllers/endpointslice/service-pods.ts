/**
 * Which pods back which Service, shared by the EndpointSlice and Endpoints controllers (what
 * upstream keeps in pkg/controller/util/endpoint and the pod helpers): selector matching with
 * label indexes both ways (a pod change finds its Services, a Service finds its pods, without
 * walking a namespace of 30,000 pods), whether a pod belongs in endpoints at all, its readiness,
 * and the container port a Service's named targetPort resolves to in that pod.
 */
import type { Informer, KubeObject } from "../../../plugins/client.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const listOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export type Selector = Record<string, string>;

/** A Service's selector; undefined when it has none (an empty one selects nothing, as when upstream stores it). */
export function serviceSelector(service: KubeObject): Selector | undefined {
  const s = (service.spec as Obj | undefined)?.selector;
  if (!isObj(s) || Object.keys(s).length === 0) return undefined;
  return s as Selector;
}

export function selects(selector: Selector, labels: Record<string, string> | undefined): boolean {
  if (!labels) return false;
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

const pairKey = (namespace: string, key: string, value: string) => `${namespace}\u0000${key}=${value}`;
const objectKey = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

/** Pods by (namespace, label=value): a Service's pods are the smallest bucket of its selector's pairs, filtered. */
export class PodLabelIndex {
  readonly #buckets = new Map<string, Map<string, KubeObject>>();

  add(pod: KubeObject): void {
    const ns = pod.metadata.namespace ?? "";
    for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) {
      const key = pairKey(ns, k, v);
      let bucket = this.#buckets.get(key);
      if (!bucket) this.#buckets.set(key, (bucket = new Map()));
      bucket.set(objectKey(pod), pod);
    }
  }

  remove(pod: KubeObject): void {
    const ns = pod.metadata.namespace ?? "";
    for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) {
      const key = pairKey(ns, k, v);
      const bucket = this.#buckets.get(key);
      if (!bucket) continue;
      bucket.delete(objectKey(pod));
      if (bucket.size === 0) this.#buckets.delete(key);
    }
  }

  select(namespace: string, selector: Selector): KubeObject[] {
    let smallest: Map<string, KubeObject> | undefined;
    for (const [k, v] of Object.entries(selector)) {
      const bucket = this.#buckets.get(pairKey(namespace, k, v));
      if (!bucket) return [];
      if (!smallest || bucket.size < smallest.size) smallest = bucket;
    }
    if (!smallest) return [];
    const out: KubeObject[] = [];
    for (const pod of smallest.values()) if (selects(selector, pod.metadata.labels)) out.push(pod);
    return out;
  }
}

const podIndexes = new WeakMap<Informer, PodLabelIndex>();

/** One index per pod informer, however many controllers use it. */
export function podIndexFor(pods: Informer): PodLabelIndex {
  let index = podIndexes.get(pods);
  if (!index) {
    const created = new PodLabelIndex();
    pods.on({
      add: (p) => created.add(p),
      update: (old, p) => {
        created.remove(old);
        created.add(p);
      },
      delete: (p) => created.remove(p),
    });
    podIndexes.set(pods, (index = created));
  }
  return index;
}

/** Services by (namespace, one selector pair): a pod's Services are found through its own labels. */
export class ServiceSelectorIndex {
  readonly #buckets = new Map<string, Map<string, KubeObject>>();
  readonly #placed = new Map<string, string>();

  set(service: KubeObject): void {
    this.remove(service);
    const selector = serviceSelector(service);
    if (!selector) return;
    const k = Object.keys(selector).sort()[0];
    const key = pairKey(service.metadata.namespace ?? "", k, selector[k]);
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, (bucket = new Map()));
    bucket.set(objectKey(service), service);
    this.#placed.set(objectKey(service), key);
  }

  remove(service: KubeObject): void {
    const id = objectKey(service);
    const key = this.#placed.get(id);
    if (key === undefined) return;
    this.#placed.delete(id);
    const bucket = this.#buckets.get(key);
    bucket?.delete(id);
    if (bucket?.size === 0) this.#buckets.delete(key);
  }

  /** Keys ("namespace/name") of the Services that select `pod`. */
  servicesOf(pod: KubeObject): string[] {
    const ns = pod.metadata.namespace ?? "";
    const labels = pod.metadata.labels ?? {};
    const out: string[] = [];
    for (const [k, v] of Object.entries(labels)) {
      const bucket = this.#buckets.get(pairKey(ns, k, v));
      if (!bucket) continue;
      for (const [id, service] of bucket) if (selects(serviceSelector(service)!, labels)) out.push(id);
    }
    return out;
  }
}

export function isPodReady(pod: KubeObject): boolean {
  return listOf((pod.status as Obj | undefined)?.conditions).some((c) => c.type === "Ready" && c.status === "True");
}

function isPodTerminal(pod: KubeObject): boolean {
  const phase = (pod.status as Obj | undefined)?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** The pod's address of a family (status.podIPs, or podIP). */
export function podIP(pod: KubeObject, family: "IPv4" | "IPv6" = "IPv4"): string | undefined {
  const status = (pod.status ?? {}) as Obj;
  const ips = listOf(status.podIPs).map((p) => String(p.ip ?? ""));
  if (ips.length === 0 && typeof status.podIP === "string" && status.podIP) ips.push(status.podIP);
  return ips.find((ip) => ip !== "" && ip.includes(":") === (family === "IPv6"));
}

/** upstream's ShouldPodBeInEndpoints: not terminal, has an IP, and not terminating unless asked. */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  const status = (pod.status ?? {}) as Obj;
  if (!status.podIP && listOf(status.podIPs).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

export interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
  targetPort?: number | string;
  appProtocol?: string;
}

export function servicePorts(service: KubeObject): ServicePort[] {
  return listOf((service.spec as Obj | undefined)?.ports) as ServicePort[];
}

/** upstream's FindPort: a number is itself; a name is the container port of that name and protocol (sidecars included). */
export function findPort(pod: KubeObject, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (typeof target !== "string" || target === "") return undefined;
  if (/^\d+$/.test(target)) return Number(target);
  const spec = (pod.spec ?? {}) as Obj;
  const sidecars = listOf(spec.initContainers).filter((c) => c.restartPolicy === "Always");
  for (const c of [...listOf(spec.containers), ...sidecars]) {
    for (const p of listOf(c.ports)) {
      if (p.name === target && (p.protocol ?? "TCP") === (port.protocol ?? "TCP")) return Number(p.containerPort);
    }
  }
  return undefined;
}

/** upstream's ShouldSetHostname: the pod names this Service as its subdomain. */
export function podHostname(pod: KubeObject, service: KubeObject): string | undefined {
  const spec = (pod.spec ?? {}) as Obj;
  if (typeof spec.hostname === "string" && spec.hostname && spec.subdomain === service.metadata.name && pod.metadata.namespace === service.metadata.namespace) return spec.hostname;
  return undefined;
}

/** What of a pod shows in endpoints; a pod update that leaves it alone (and the labels) changes no endpoints. */
export function endpointSignature(pod: KubeObject): string {
  const spec = (pod.spec ?? {}) as Obj;
  const status = (pod.status ?? {}) as Obj;
  const ports = [...listOf(spec.containers), ...listOf(spec.initContainers)].map((c) => c.ports);
  return JSON.stringify([status.podIP, status.podIPs, status.phase, isPodReady(pod), !!pod.metadata.deletionTimestamp, spec.nodeName, spec.hostname, spec.subdomain, ports]);
}

/** Labels of the Service copied to its endpoints objects, as upstream copies them. */
export function serviceLabels(service: KubeObject): Record<string, string> {
  return { ...(service.metadata.labels ?? {}) };
}

export function isHeadless(service: KubeObject): boolean {
  return (service.spec as Obj | undefined)?.clusterIP === "None";
}

/**
 * Wires a Service informer and a pod informer to `enqueue(serviceKey)`: every Service change,
 * and every pod change that can change its Services' endpoints (old and new labels both count).
 */
export function watchServicesAndPods(services: Informer, pods: Informer, enqueue: (serviceKey: string) => void): { index: ServiceSelectorIndex; podIndex: PodLabelIndex } {
  const index = new ServiceSelectorIndex();
  services.on({
    add: (s) => {
      index.set(s);
      enqueue(objectKey(s));
    },
    update: (_, s) => {
      index.set(s);
      enqueue(objectKey(s));
    },
    delete: (s) => {
      index.remove(s);
      enqueue(objectKey(s));
    },
  });
  const podIndex = podIndexFor(pods);
  pods.on({
    add: (p) => {
      for (const key of index.servicesOf(p)) enqueue(key);
    },
    update: (old, p) => {
      const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(p.metadata.labels ?? {});
      if (!labelsChanged && endpointSignature(old) === endpointSignature(p)) return;
      const keys = new Set(index.servicesOf(p));
      if (labelsChanged) for (const key of index.servicesOf(old)) keys.add(key);
      for (const key of keys) enqueue(key);
    },
    delete: (p) => {
      for (const key of index.servicesOf(p)) enqueue(key);
    },
  });
  return { index, podIndex };
}
