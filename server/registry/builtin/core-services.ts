/**
 * core/v1 Service and Endpoints. Service defaults follow SetDefaults_Service plus what
 * upstream's Service REST sets before allocation (clusterIPs mirroring clusterIP, the single
 * IPv4 family). Cluster IPs and node ports are allocated in the write path (server/services,
 * through the ResourceStore's beginWrite hook); here an update that leaves them out keeps the
 * stored ones, as upstream's REST does for allocated values.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { inclusiveRange, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import type { ResourceDefinition } from "../types.ts";
import { isIP, isIPv6, validateService, validateServiceUpdate } from "./core-service-validation.ts";
import { defineKind, table } from "./define.ts";
import { formatLabels } from "./format-labels.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export function defaultService(service: KubeObject): void {
  if (!isObj(service.spec)) service.spec = {};
  const spec = service.spec as Obj;
  spec.type ??= "ClusterIP";
  spec.sessionAffinity ??= "None";
  if (spec.sessionAffinity === "ClientIP") {
    const config = (isObj(spec.sessionAffinityConfig) ? spec.sessionAffinityConfig : (spec.sessionAffinityConfig = {})) as Obj;
    const clientIP = (isObj(config.clientIP) ? config.clientIP : (config.clientIP = {})) as Obj;
    clientIP.timeoutSeconds ??= 10800;
  }
  for (const p of list(spec.ports)) {
    p.protocol ??= "TCP";
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === "") p.targetPort = p.port;
  }
  const type = spec.type;
  if ((type === "NodePort" || type === "LoadBalancer") && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = "Cluster";
  if (type !== "ExternalName") spec.internalTrafficPolicy ??= "Cluster";
  if (type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
  if (type !== "ExternalName") {
    if (typeof spec.clusterIP === "string" && spec.clusterIP !== "" && !Array.isArray(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
    if (Array.isArray(spec.clusterIPs) && spec.clusterIP === undefined && typeof spec.clusterIPs[0] === "string") spec.clusterIP = spec.clusterIPs[0];
    spec.ipFamilyPolicy ??= "SingleStack";
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) {
      const first = typeof spec.clusterIP === "string" ? spec.clusterIP : "";
      spec.ipFamilies = [isIPv6(first) ? "IPv6" : "IPv4"];
    }
  }
}

/** An update that leaves out what was allocated keeps it (upstream's patchAllocatedValues). */
function keepAllocated(service: KubeObject, old: KubeObject): void {
  const spec = service.spec as Obj | undefined;
  const oldSpec = old.spec as Obj | undefined;
  if (!isObj(spec) || !isObj(oldSpec)) return;
  if (spec.type !== "ExternalName" && oldSpec.type !== "ExternalName") {
    if (!spec.clusterIP && oldSpec.clusterIP) {
      spec.clusterIP = oldSpec.clusterIP;
      spec.clusterIPs = oldSpec.clusterIPs;
    }
  }
  if (spec.type === "NodePort" || spec.type === "LoadBalancer") {
    const oldPorts = list(oldSpec.ports);
    for (const p of list(spec.ports)) {
      if (p.nodePort) continue;
      const match = oldPorts.find((o) => o.port === p.port && o.protocol === p.protocol && o.nodePort);
      if (match) p.nodePort = match.nodePort;
    }
  }
}

/**
 * upstream's dropTypeDependentFields: a type change that no longer needs a cluster IP, node
 * ports or a health-check node port clears those the client left as they were (the allocator
 * gives them back), so that `kubectl patch -p '{"spec":{"type":"ClusterIP"}}'` on a NodePort
 * Service validates. Values the client changed are kept (and validation speaks).
 */
