/**
 * Service validation, the essentials of upstream's ValidateService and ValidateServiceUpdate:
 * type and policies, ports (range, protocol, names when there are several, duplicates, node
 * ports only where a type has them), clusterIP format, ExternalName's name; on update a
 * clusterIP that does not change once set.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { duplicate, forbiddenField, inclusiveRange, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { dns1123Label, dns1123Subdomain, validateLabels } from "../validation/names.ts";
import { portNameProblems } from "./core-pod-validation.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map((x) => (isObj(x) ? x : {})) : []);

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const SESSION_AFFINITIES = ["ClientIP", "None"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const TRAFFIC_POLICIES = ["Cluster", "Local"];
const IP_FAMILY_POLICIES = ["SingleStack", "PreferDualStack", "RequireDualStack"];
const IP_FAMILIES = ["IPv4", "IPv6"];

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(v: string): boolean {
  return IPV4.test(v);
}

/** A plain check for IPv6 text (groups of hex, one `::`, an optional IPv4 tail). */
export function isIPv6(v: string): boolean {
  if (!v.includes(":") || !/^[0-9a-fA-F:.]+$/.test(v)) return false;
  const doubles = v.split("::").length - 1;
  if (doubles > 1) return false;
  let groups = v.split(":").filter((g) => g !== "");
  let max = 8;
  if (groups.length && groups[groups.length - 1].includes(".")) {
    if (!isIPv4(groups[groups.length - 1])) return false;
    groups = groups.slice(0, -1);
    max = 6;
  }
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return doubles ? groups.length < max : groups.length === max;
}

export const isIP = (v: string) => isIPv4(v) || isIPv6(v);

const IP_MESSAGE = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

function isHeadless(spec: Obj): boolean {
  return spec.clusterIP === "None";
}

function validatePorts(spec: Obj, type: string): StatusCause[] {
  const out: StatusCause[] = [];
  const ports = list(spec.ports);
  if (ports.length === 0 && !isHeadless(spec) && type !== "ExternalName") out.push(required("spec.ports"));
  const names = new Set<string>();
  const keys = new Set<string>();
  const nodePortsAllowed = type === "NodePort" || type === "LoadBalancer";
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) out.push(required(`${at}.name`));
    if (p.name) {
      const name = String(p.name);
      for (const m of dns1123Label(name)) out.push(invalidValue(`${at}.name`, name, m));
      if (names.has(name)) out.push(duplicate(`${at}.name`, name));
      names.add(name);
    }
    if (!(typeof p.port === "number" && Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535)) out.push(invalidValue(`${at}.port`, p.port ?? 0, inclusiveRange(1, 65535)));
    if (!p.protocol) out.push(required(`${at}.protocol`));
    else if (!PROTOCOLS.includes(String(p.protocol))) out.push(notSupported(`${at}.protocol`, p.protocol, PROTOCOLS));
    const target = p.targetPort;
    if (typeof target === "number") {
      if (!(Number.isInteger(target) && target >= 1 && target <= 65535)) out.push(invalidValue(`${at}.targetPort`, target, inclusiveRange(1, 65535)));
    } else if (typeof target === "string") {
      for (const m of portNameProblems(target)) out.push(invalidValue(`${at}.targetPort`, target, m));
    }
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (!nodePortsAllowed) out.push(forbiddenField(`${at}.nodePort`, `may not be used when \`type\` is '${type}'`));
      else if (!(typeof p.nodePort === "number" && p.nodePort >= 1 && p.nodePort <= 65535)) out.push(invalidValue(`${at}.nodePort`, p.nodePort, inclusiveRange(1, 65535)));
    }
    const key = `${p.port}/${p.protocol}`;
    if (keys.has(key)) out.push(duplicate(at, { port: p.port, protocol: p.protocol }));
    keys.add(key);
  });
  return out;
}

export function validateService(service: KubeObject): StatusCause[] {
  const spec = (isObj(service.spec) ? service.spec : {}) as Obj;
  const out: StatusCause[] = [];
  const type = String(spec.type ?? "ClusterIP");
  if (!SERVICE_TYPES.includes(type)) out.push(notSupported("spec.type", spec.type, SERVICE_TYPES));
  if (spec.sessionAffinity !== undefined && !SESSION_AFFINITIES.includes(String(spec.sessionAffinity))) out.push(notSupported("spec.sessionAffinity", spec.sessionAffinity, SESSION_AFFINITIES));
  if (spec.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy !== "" && !TRAFFIC_POLICIES.includes(String(spec.externalTrafficPolicy))) {
    out.push(notSupported("spec.externalTrafficPolicy", spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.internalTrafficPolicy !== undefined && !TRAFFIC_POLICIES.includes(String(spec.internalTrafficPolicy))) out.push(notSupported("spec.internalTrafficPolicy", spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  if (spec.ipFamilyPolicy !== undefined && !IP_FAMILY_POLICIES.includes(String(spec.ipFamilyPolicy))) out.push(notSupported("spec.ipFamilyPolicy", spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  (Array.isArray(spec.ipFamilies) ? spec.ipFamilies : []).forEach((f, i) => {
    if (!IP_FAMILIES.includes(String(f))) out.push(notSupported(`spec.ipFamilies[${i}]`, f, IP_FAMILIES));
  });
  if (type === "ExternalName") {
    const name = String(spec.externalName ?? "").replace(/\.$/, "");
    if (!name) out.push(required("spec.externalName"));
    else for (const m of dns1123Subdomain(name)) out.push(invalidValue("spec.externalName", spec.externalName, m));
  }
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  ips.forEach((ip, i) => {
    if (ip === "None" && i === 0) return;
    if (typeof ip !== "string" || !isIP(ip)) out.push(invalidValue(`spec.clusterIPs[${i}]`, ip, IP_MESSAGE));
  });
  if (typeof spec.clusterIP === "string" && spec.clusterIP !== "" && spec.clusterIP !== "None" && !isIP(spec.clusterIP) && ips.length === 0) {
    out.push(invalidValue("spec.clusterIP", spec.clusterIP, IP_MESSAGE));
  }
  if (typeof spec.clusterIP === "string" && ips.length && spec.clusterIP !== ips[0]) {
    out.push(invalidValue("spec.clusterIPs", ips, "first value must match `clusterIP`"));
  }
  (Array.isArray(spec.externalIPs) ? spec.externalIPs : []).forEach((ip, i) => {
    if (typeof ip !== "string" || !isIP(ip)) out.push(invalidValue(`spec.externalIPs[${i}]`, ip, IP_MESSAGE));
  });
  out.push(...validatePorts(spec, type));
  out.push(...validateLabels(spec.selector, "spec.selector"));
  return out;
}

export function validateServiceUpdate(service: KubeObject, old: KubeObject): StatusCause[] {
  const out = validateService(service);
  const spec = (isObj(service.spec) ? service.spec : {}) as Obj;
  const oldSpec = (isObj(old.spec) ? old.spec : {}) as Obj;
  // The primary cluster IP stays for the life of the Service (ExternalName has none).
  const oldIPs = Array.isArray(oldSpec.clusterIPs) ? oldSpec.clusterIPs : [];
  const newIPs = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  if (oldSpec.type !== "ExternalName" && spec.type !== "ExternalName" && oldIPs.length && newIPs.length && oldIPs[0] !== newIPs[0]) {
    out.push(invalidValue("spec.clusterIPs[0]", newIPs[0], "may not change once set"));
  }
  return out;
}
