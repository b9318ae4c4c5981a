/**
 * The EndpointSlice controller (kube-controller-manager's endpointslice-controller): for every
 * Service with a selector, discovery.k8s.io/v1 EndpointSlices listing the selected pods —
 * addresses, ready/serving/terminating, nodeName, zone (from the node's topology label),
 * targetRef, hostname — with ports resolved per pod (a named targetPort can differ from pod to
 * pod, so pods are grouped by their port set), at most 100 endpoints a slice, labelled with
 * kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by, owned by the Service.
 *
 * Informers feed it (Services, pods, nodes, its own slices); a pod change wakes only the
 * Services that select it. Writes it made are awaited in the informer before the same Service
 * is reconciled again (upstream's EndpointSliceTracker), so that a slow cache never makes it
 * create a slice twice.
 */
import type { Informer, KubeObject } from "../../../plugins/client.ts";
import { isClientError } from "../../../plugins/client.ts";
import { Controller, splitKey } from "../../../plugins/kit/controller.ts";
import type { ControllerContext, ControllerModule } from "../types.ts";
import { canonicalEndpoint, type CurrentSlice, type Endpoint, type EndpointPort, planSlices, type SliceContent } from "./plan.ts";
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
} from "./service-pods.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MANAGED_BY = "endpointslice-controller.k8s.io";
const HEADLESS_LABEL = "service.kubernetes.io/headless";
const ZONE_LABEL = "topology.kubernetes.io/zone";
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** An expected write the informer never shows (a relist skipped it) stops blocking after this. */
const EXPECTATION_TTL_MS = 5_000;
const STALE_RETRY_MS = 25;

const SERVICES = { apiVersion: "v1", resource: "services" };
const PODS = { apiVersion: "v1", resource: "pods" };
const NODES = { apiVersion: "v1", resource: "nodes" };
const SLICES = { apiVersion: "discovery.k8s.io/v1", resource: "endpointslices" };

type Obj = Record<string, unknown>;

/** Writes this controller made that its slice informer has not shown yet, per Service. */
class SliceTracker {
  /** "ns/slice" → the resourceVersion written, or "deleted"; with when. */
  readonly #expected = new Map<string, { service: string; rv: string; at: number }>();
  readonly #byService = new Map<string, Set<string>>();

  expect(service: string, namespace: string, name: string, rv: string): void {
    const key = `${namespace}/${name}`;
    this.#expected.set(key, { service, rv, at: Date.now() });
    let set = this.#byService.get(service);
    if (!set) this.#byService.set(service, (set = new Set()));
    set.add(key);
  }

  /** Called for every slice event: true when it is one this controller is waiting for. */
  observed(slice: KubeObject, deleted: boolean): boolean {
    const key = `${slice.metadata.namespace}/${slice.metadata.name}`;
    const e = this.#expected.get(key);
    if (!e) return false;
    const mine = deleted ? e.rv === "deleted" : e.rv === slice.metadata.resourceVersion;
    if (mine || (!deleted && e.rv !== "deleted" && Number(slice.metadata.resourceVersion) > Number(e.rv))) this.#clear(key, e.service);
    return mine;
  }

  #clear(key: string, service: string): void {
    this.#expected.delete(key);
    const set = this.#byService.get(service);
    set?.delete(key);
    if (set?.size === 0) this.#byService.delete(service);
  }

  /** Whether the informer (`lookup`) still lags behind this controller's own writes for `service`. */
  stale(service: string, lookup: (namespace: string, name: string) => KubeObject | undefined): boolean {
    const set = this.#byService.get(service);
    if (!set) return false;
    const now = Date.now();
    for (const key of [...set]) {
      const e = this.#expected.get(key);
      const slash = key.indexOf("/");
      const seen = e && lookup(key.slice(0, slash), key.slice(slash + 1));
      const caughtUp = e && (e.rv === "deleted" ? !seen : !!seen && Number(seen.metadata.resourceVersion) >= Number(e.rv));
      if (!e || caughtUp || now - e.at > EXPECTATION_TTL_MS) this.#clear(key, service);
    }
    return (this.#byService.get(service)?.size ?? 0) > 0;
  }
}