function dropTypeDependentFields(service: KubeObject, old: KubeObject): void {
  const spec = service.spec as Obj | undefined;
  const oldSpec = old.spec as Obj | undefined;
  if (!isObj(spec) || !isObj(oldSpec)) return;
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (oldSpec.type !== "ExternalName" && spec.type === "ExternalName") {
    if (same(spec.clusterIPs, oldSpec.clusterIPs) && same(spec.clusterIP, oldSpec.clusterIP)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (same(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (same(spec.ipFamilyPolicy, oldSpec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  const needsNodePorts = (t: unknown) => t === "NodePort" || t === "LoadBalancer";
  const nodePorts = (s: Obj) => list(s.ports).map((p) => p.nodePort ?? 0);
  if (needsNodePorts(oldSpec.type) && !needsNodePorts(spec.type) && same(nodePorts(spec), nodePorts(oldSpec))) {
    for (const p of list(spec.ports)) delete p.nodePort;
  }
  const needsHealthCheck = (s: Obj) => s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local";
  if (needsHealthCheck(oldSpec) && !needsHealthCheck(spec) && same(spec.healthCheckNodePort, oldSpec.healthCheckNodePort)) delete spec.healthCheckNodePort;
}

/** makePortString: "80/TCP", "80:30080/TCP", comma separated. */
export function servicePorts(service: KubeObject): string {
  const ports = list((service.spec as Obj | undefined)?.ports);
  const text = ports.map((p) => (typeof p.nodePort === "number" && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(",");
  return text || "<none>";
}

const LOAD_BALANCER_WIDTH = 16;

/** The load balancer's ingress points; shortened to 13 characters and "..." outside wide output (the server always prints wide). */
function loadBalancerIPs(service: KubeObject, wide: boolean): string {
  const ingress = list(((service.status as Obj | undefined)?.loadBalancer as Obj | undefined)?.ingress);
  const text = ingress.map((i) => (i.ip ? String(i.ip) : i.hostname ? String(i.hostname) : "")).filter(Boolean).join(",");
  if (!wide && text.length > LOAD_BALANCER_WIDTH) return `${text.slice(0, LOAD_BALANCER_WIDTH - 3)}...`;
  return text;
}

/** getServiceExternalIP as kubectl shows it. */
export function serviceExternalIP(service: KubeObject, wide = true): string {
  const spec = (service.spec ?? {}) as Obj;
  const externalIPs = Array.isArray(spec.externalIPs) ? (spec.externalIPs as string[]) : [];
  switch (spec.type) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerIPs(service, wide);
      if (externalIPs.length) return [...(lb ? lb.split(",") : []), ...externalIPs].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return String(spec.externalName ?? "");
  }
  return "<unknown>";
}

export const services: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "Service",
  resource: "services",
  shortNames: ["svc"],
  categories: ["all"],
  namespaced: true,
  modelName: "V1Service",
  statusSubresource: true,
  otherSubresources: [{ name: "proxy", kind: "ServiceProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] }],
  strategy: {
    generation: "none",
    defaults: defaultService,
    prepareForCreate(service) {
      service.status = { loadBalancer: {} };
    },
    prepareForUpdate(service, old) {
      keepAllocated(service, old);
      dropTypeDependentFields(service, old); // type changes give back allocations (server/services)
    },
    validate: validateService,
    validateUpdate: validateServiceUpdate,
  },
});

const serviceColumns = table([
  { name: "Type", description: "type determines how the Service is exposed. Defaults to ClusterIP.", cell: (o) => (o.spec as Obj | undefined)?.type ?? "" },
  { name: "Cluster-IP", description: "clusterIP is the IP address of the service and is usually assigned randomly.", cell: (o) => ((o.spec as Obj | undefined)?.clusterIPs as string[] | undefined)?.[0] ?? "<none>" },
  { name: "External-IP", description: "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.", cell: (o) => serviceExternalIP(o) },
  { name: "Port(s)", description: "The list of ports that are exposed by this service.", cell: servicePorts },
]);

/** NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, and SELECTOR after AGE (wide). */
services.table = {
  columns: [...serviceColumns.columns, { name: "Selector", type: "string", format: "", priority: 1, description: "Route service traffic to pods with label keys and values matching this selector." }],
  cells: (o) => [...serviceColumns.cells(o), formatLabels((o.spec as { selector?: Record<string, string> } | undefined)?.selector)],
};

/** formatEndpoints: up to three ip:port pairs, then "+ N more...". */
export function formatEndpoints(endpoints: KubeObject): string {
  const subsets = list(endpoints.subsets);
  if (subsets.length === 0) return "<none>";
  const max = 3;
  const shown: string[] = [];
  let count = 0;
  let more = false;
  const add = (text: string) => {
    if (shown.length === max) more = true;
    else shown.push(text);
  };
  for (const ss of subsets) {
    const addresses = list(ss.addresses);
    const ports = list(ss.ports);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) add(String(a.ip));
      continue;
    }
    for (const p of ports) {
      count += addresses.length;
      for (const a of addresses) {
        const ip = String(a.ip);
        add(ip.includes(":") ? `[${ip}]:${p.port}` : `${ip}:${p.port}`);
      }
    }
  }
  const text = shown.join(",");
  return more ? `${text} + ${count - max} more...` : text;
}

function validateEndpoints(endpoints: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  list(endpoints.subsets).forEach((ss, i) => {
    for (const key of ["addresses", "notReadyAddresses"]) {
      list(ss[key]).forEach((a, j) => {
        if (typeof a.ip !== "string" || !isIP(a.ip)) out.push(invalidValue(`subsets[${i}].${key}[${j}].ip`, a.ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
      });
    }
    list(ss.ports).forEach((p, j) => {
      const at = `subsets[${i}].ports[${j}]`;
      if (!(typeof p.port === "number" && p.port >= 1 && p.port <= 65535)) out.push(invalidValue(`${at}.port`, p.port ?? 0, inclusiveRange(1, 65535)));
      if (!p.protocol) out.push(required(`${at}.protocol`));
      else if (!["SCTP", "TCP", "UDP"].includes(String(p.protocol))) out.push(notSupported(`${at}.protocol`, p.protocol, ["SCTP", "TCP", "UDP"]));
    });
  });
  return out;
}

export const endpoints: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "Endpoints",
  resource: "endpoints",
  singular: "endpoints",
  listKind: "EndpointsList",
  shortNames: ["ep"],
  namespaced: true,
  modelName: "V1Endpoints",
  strategy: {
    generation: "none",
    defaults(o) {
      for (const ss of list(o.subsets)) for (const p of list(ss.ports)) p.protocol ??= "TCP";
    },
    validate: validateEndpoints,
  },
  columns: [{ name: "Endpoints", description: "The set of all endpoints is the union of all subsets.", cell: formatEndpoints }],
});
