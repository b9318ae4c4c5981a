/**
 * Pod validation, the essentials of upstream's ValidatePodCreate/ValidatePodUpdate
 * (pkg/apis/core/validation/validation.go) with its field paths and messages: containers
 * (names unique DNS labels, image, ports, resources), restart and DNS policies, volumes and the
 * mounts that name them, tolerations; on update, a spec that only changes where upstream lets it.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { deepEqual } from "../rest/deep-equal.ts";
import { duplicate, forbiddenField, inclusiveRange, invalidValue, notFoundField, notSupported, required } from "../validation/field-errors.ts";
import { dns1123Label, dns1123Subdomain, qualifiedNameProblems, validateLabels } from "../validation/names.ts";
import { compareQuantities, parseQuantity, QUANTITY_MESSAGE, quantitySign } from "../validation/quantity.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map((x) => (isObj(x) ? x : {})) : []);

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];
const TOLERATION_OPERATORS = ["Equal", "Exists"];
export const TAINT_EFFECTS = ["NoExecute", "NoSchedule", "PreferNoSchedule"];
const MAX_INT32 = 2147483647;

/** upstream's IsValidPortName (an IANA service name). */
export function portNameProblems(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(name)) out.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(name)) out.push("must contain at least one letter (a-z)");
  if (name.includes("--")) out.push("must not contain consecutive hyphens");
  if (name.startsWith("-") || name.endsWith("-")) out.push("must not begin or end with a hyphen");
  return out;
}

const isPort = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;

function validatePorts(ports: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const names = new Set<string>();
  list(ports).forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (typeof p.name === "string" && p.name !== "") {
      for (const m of portNameProblems(p.name)) out.push(invalidValue(`${at}.name`, p.name, m));
      if (names.has(p.name)) out.push(duplicate(`${at}.name`, p.name));
      names.add(p.name);
    }
    if (p.containerPort === undefined || p.containerPort === 0) out.push(required(`${at}.containerPort`));
    else if (!isPort(p.containerPort)) out.push(invalidValue(`${at}.containerPort`, p.containerPort, inclusiveRange(1, 65535)));
    if (p.hostPort !== undefined && p.hostPort !== 0 && !isPort(p.hostPort)) out.push(invalidValue(`${at}.hostPort`, p.hostPort, inclusiveRange(1, 65535)));
    if (p.protocol === undefined || p.protocol === "") out.push(required(`${at}.protocol`));
    else if (!PROTOCOLS.includes(String(p.protocol))) out.push(notSupported(`${at}.protocol`, p.protocol, PROTOCOLS));
  });
  return out;
}

/** Quantities that parse and are not negative, and requests within limits. */
export function validateResourceRequirements(resources: unknown, path: string): StatusCause[] {
  if (!isObj(resources)) return [];
  const out: StatusCause[] = [];
  const parsed: Record<string, Map<string, ReturnType<typeof parseQuantity>>> = {};
  for (const kind of ["limits", "requests"]) {
    const m = new Map<string, ReturnType<typeof parseQuantity>>();
    parsed[kind] = m;
    const values = resources[kind];
    if (!isObj(values)) continue;
    for (const [name, raw] of Object.entries(values)) {
      const q = parseQuantity(raw);
      if (!q) out.push(invalidValue(`${path}.${kind}[${name}]`, raw, QUANTITY_MESSAGE));
      else if (quantitySign(q) < 0) out.push(invalidValue(`${path}.${kind}[${name}]`, raw, "must be greater than or equal to 0"));
      m.set(name, q);
    }
  }
  for (const [name, req] of parsed.requests) {
    const lim = parsed.limits.get(name);
    if (req && lim && compareQuantities(req, lim) > 0) {
      const limits = resources.limits as Obj;
      const requests = resources.requests as Obj;
      out.push(invalidValue(`${path}.requests`, requests[name], `must be less than or equal to ${name} limit of ${String(limits[name])}`));
    }
  }
  return out;
}

