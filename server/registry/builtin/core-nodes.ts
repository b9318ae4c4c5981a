/**
 * core/v1 Node (cluster-scoped). Unlike other kinds with a status subresource, a Node keeps
 * the status it is created with: the kubelet registers itself with addresses, capacity and
 * node info in one create (upstream's node strategy does not reset status). The table is
 * `kubectl get nodes`: STATUS from the Ready condition (plus SchedulingDisabled when cordoned),
 * ROLES from node-role.kubernetes.io/* labels.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { duplicate, forbiddenField, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { qualifiedNameProblems } from "../validation/names.ts";
import type { ResourceDefinition } from "../types.ts";
import { TAINT_EFFECTS } from "./core-pod-validation.ts";
import { isIPv4, isIPv6 } from "./core-service-validation.ts";
import { defineKind } from "./define.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map((x) => (isObj(x) ? x : {})) : []);

interface NodeView {
  metadata: { labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type?: string; status?: string }[];
    addresses?: { type?: string; address?: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

const ROLE_PREFIX = "node-role.kubernetes.io/";
const LEGACY_ROLE_LABEL = "kubernetes.io/role";

export function nodeStatus(object: KubeObject): string {
  const node = object as unknown as NodeView;
  const ready = (node.status?.conditions ?? []).find((c) => c.type === "Ready");
  const parts = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (node.spec?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

export function nodeRoles(object: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(object.metadata.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX)) {
      const role = k.slice(ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === LEGACY_ROLE_LABEL && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(",") : "<none>";
}

function address(object: KubeObject, type: string): string {
  const found = ((object as unknown as NodeView).status?.addresses ?? []).find((a) => a.type === type);
  return found?.address || "<none>";
}

const info = (o: KubeObject) => (o as unknown as NodeView).status?.nodeInfo ?? {};

const CIDR_MESSAGE = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

function isCIDR(v: unknown): boolean {
  if (typeof v !== "string") return false;
  const [ip, bits, extra] = v.split("/");
  if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  if (isIPv4(ip)) return Number(bits) <= 32;
  return isIPv6(ip) && Number(bits) <= 128;
}

function validateNode(node: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = (isObj(node.spec) ? node.spec : {}) as Obj;
  (Array.isArray(spec.podCIDRs) ? spec.podCIDRs : []).forEach((c, i) => {
    if (!isCIDR(c)) out.push(invalidValue(`spec.podCIDRs[${i}]`, c, CIDR_MESSAGE));
  });
  if (Array.isArray(spec.podCIDRs) && spec.podCIDRs.length > 2) out.push(invalidValue("spec.podCIDRs", spec.podCIDRs, "may specify no more than one CIDR for each IP family"));
  const seen = new Set<string>();
  list(spec.taints).forEach((t, i) => {
    const at = `spec.taints[${i}]`;
    if (!t.key) out.push(required(`${at}.key`));
    else for (const m of qualifiedNameProblems(String(t.key))) out.push(invalidValue(`${at}.key`, t.key, m));
    if (!t.effect) out.push(required(`${at}.effect`));
    else if (!TAINT_EFFECTS.includes(String(t.effect))) out.push(notSupported(`${at}.effect`, t.effect, TAINT_EFFECTS));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) out.push(duplicate(at, { key: t.key, effect: t.effect }));
    seen.add(key);
  });
  return out;
}

function validateNodeUpdate(node: KubeObject, old: KubeObject): StatusCause[] {
  const out = validateNode(node);
  const spec = (node.spec ?? {}) as Obj;
  const oldSpec = (old.spec ?? {}) as Obj;
  const oldCIDRs = Array.isArray(oldSpec.podCIDRs) ? oldSpec.podCIDRs : [];
  if (oldCIDRs.length && JSON.stringify(oldCIDRs) !== JSON.stringify(spec.podCIDRs ?? [])) {
    out.push(forbiddenField("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"));
  }
  if (oldSpec.providerID && oldSpec.providerID !== spec.providerID) {
    out.push(forbiddenField("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
  }
  return out;
}

function defaultNode(node: KubeObject): void {
  const spec = (isObj(node.spec) ? node.spec : (node.spec = {})) as Obj;
  // podCIDR is the first of podCIDRs (v1 conversion keeps both).
  if (typeof spec.podCIDR === "string" && spec.podCIDR && !Array.isArray(spec.podCIDRs)) spec.podCIDRs = [spec.podCIDR];
  if (Array.isArray(spec.podCIDRs) && spec.podCIDRs.length && !spec.podCIDR) spec.podCIDR = spec.podCIDRs[0];
  // Allocatable defaults to capacity (SetDefaults_NodeStatus).
  const status = node.status;
  if (isObj(status) && isObj(status.capacity) && !isObj(status.allocatable)) status.allocatable = { ...status.capacity };
}

export const nodes: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "Node",
  resource: "nodes",
  shortNames: ["no"],
  namespaced: false,
  modelName: "V1Node",
  statusSubresource: true,
  otherSubresources: [{ name: "proxy", kind: "NodeProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] }],
  strategy: {
    generation: "none",
    keepStatusOnCreate: true,
    defaults: defaultNode,
    validate: validateNode,
    validateUpdate: validateNodeUpdate,
  },
  columns: [
    { name: "Status", description: "The status of the node", cell: nodeStatus },
    { name: "Roles", description: "The roles of the node", cell: nodeRoles },
  ],
});

const base = nodes.table!;
/** NAME STATUS ROLES AGE VERSION, then (wide) INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME. */
nodes.table = {
  columns: [
    ...base.columns,
    { name: "Version", type: "string", format: "", priority: 0, description: "Kubelet Version reported by the node." },
    { name: "Internal-IP", type: "string", format: "", priority: 1, description: "List of addresses reachable to the node. Queried from cloud provider, if available." },
    { name: "External-IP", type: "string", format: "", priority: 1, description: "List of addresses reachable to the node. Queried from cloud provider, if available." },
    { name: "OS-Image", type: "string", format: "", priority: 1, description: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))." },
    { name: "Kernel-Version", type: "string", format: "", priority: 1, description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)." },
    { name: "Container-Runtime", type: "string", format: "", priority: 1, description: "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)." },
  ],
  cells: (o) => [
    ...base.cells(o),
    info(o).kubeletVersion ?? "",
    address(o, "InternalIP"),
    address(o, "ExternalIP"),
    info(o).osImage || "<unknown>",
    info(o).kernelVersion || "<unknown>",
    info(o).containerRuntimeVersion || "<unknown>",
  ],
};
