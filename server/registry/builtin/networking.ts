/**
 * networking.k8s.io/v1: Ingress (with status), IngressClass, NetworkPolicy — defaults,
 * the essentials of upstream's validation (pkg/apis/networking/validation) and the tables.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { immutable, invalidValue, notSupported, required, tooLong } from "../validation/field-errors.ts";
import { dns1123Subdomain } from "../validation/names.ts";
import type { ResourceDefinition } from "../types.ts";
import { defineKind } from "./define.ts";
import { formatLabelSelector } from "./selector-text.ts";
import { isObj, validateLabelSelector } from "./workload-validation.ts";

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map((x) => (isObj(x) ? x : {})) : []);
const specOf = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});

const PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"];
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function validateServiceBackend(service: Obj, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (!service.name) out.push(required(`${path}.name`));
  else for (const m of dns1123Subdomain(String(service.name))) out.push(invalidValue(`${path}.name`, service.name, m));
  const port = isObj(service.port) ? service.port : {};
  const hasName = typeof port.name === "string" && port.name !== "";
  const hasNumber = typeof port.number === "number" && port.number !== 0;
  if (hasName && hasNumber) out.push(invalidValue(`${path}.port`, port, "cannot set both port name & port number"));
  else if (!hasName && !hasNumber) out.push(required(`${path}.port.name`, "port name or number is required"));
  else if (hasNumber && !(Number.isInteger(port.number) && (port.number as number) >= 1 && (port.number as number) <= 65535)) {
    out.push(invalidValue(`${path}.port.number`, port.number, "must be between 1 and 65535, inclusive"));
  }
  return out;
}

function validateBackend(backend: unknown, path: string): StatusCause[] {
  const b = isObj(backend) ? backend : {};
  const hasService = isObj(b.service);
  const hasResource = isObj(b.resource);
  if (hasService && hasResource) return [invalidValue(path, b, "cannot set both resource and service backends")];
  if (hasService) return validateServiceBackend(b.service as Obj, `${path}.service`);
  if (hasResource) {
    const r = b.resource as Obj;
    const out: StatusCause[] = [];
    if (!r.kind) out.push(required(`${path}.resource.kind`));
    if (!r.name) out.push(required(`${path}.resource.name`));
    return out;
  }
  return [invalidValue(path, b, "resource or service backend is required")];
}

function validateIngress(o: KubeObject): StatusCause[] {
  const spec = specOf(o);
  const out: StatusCause[] = [];
  const rules = list(spec.rules);
  if (spec.defaultBackend === undefined && rules.length === 0) out.push(invalidValue("spec", spec, "either `defaultBackend` or `rules` must be specified"));
  if (spec.defaultBackend !== undefined) out.push(...validateBackend(spec.defaultBackend, "spec.defaultBackend"));
  if (typeof spec.ingressClassName === "string") for (const m of dns1123Subdomain(spec.ingressClassName)) out.push(invalidValue("spec.ingressClassName", spec.ingressClassName, m));
  rules.forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    if (typeof rule.host === "string" && rule.host !== "") {
      const host = rule.host;
      if (IPV4.test(host) || host.includes(":")) out.push(invalidValue(`${at}.host`, host, "must be a DNS name, not an IP address"));
      else {
        const bare = host.startsWith("*.") ? host.slice(2) : host;
        for (const m of dns1123Subdomain(bare)) out.push(invalidValue(`${at}.host`, host, m));
      }
    }
    if (!isObj(rule.http)) return;
    const paths = list(rule.http.paths);
    if (paths.length === 0) out.push(required(`${at}.http.paths`));
    paths.forEach((p, j) => {
      const pat = `${at}.http.paths[${j}]`;
      if (p.pathType === undefined || p.pathType === null) out.push(required(`${pat}.pathType`, "pathType must be specified"));
      else if (!PATH_TYPES.includes(String(p.pathType))) out.push(notSupported(`${pat}.pathType`, p.pathType, PATH_TYPES));
      else if (p.pathType !== "ImplementationSpecific" && !String(p.path ?? "").startsWith("/")) out.push(invalidValue(`${pat}.path`, p.path ?? "", "must be an absolute path"));
      out.push(...validateBackend(p.backend, `${pat}.backend`));
    });
  });
  list(spec.tls).forEach((tls, i) => {
    for (const host of Array.isArray(tls.hosts) ? tls.hosts : []) {
      const bare = String(host).startsWith("*.") ? String(host).slice(2) : String(host);
      for (const m of dns1123Subdomain(bare)) out.push(invalidValue(`spec.tls[${i}].hosts`, host, m));
    }
  });
  return out;
}

/** formatHosts: up to three hosts, "*" when no rule names one. */
export function ingressHosts(o: KubeObject): string {
  const rules = list(specOf(o).rules);
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === 3) more = true;
    if (!more && typeof rule.host === "string" && rule.host !== "") hosts.push(rule.host);
  }
  if (hosts.length === 0) return "*";
  return more ? `${hosts.join(",")} + ${rules.length - 3} more...` : hosts.join(",");
}