function validateContainer(c: Obj, path: string, volumes: Set<string>): StatusCause[] {
  const out: StatusCause[] = [];
  if (!c.image) out.push(required(`${path}.image`));
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(String(c.imagePullPolicy))) out.push(notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  if (c.terminationMessagePolicy !== undefined && !TERMINATION_MESSAGE_POLICIES.includes(String(c.terminationMessagePolicy))) {
    out.push(notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  }
  out.push(...validatePorts(c.ports, `${path}.ports`));
  list(c.env).forEach((e, i) => {
    if (!e.name) out.push(required(`${path}.env[${i}].name`));
  });
  const mountPaths = new Set<string>();
  list(c.volumeMounts).forEach((m, i) => {
    const at = `${path}.volumeMounts[${i}]`;
    if (!m.name) out.push(required(`${at}.name`));
    else if (!volumes.has(String(m.name))) out.push(notFoundField(`${at}.name`, m.name));
    if (!m.mountPath) out.push(required(`${at}.mountPath`));
    else if (mountPaths.has(String(m.mountPath))) out.push(invalidValue(`${at}.mountPath`, m.mountPath, "must be unique"));
    else mountPaths.add(String(m.mountPath));
  });
  out.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  return out;
}

/** The kinds of volume source upstream knows (a volume names exactly one). */
const VOLUME_SOURCES = [
  "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi", "glusterfs",
  "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap",
  "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos",
  "csi", "ephemeral", "image",
];

function validateVolumes(volumes: unknown, path: string): { causes: StatusCause[]; names: Set<string> } {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  list(volumes).forEach((v, i) => {
    const at = `${path}[${i}]`;
    if (!v.name) causes.push(required(`${at}.name`));
    else {
      const name = String(v.name);
      for (const m of dns1123Label(name)) causes.push(invalidValue(`${at}.name`, name, m));
      if (names.has(name)) causes.push(duplicate(`${at}.name`, name));
      names.add(name);
    }
    const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined && v[s] !== null);
    if (sources.length === 0) causes.push(required(at, "must specify a volume type"));
    else if (sources.length > 1) causes.push(forbiddenField(`${at}.${sources[1]}`, "may not specify more than 1 volume type"));
    if (isObj(v.persistentVolumeClaim) && !v.persistentVolumeClaim.claimName) causes.push(required(`${at}.persistentVolumeClaim.claimName`));
    if (isObj(v.hostPath) && !v.hostPath.path) causes.push(required(`${at}.hostPath.path`));
  });
  return { causes, names };
}