interface Informers {
  services: Informer;
  pods: Informer;
  nodes: Informer;
  slices: Informer;
}

export function endpointSliceController(options: { maxEndpointsPerSlice?: number; workers?: number } = {}): ControllerModule {
  return {
    name: "endpointslice-controller",
    async start(ctx: ControllerContext) {
      const informers: Informers = {
        services: ctx.client.informer(SERVICES),
        pods: ctx.client.informer(PODS),
        nodes: ctx.client.informer(NODES),
        slices: ctx.client.informer(SLICES, { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` }),
      };
      const tracker = new SliceTracker();
      const slicesByService = new Map<string, Map<string, KubeObject>>();
      const controller = new Controller({
        name: "endpointslice-controller",
        workers: options.workers ?? 5,
        log: ctx.log,
        reconcile: (key) => reconcile(key, { ctx, informers, tracker, slicesByService, max: options.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE }),
      });
      const sliceService = (s: KubeObject) => {
        const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
        return svc ? `${s.metadata.namespace}/${svc}` : undefined;
      };
      const index = (s: KubeObject, present: boolean) => {
        const svc = sliceService(s);
        if (!svc) return;
        let m = slicesByService.get(svc);
        if (present) {
          if (!m) slicesByService.set(svc, (m = new Map()));
          m.set(s.metadata.name!, s);
        } else if (m) {
          m.delete(s.metadata.name!);
          if (m.size === 0) slicesByService.delete(svc);
        }
      };
      informers.slices.on({
        add: (s) => {
          index(s, true);
          if (!tracker.observed(s, false)) enqueueFor(s);
        },
        update: (old, s) => {
          if (sliceService(old) !== sliceService(s)) index(old, false);
          index(s, true);
          if (!tracker.observed(s, false)) enqueueFor(s);
        },
        delete: (s) => {
          index(s, false);
          if (!tracker.observed(s, true)) enqueueFor(s);
        },
      });
      // Someone else's change to a managed slice: put it right.
      const enqueueFor = (s: KubeObject) => {
        const svc = sliceService(s);
        if (svc) controller.enqueue(svc);
      };
      watchServicesAndPods(informers.services, informers.pods, (key) => controller.enqueue(key));
      await Promise.all(Object.values(informers).map((i) => i.start(ctx.signal)));
      void controller.start(ctx.signal);
    },
  };
}

interface ReconcileContext {
  ctx: ControllerContext;
  informers: Informers;
  tracker: SliceTracker;
  slicesByService: Map<string, Map<string, KubeObject>>;
  max: number;
}

async function reconcile(key: string, r: ReconcileContext): Promise<{ requeueAfterMs?: number } | void> {
  if (r.tracker.stale(key, (ns, n) => r.informers.slices.get(n, ns))) return { requeueAfterMs: STALE_RETRY_MS };
  const { namespace, name } = splitKey(key);
  const service = r.informers.services.get(name, namespace);
  const current = [...(r.slicesByService.get(key)?.values() ?? [])];
  const slices = r.ctx.client.resource(SLICES);
  if (!service || (service.spec as Obj | undefined)?.type === "ExternalName") {
    // Gone (the garbage collector would get there too) or no longer routed to pods.
    for (const s of current) await deleteSlice(r, key, s);
    return;
  }
  const selector = serviceSelector(service);
  if (!selector) return; // Slices of a Service without a selector are the user's.

  const addressType = ((service.spec as Obj).ipFamilies as string[] | undefined)?.[0] === "IPv6" ? "IPv6" : "IPv4";
  const desired = desiredSlices(service, r, addressType);
  const labels: Record<string, string> = { ...serviceLabels(service), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
  delete labels[HEADLESS_LABEL];
  if (isHeadless(service)) labels[HEADLESS_LABEL] = "";
  const plan = planSlices({
    desired,
    current: current.filter(owned(service)).map(toCurrent),
    addressType,
    labels,
    maxPerSlice: r.max,
  });
  // Slices of an older Service of the same name (another uid) go too.
  for (const s of current.filter((s) => !owned(service)(s))) await deleteSlice(r, key, s);

  const owner = { apiVersion: "v1", kind: "Service", name, uid: service.metadata.uid!, controller: true, blockOwnerDeletion: true };
  for (const content of plan.create) {
    const created = await slices.create({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { generateName: `${name.length > 57 ? name.slice(0, 57) : name}-`, namespace, labels, ownerReferences: [owner] },
      addressType,
      endpoints: content.endpoints,
      ports: content.ports,
    });
    r.tracker.expect(key, namespace!, created.metadata.name!, created.metadata.resourceVersion!);
  }
  for (const u of plan.update) {
    const existing = current.find((s) => s.metadata.name === u.name)!;
    const updated = await slices.update({ ...existing, metadata: { ...existing.metadata, labels }, endpoints: u.endpoints, ports: u.ports });
    r.tracker.expect(key, namespace!, u.name, updated.metadata.resourceVersion!);
  }
  for (const sliceName of plan.delete) await deleteSlice(r, key, current.find((s) => s.metadata.name === sliceName)!);
}

const owned = (service: KubeObject) => (s: KubeObject) => {
  const refs = s.metadata.ownerReferences ?? [];
  return refs.length === 0 || refs.some((ref) => ref.kind === "Service" && ref.uid === service.metadata.uid);
};

async function deleteSlice(r: ReconcileContext, service: string, slice: KubeObject): Promise<void> {
  try {
    await r.ctx.client.resource(SLICES).delete(slice.metadata.name!, slice.metadata.namespace, { preconditions: { uid: slice.metadata.uid } });
  } catch (err) {
    if (!isClientError(err, 404)) throw err;
  }
  r.tracker.expect(service, slice.metadata.namespace!, slice.metadata.name!, "deleted");
}

function toCurrent(s: KubeObject): CurrentSlice {
  return {
    name: s.metadata.name!,
    addressType: String(s.addressType ?? ""),
    ports: ((s.ports as EndpointPort[] | undefined) ?? []).map((p) => ({ ...p })),
    endpoints: ((s.endpoints as Partial<Endpoint>[] | undefined) ?? []).map(canonicalEndpoint),
    labels: s.metadata.labels ?? {},
  };
}

/** The selected pods as endpoints, grouped by the ports they resolve the Service's ports to. */
function desiredSlices(service: KubeObject, r: ReconcileContext, addressType: "IPv4" | "IPv6"): SliceContent[] {
  const selector = serviceSelector(service)!;
  const publishNotReady = (service.spec as Obj).publishNotReadyAddresses === true;
  const groups = new Map<string, SliceContent>();
  const svcPorts = servicePorts(service);
  const podIndex = podIndexFor(r.informers.pods); // shared, built as the informer fills
  for (const pod of podIndex.select(service.metadata.namespace!, selector)) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIP(pod, addressType);
    if (!ip) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const p: EndpointPort = { name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP" };
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    const serving = isPodReady(pod);
    const terminating = !!pod.metadata.deletionTimestamp;
    const spec = (pod.spec ?? {}) as Obj;
    const nodeName = typeof spec.nodeName === "string" && spec.nodeName ? spec.nodeName : undefined;
    const zone = nodeName ? r.informers.nodes.get(nodeName)?.metadata.labels?.[ZONE_LABEL] : undefined;
    const endpoint = canonicalEndpoint({
      addresses: [ip],
      // Never ready while terminating, unless the Service publishes not-ready addresses.
      conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
      hostname: podHostname(pod, service),
      targetRef: { kind: "Pod", namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
      nodeName,
      zone,
    });
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { ports, endpoints: [] };
    group.endpoints.push(endpoint);
    groups.set(key, group);
  }
  return [...groups.values()];
}
