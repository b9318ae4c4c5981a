/**
 * The Endpoints controller (kube-controller-manager's endpoint-controller): the v1 Endpoints
 * object of every Service with a selector, as upstream still maintains it beside the
 * EndpointSlices — one object named after the Service, subsets that group addresses by the
 * ports they serve (RepackSubsets), ready pods in addresses and the others in
 * notReadyAddresses (all in addresses with publishNotReadyAddresses), terminating pods left
 * out unless published, the Service's labels (plus service.kubernetes.io/headless), the
 * endpoints.kubernetes.io/last-change-trigger-time annotation, and at most 1000 addresses
 * (endpoints.kubernetes.io/over-capacity: truncated). An unchanged object is not rewritten.
 */
import type { Informer, KubeObject } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";
import { Controller, splitKey } from "../../plugins/kit/controller.ts";
import {
  findPort,
  isHeadless,
  isPodReady,
  podHostname,
  podIndexFor,
  podIP,
  serviceLabels,
  servicePorts,
  serviceSelector,
  shouldPodBeInEndpoints,
  watchServicesAndPods,
} from "./endpointslice/service-pods.ts";
import type { ControllerContext, ControllerModule } from "./types.ts";

const SERVICES = { apiVersion: "v1", resource: "services" };
const PODS = { apiVersion: "v1", resource: "pods" };
const ENDPOINTS = { apiVersion: "v1", resource: "endpoints" };
const HEADLESS_LABEL = "service.kubernetes.io/headless";
const TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";
const OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity";
const MAX_ADDRESSES = 1000;

type Obj = Record<string, unknown>;

interface Address {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: string; namespace: string; name: string; uid: string };
}

interface Port {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

interface Subset {
  addresses?: Address[];
  notReadyAddresses?: Address[];
  ports?: Port[];
}

export function endpointsController(options: { workers?: number } = {}): ControllerModule {
  return {
    name: "endpoint-controller",
    async start(ctx: ControllerContext) {
      const services = ctx.client.informer(SERVICES);
      const pods = ctx.client.informer(PODS);
      const endpoints = ctx.client.informer(ENDPOINTS);
      const controller = new Controller({
        name: "endpoint-controller",
        workers: options.workers ?? 5,
        log: ctx.log,
        reconcile: (key) => reconcile(key, ctx, services, pods, endpoints),
      });
      watchServicesAndPods(services, pods, (key) => controller.enqueue(key));
      // An Endpoints object deleted by someone else comes back.
      endpoints.on({ delete: (e) => controller.enqueue(`${e.metadata.namespace}/${e.metadata.name}`) });
      await Promise.all([services.start(ctx.signal), pods.start(ctx.signal), endpoints.start(ctx.signal)]);
      void controller.start(ctx.signal);
    },
  };
}

async function reconcile(key: string, ctx: ControllerContext, services: Informer, pods: Informer, endpointsInformer: Informer): Promise<void> {
  const { namespace, name } = splitKey(key);
  const client = ctx.client.resource(ENDPOINTS);
  const service = services.get(name, namespace);
  const current = endpointsInformer.get(name, namespace);
  if (!service || (service.spec as Obj | undefined)?.type === "ExternalName") {
    // The Service is gone (or routes by name): so are its Endpoints. A selector-less one's are the user's.
    if (current && (!service || serviceSelector(service))) {
      try {
        await client.delete(name, namespace);
      } catch (err) {
        if (!isClientError(err, 404)) throw err;
      }
    }
    return;
  }
  const selector = serviceSelector(service);
  if (!selector) return;

  const { subsets, truncated, triggerTime } = buildSubsets(service, podIndexFor(pods).select(namespace!, selector));
  const labels: Record<string, string> = serviceLabels(service);
  delete labels[HEADLESS_LABEL];
  if (isHeadless(service)) labels[HEADLESS_LABEL] = "";

  if (current) {
    const sameSubsets = JSON.stringify(normalize((current.subsets as Subset[] | undefined) ?? [])) === JSON.stringify(subsets);
    const sameLabels = JSON.stringify(sortKeys(current.metadata.labels ?? {})) === JSON.stringify(sortKeys(labels));
    const sameCapacity = (current.metadata.annotations?.[OVER_CAPACITY] === "truncated") === truncated;
    if (sameSubsets && sameLabels && sameCapacity) return;
  }
  const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
  if (triggerTime) annotations[TRIGGER_TIME] = triggerTime;
  if (truncated) annotations[OVER_CAPACITY] = "truncated";
  else delete annotations[OVER_CAPACITY];
  const body: KubeObject = {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { ...(current?.metadata ?? {}), name, namespace, labels, annotations },
  };
  if (subsets.length) body.subsets = subsets; // omitted when empty, as Go's omitempty does
  if (current) await client.update(body);
  else {
    delete body.metadata.resourceVersion;
    await client.create(body);
  }
}

function sortKeys(m: Record<string, string>): Array<[string, string]> {
  return Object.entries(m).sort(([a], [b]) => a.localeCompare(b));
}

/** Stored subsets in the canonical form buildSubsets produces, for comparison. */
function normalize(subsets: Subset[]): Subset[] {
  return subsets.map((s) => {
    const out: Subset = {};
    if (s.addresses?.length) out.addresses = s.addresses.map(canonicalAddress);
    if (s.notReadyAddresses?.length) out.notReadyAddresses = s.notReadyAddresses.map(canonicalAddress);
    if (s.ports?.length) out.ports = s.ports.map(canonicalPort);
    return out;
  });
}

function canonicalAddress(a: Address): Address {
  const out: Address = { ip: a.ip, targetRef: { kind: a.targetRef?.kind, namespace: a.targetRef?.namespace, name: a.targetRef?.name, uid: a.targetRef?.uid } } as Address;
  if (a.hostname) out.hostname = a.hostname;
  if (a.nodeName) out.nodeName = a.nodeName;
  return { ip: out.ip, ...(out.hostname ? { hostname: out.hostname } : {}), ...(out.nodeName ? { nodeName: out.nodeName } : {}), targetRef: out.targetRef };
}

function canonicalPort(p: Port): Port {
  return { ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? "TCP", ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) };
}