/** The load balancer's IPs or hostnames, sorted and unique, clipped to 16 characters unless wide (the server prints wide). */
export function ingressAddress(o: KubeObject): string {
  const lb = isObj(o.status) && isObj(o.status.loadBalancer) ? o.status.loadBalancer : {};
  const set = new Set<string>();
  for (const i of list(lb.ingress)) {
    if (typeof i.ip === "string" && i.ip) set.add(i.ip);
    else if (typeof i.hostname === "string" && i.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(",");
}

export const ingresses: ResourceDefinition = defineKind({
  group: "networking.k8s.io",
  version: "v1",
  kind: "Ingress",
  resource: "ingresses",
  shortNames: ["ing"],
  namespaced: true,
  modelName: "V1Ingress",
  statusSubresource: true,
  strategy: {
    generation: "spec",
    prepareForCreate(o) {
      o.status = { loadBalancer: {} };
    },
    validate: validateIngress,
  },
  columns: [
    { name: "Class", description: "The name of the IngressClass resource that should be used for additional configuration", cell: (o) => (typeof specOf(o).ingressClassName === "string" ? specOf(o).ingressClassName : "<none>") },
    { name: "Hosts", description: "Hosts that incoming requests are matched against before the ingress rule", cell: ingressHosts },
    { name: "Address", description: "Address is a list containing ingress points for the load-balancer", cell: ingressAddress },
    { name: "Ports", description: "Ports of TLS configurations that open", cell: (o) => (list(specOf(o).tls).length > 0 ? "80, 443" : "80") },
  ],
});

const MAX_CONTROLLER = 250;

function validateIngressClass(o: KubeObject): StatusCause[] {
  const spec = specOf(o);
  const out: StatusCause[] = [];
  const controller = spec.controller;
  if (!controller) out.push(required("spec.controller"));
  else if (String(controller).length > MAX_CONTROLLER) out.push(tooLong("spec.controller", MAX_CONTROLLER));
  if (spec.parameters !== undefined && spec.parameters !== null) {
    const p = isObj(spec.parameters) ? spec.parameters : {};
    if (!p.kind) out.push(required("spec.parameters.kind"));
    if (!p.name) out.push(required("spec.parameters.name"));
    if (p.scope !== undefined && p.scope !== "Cluster" && p.scope !== "Namespace") out.push(notSupported("spec.parameters.scope", p.scope, ["Cluster", "Namespace"]));
    if (p.scope === "Namespace" && !p.namespace) out.push(required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'"));
  }
  return out;
}

export const ingressclasses: ResourceDefinition = defineKind({
  group: "networking.k8s.io",
  version: "v1",
  kind: "IngressClass",
  resource: "ingressclasses",
  namespaced: false,
  modelName: "V1IngressClass",
  strategy: {
    generation: "spec",
    validate: validateIngressClass,
    validateUpdate: (o, old) => [...validateIngressClass(o), ...(specOf(o).controller === specOf(old).controller ? [] : [immutable("spec.controller", specOf(o).controller)])],
  },
  columns: [
    { name: "Controller", description: "Controller that is responsible for handling this class", cell: (o) => specOf(o).controller ?? "" },
    {
      name: "Parameters",
      description: "A reference to a resource with additional parameters",
      cell: (o) => {
        const p = specOf(o).parameters;
        if (!isObj(p)) return "<none>";
        return `${p.kind ?? ""}${typeof p.apiGroup === "string" ? `.${p.apiGroup}` : ""}/${p.name ?? ""}`;
      },
    },
  ],
});

const POLICY_TYPES = ["Ingress", "Egress"];

/** SetDefaults_NetworkPolicy: ports are TCP; policyTypes are Ingress, plus Egress when there are egress rules. */
function defaultNetworkPolicy(o: KubeObject): void {
  if (!isObj(o.spec)) o.spec = {};
  const spec = o.spec as Obj;
  for (const rule of [...list(spec.ingress), ...list(spec.egress)]) for (const p of list(rule.ports)) p.protocol ??= "TCP";
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = list(spec.egress).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
  }
}

function validateNetworkPolicy(o: KubeObject): StatusCause[] {
  const spec = specOf(o);
  const out = validateLabelSelector(spec.podSelector ?? {}, "spec.podSelector");
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  types.forEach((t: unknown, i: number) => {
    if (!POLICY_TYPES.includes(String(t))) out.push(notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  if (types.length > 2) out.push(invalidValue("spec.policyTypes", types, "may not specify more than two policyTypes"));
  const peers = (rules: unknown, key: string, path: string) =>
    list(rules).forEach((rule, i) =>
      list(rule[key]).forEach((peer, j) => {
        const at = `${path}[${i}].${key}[${j}]`;
        if (peer.podSelector !== undefined) out.push(...validateLabelSelector(peer.podSelector, `${at}.podSelector`));
        if (peer.namespaceSelector !== undefined) out.push(...validateLabelSelector(peer.namespaceSelector, `${at}.namespaceSelector`));
        if (peer.ipBlock !== undefined && (peer.podSelector !== undefined || peer.namespaceSelector !== undefined)) out.push(invalidValue(at, peer, "may not specify more than 1 peer type"));
      }));
  peers(spec.ingress, "from", "spec.ingress");
  peers(spec.egress, "to", "spec.egress");
  return out;
}

export const networkpolicies: ResourceDefinition = defineKind({
  group: "networking.k8s.io",
  version: "v1",
  kind: "NetworkPolicy",
  resource: "networkpolicies",
  shortNames: ["netpol"],
  namespaced: true,
  modelName: "V1NetworkPolicy",
  strategy: { generation: "spec", defaults: defaultNetworkPolicy, validate: validateNetworkPolicy },
  columns: [{ name: "Pod-Selector", description: "podSelector selects the pods to which this NetworkPolicy object applies. The array of rules is applied to any pods selected by this field. An empty selector matches all pods in this namespace.", cell: (o) => formatLabelSelector(specOf(o).podSelector ?? {}) }],
});

export const networkingResources: ResourceDefinition[] = [ingressclasses, ingresses, networkpolicies];
