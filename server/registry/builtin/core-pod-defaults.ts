/**
 * Pod defaults as kube-apiserver applies them: the v1 scheme's SetDefaults_* functions
 * (pkg/apis/core/v1/defaults.go) for the pod spec, its containers, ports, probes and volumes,
 * and — on create only — what upstream's default admission plugins add to every pod
 * (ServiceAccount: serviceAccountName "default", the rest of it, which needs the ServiceAccount,
 * in core-pod-service-account.ts; Priority: priority 0 and preemptionPolicy;
 * DefaultTolerationSeconds: the not-ready/unreachable NoExecute tolerations). The PodSpec
 * defaults are exported for the kinds that embed a pod template.
 */
import type { KubeObject } from "../../storage/object.ts";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** The tag of an image reference ("latest" when it has neither tag nor digest), as docker's parser reads it. */
export function imageTag(image: string): string {
  const [name, digest] = image.split("@", 2);
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  const tag = colon >= 0 ? name.slice(colon + 1) : "";
  if (!tag && !digest) return "latest";
  return tag;
}

function defaultProbe(probe: unknown): void {
  if (!isObj(probe)) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  defaultHandler(probe);
}

/** Probe and lifecycle handlers: httpGet path and scheme. */
function defaultHandler(handler: unknown): void {
  if (!isObj(handler)) return;
  if (isObj(handler.httpGet)) {
    handler.httpGet.path ||= "/";
    handler.httpGet.scheme ??= "HTTP";
  }
}

function defaultEnv(env: unknown): void {
  for (const e of objects(env)) {
    const from = e.valueFrom;
    if (isObj(from) && isObj(from.fieldRef)) from.fieldRef.apiVersion ??= "v1";
  }
}

function defaultContainer(c: Obj, hostNetwork: boolean): void {
  if (typeof c.image === "string" && c.imagePullPolicy === undefined) {
    c.imagePullPolicy = imageTag(c.image) === "latest" ? "Always" : "IfNotPresent";
  }
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  for (const p of objects(c.ports)) {
    p.protocol ??= "TCP";
    // With the host's network the container port is the host port (SetDefaults_Pod).
    if (hostNetwork && p.hostPort === undefined) p.hostPort = p.containerPort;
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) {
    defaultHandler(c.lifecycle.postStart);
    defaultHandler(c.lifecycle.preStop);
  }
  defaultEnv(c.env);
}

/** Requests default to limits where only limits are given (SetDefaults_Pod; not for templates). */
function requestsFromLimits(c: Obj): void {
  const resources = c.resources;
  if (!isObj(resources) || !isObj(resources.limits)) return;
  const requests = isObj(resources.requests) ? resources.requests : (resources.requests = {});
  for (const [k, v] of Object.entries(resources.limits)) if (!(k in requests)) requests[k] = v;
}

const MODE_DEFAULTED_SOURCES = ["secret", "configMap", "downwardAPI", "projected"] as const;
const VOLUME_SOURCE_KEYS_IGNORED = new Set(["name"]);

function defaultVolume(v: Obj): void {
  // A volume without any source is an emptyDir (SetDefaults_Volume).
  if (!Object.keys(v).some((k) => !VOLUME_SOURCE_KEYS_IGNORED.has(k) && v[k] !== undefined && v[k] !== null)) v.emptyDir = {};
  for (const s of MODE_DEFAULTED_SOURCES) {
    const source = v[s];
    if (isObj(source)) source.defaultMode ??= 0o644;
  }
  if (isObj(v.hostPath)) v.hostPath.type ??= "";
}

export function defaultPodSpec(spec: Obj): void {
  spec.dnsPolicy ??= "ClusterFirst";
  spec.restartPolicy ??= "Always";
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= "default-scheduler";
  // The deprecated serviceAccount mirrors serviceAccountName (v1 conversion).
  if (!spec.serviceAccountName && typeof spec.serviceAccount === "string" && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of objects(spec.containers)) defaultContainer(c, hostNetwork);
  for (const c of objects(spec.initContainers)) defaultContainer(c, hostNetwork);
  for (const c of objects(spec.ephemeralContainers)) defaultContainer(c, hostNetwork);
  for (const v of objects(spec.volumes)) defaultVolume(v);
}

/** SetDefaults_Pod and SetDefaults_PodSpec: run on every write of a pod. */
export function defaultPod(pod: KubeObject): void {
  if (!isObj(pod.spec)) return;
  const spec = pod.spec;
  for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) requestsFromLimits(c);
  spec.enableServiceLinks ??= true;
  defaultPodSpec(spec);
}

const NOT_READY = "node.kubernetes.io/not-ready";
const UNREACHABLE = "node.kubernetes.io/unreachable";
/** DefaultTolerationSeconds' default (--default-not-ready-toleration-seconds and the unreachable one). */
export const DEFAULT_TOLERATION_SECONDS = 300;

/** What the default admission plugins add to a new pod (they run on create only). */
export function admitNewPod(pod: KubeObject): void {
  if (!isObj(pod.spec)) return;
  const spec = pod.spec;
  if (!spec.serviceAccountName) {
    spec.serviceAccountName = "default";
    spec.serviceAccount = "default";
  }
  if (spec.priority === undefined && !spec.priorityClassName) spec.priority = 0;
  spec.preemptionPolicy ??= "PreemptLowerPriority";
  const tolerations = objects(spec.tolerations);
  // A toleration with an empty key (or effect) tolerates every taint (or effect) too.
  const tolerates = (key: string) => tolerations.some((t) => (t.key === key || !t.key) && (t.effect === "NoExecute" || !t.effect));
  const added: Obj[] = [];
  for (const key of [NOT_READY, UNREACHABLE]) {
    if (!tolerates(key)) added.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
  }
  if (added.length) spec.tolerations = [...(Array.isArray(spec.tolerations) ? spec.tolerations : []), ...added];
}