/** The subsets of a Service's pods, repacked: addresses with the same port set share a subset. */
export function buildSubsets(service: KubeObject, pods: KubeObject[]): { subsets: Subset[]; truncated: boolean; triggerTime?: string } {
  const publishNotReady = (service.spec as Obj | undefined)?.publishNotReadyAddresses === true;
  const family = ((service.spec as Obj | undefined)?.ipFamilies as string[] | undefined)?.[0] === "IPv6" ? "IPv6" : "IPv4";
  const svcPorts = servicePorts(service);
  let triggerTime = service.metadata.creationTimestamp;
  const groups = new Map<string, { ports: Port[]; ready: Address[]; notReady: Address[] }>();
  let total = 0;
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIP(pod, family);
    if (!ip) continue;
    const spec = (pod.spec ?? {}) as Obj;
    const address = canonicalAddress({
      ip,
      hostname: podHostname(pod, service),
      nodeName: typeof spec.nodeName === "string" && spec.nodeName ? spec.nodeName : undefined,
      targetRef: { kind: "Pod", namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
    });
    const ports: Port[] = [];
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push(canonicalPort({ name: sp.name, port, protocol: sp.protocol ?? "TCP", appProtocol: sp.appProtocol }));
    }
    // A Service with ports whose pod serves none of them contributes no address.
    if (svcPorts.length > 0 && ports.length === 0) continue;
    ports.sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "") || a.port - b.port || a.protocol.localeCompare(b.protocol));
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { ports, ready: [], notReady: [] };
    groups.set(key, group);
    if (publishNotReady || isPodReady(pod)) group.ready.push(address);
    else group.notReady.push(address);
    total++;
    const changed = podChangeTime(pod);
    if (changed && (!triggerTime || changed > triggerTime)) triggerTime = changed;
  }
  const byIP = (a: Address, b: Address) => a.ip.localeCompare(b.ip, "en", { numeric: true }) || a.targetRef.uid.localeCompare(b.targetRef.uid);
  let room = MAX_ADDRESSES;
  const subsets: Subset[] = [];
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    const ready = g.ready.sort(byIP).slice(0, room);
    room -= ready.length;
    const notReady = g.notReady.sort(byIP).slice(0, room);
    room -= notReady.length;
    const subset: Subset = {};
    if (ready.length) subset.addresses = ready;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (g.ports.length) subset.ports = g.ports;
    if (ready.length || notReady.length) subsets.push(subset);
  }
  return { subsets, truncated: total > MAX_ADDRESSES, triggerTime };
}

/** The latest change of a pod that moves endpoints: its Ready transition, else its creation. */
function podChangeTime(pod: KubeObject): string | undefined {
  const conditions = ((pod.status as Obj | undefined)?.conditions as Array<{ type?: string; lastTransitionTime?: string }> | undefined) ?? [];
  return conditions.find((c) => c.type === "Ready")?.lastTransitionTime ?? pod.metadata.creationTimestamp;
}