export function validateTolerations(tolerations: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  list(tolerations).forEach((t, i) => {
    const at = `${path}[${i}]`;
    if (t.key) for (const m of qualifiedNameProblems(String(t.key))) out.push(invalidValue(`${at}.key`, t.key, m));
    if (!t.key && t.operator !== "Exists") out.push(invalidValue(`${at}.operator`, t.operator, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") out.push(invalidValue(`${at}.effect`, t.effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (t.operator !== undefined && t.operator !== "" && !TOLERATION_OPERATORS.includes(String(t.operator))) out.push(notSupported(`${at}.operator`, t.operator, TOLERATION_OPERATORS));
    if (t.operator === "Exists" && t.value) out.push(invalidValue(`${at}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    if (t.effect !== undefined && t.effect !== "" && !TAINT_EFFECTS.includes(String(t.effect))) out.push(notSupported(`${at}.effect`, t.effect, TAINT_EFFECTS));
  });
  return out;
}

/** A PodSpec (pods and, later, the templates of workloads). `path` is where it sits ("spec"). */
export function validatePodSpec(spec: unknown, path: string): StatusCause[] {
  if (!isObj(spec)) return [required(path)];
  const out: StatusCause[] = [];
  const { causes, names: volumes } = validateVolumes(spec.volumes, `${path}.volumes`);
  out.push(...causes);
  const containers = list(spec.containers);
  if (containers.length === 0) out.push(required(`${path}.containers`));
  const seen = new Set<string>();
  const checkName = (c: Obj, at: string) => {
    if (!c.name) return out.push(required(`${at}.name`));
    const name = String(c.name);
    for (const m of dns1123Label(name)) out.push(invalidValue(`${at}.name`, name, m));
    if (seen.has(name)) out.push(duplicate(`${at}.name`, name));
    seen.add(name);
  };
  list(spec.initContainers).forEach((c, i) => {
    const at = `${path}.initContainers[${i}]`;
    checkName(c, at);
    out.push(...validateContainer(c, at, volumes));
    if (c.restartPolicy !== undefined && c.restartPolicy !== "Always") out.push(notSupported(`${at}.restartPolicy`, c.restartPolicy, ["Always"]));
  });
  containers.forEach((c, i) => {
    const at = `${path}.containers[${i}]`;
    checkName(c, at);
    out.push(...validateContainer(c, at, volumes));
    if (c.restartPolicy !== undefined) out.push(forbiddenField(`${at}.restartPolicy`, "may not be set for non-init containers"));
  });
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(String(spec.restartPolicy))) out.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(String(spec.dnsPolicy))) out.push(notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && !(typeof deadline === "number" && deadline >= 1 && deadline <= MAX_INT32)) {
    out.push(invalidValue(`${path}.activeDeadlineSeconds`, deadline, inclusiveRange(1, MAX_INT32)));
  }
  if (spec.nodeName) for (const m of dns1123Subdomain(String(spec.nodeName))) out.push(invalidValue(`${path}.nodeName`, spec.nodeName, m));
  if (spec.hostname) for (const m of dns1123Label(String(spec.hostname))) out.push(invalidValue(`${path}.hostname`, spec.hostname, m));
  if (spec.subdomain) for (const m of dns1123Label(String(spec.subdomain))) out.push(invalidValue(`${path}.subdomain`, spec.subdomain, m));
  if (spec.serviceAccountName) for (const m of dns1123Subdomain(String(spec.serviceAccountName))) out.push(invalidValue(`${path}.serviceAccountName`, spec.serviceAccountName, m));
  out.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  out.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  return out;
}

export function validatePod(pod: KubeObject): StatusCause[] {
  return validatePodSpec(pod.spec, "spec");
}

const UPDATE_FORBIDDEN_MESSAGE =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/** Which top-level spec fields differ (upstream prints a full diff; the field names say enough). */
function changedFields(a: Obj, b: Obj): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !deepEqual(a[k], b[k])).sort().map((k) => `spec.${k}`);
}

/**
 * ValidatePodUpdate's spec rules: images, a shorter activeDeadlineSeconds, added tolerations and
 * terminationGracePeriodSeconds from negative to 1 may change; nothing else in the spec.
 * `binding` allows spec.nodeName to go from unset to set (the binding subresource).
 */
export function validatePodUpdate(pod: KubeObject, old: KubeObject, binding = false): StatusCause[] {
  const out = validatePod(pod);
  const spec = (isObj(pod.spec) ? pod.spec : {}) as Obj;
  const oldSpec = (isObj(old.spec) ? old.spec : {}) as Obj;
  for (const key of ["containers", "initContainers"]) {
    if (list(spec[key]).length !== list(oldSpec[key]).length) {
      out.push(forbiddenField(`spec.${key}`, "pod updates may not add or remove containers"));
      return out;
    }
  }
  const newDeadline = spec.activeDeadlineSeconds as number | undefined;
  const oldDeadline = oldSpec.activeDeadlineSeconds as number | undefined;
  if (newDeadline === undefined || newDeadline === null) {
    if (oldDeadline !== undefined && oldDeadline !== null) out.push(invalidValue("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
  } else if (typeof oldDeadline === "number" && oldDeadline < newDeadline) {
    out.push(invalidValue("spec.activeDeadlineSeconds", newDeadline, "must be less than or equal to previous value"));
  }
  out.push(...validateOnlyAddedTolerations(spec.tolerations, oldSpec.tolerations));
  // Compare the spec with the updatable fields put back to their old values. A shallow copy is
  // enough: only top-level fields are replaced, and containers are mapped to new objects.
  const munged: Obj = { ...spec };
  for (const key of ["containers", "initContainers"]) {
    if (!Array.isArray(munged[key])) continue;
    const olds = list(oldSpec[key]);
    munged[key] = list(munged[key]).map((c, i) => ({ ...c, image: olds[i]?.image }));
    for (const c of munged[key] as Obj[]) if (c.image === undefined) delete c.image;
  }
  if ("activeDeadlineSeconds" in oldSpec) munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  else delete munged.activeDeadlineSeconds;
  if ("tolerations" in oldSpec) munged.tolerations = oldSpec.tolerations;
  else delete munged.tolerations;
  if ("schedulingGates" in oldSpec) munged.schedulingGates = oldSpec.schedulingGates;
  else delete munged.schedulingGates;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === "number" && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  if (binding && !oldSpec.nodeName) {
    if ("nodeName" in oldSpec) munged.nodeName = oldSpec.nodeName;
    else delete munged.nodeName;
  }
  if (!deepEqual(munged, oldSpec)) out.push(forbiddenField("spec", `${UPDATE_FORBIDDEN_MESSAGE}\n  changed: ${changedFields(munged, oldSpec).join(", ")}`));
  return out;
}

/** Tolerations may only be added; an existing NoExecute toleration's seconds may only shrink. */
function validateOnlyAddedTolerations(next: unknown, old: unknown): StatusCause[] {
  const out: StatusCause[] = [];
  const news = list(next);
  for (const o of list(old)) {
    const kept = news.some((n) => {
      if (n.key !== o.key || (n.operator ?? "Equal") !== (o.operator ?? "Equal") || (n.value ?? "") !== (o.value ?? "") || (n.effect ?? "") !== (o.effect ?? "")) return false;
      if (o.tolerationSeconds === undefined) return n.tolerationSeconds === undefined;
      return typeof n.tolerationSeconds === "number" && n.tolerationSeconds <= (o.tolerationSeconds as number) && n.tolerationSeconds >= 0;
    });
    if (!kept) {
      out.push(forbiddenField("spec.tolerations", `existing toleration can not be modified except its tolerationSeconds`));
      break;
    }
  }
  return out;
}
