/**
 * JSON -> protobuf (test encoder over the same tables) -> JSON, for every kind the server serves:
 * the decoded object must be the JSON we started from. The objects use the fields whose JSON
 * form is special: inlined structs, pointers set to false/0/"", Quantity, IntOrString, Time,
 * MicroTime, Duration, RawExtension, bytes, string-list wrappers and the CRD schema unions.
 */
import { describe, expect, it } from "vitest";
import { decodeKubernetesProtobuf } from "../../../server/api/protobuf/decode.ts";
import { messageFor } from "../../../server/api/protobuf/schema/mod.ts";
import { encodeEnvelope } from "./encode.ts";

type Obj = Record<string, unknown>;

const meta = (name: string, extra: Obj = {}) => ({ name, namespace: "demo", ...extra });
const container = {
  name: "app",
  image: "nginx:1.27",
  command: ["sh", "-c", "echo hi"],
  ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
  env: [
    { name: "EMPTY_ALLOWED", value: "x" },
    { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password", optional: false } } },
    { name: "POD", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
  ],
  resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "100m" } },
  volumeMounts: [{ name: "config", mountPath: "/etc/app", readOnly: true }],
  livenessProbe: { httpGet: { path: "/healthz", port: "http" }, initialDelaySeconds: 3, periodSeconds: 10 },
  readinessProbe: { tcpSocket: { port: 8080 } },
  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, runAsUser: 0, capabilities: { drop: ["ALL"] } },
  stdin: true,
};
const podSpec = {
  volumes: [
    { name: "config", configMap: { name: "settings", items: [{ key: "a", path: "a.txt" }], defaultMode: 420 } },
    { name: "data", persistentVolumeClaim: { claimName: "data" } },
    { name: "scratch", emptyDir: { sizeLimit: "1Gi" } },
    { name: "token", projected: { sources: [{ serviceAccountToken: { audience: "api", expirationSeconds: 3600, path: "token" } }] } },
  ],
  containers: [container],
  restartPolicy: "Always",
  terminationGracePeriodSeconds: 0,
  nodeSelector: { "kubernetes.io/os": "linux" },
  automountServiceAccountToken: false,
  tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] }],
      },
    },
  },
  priority: 0,
  enableServiceLinks: false,
};
const template = { metadata: { labels: { app: "web" } }, spec: podSpec };
const selector = { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] };

const OBJECTS: Obj[] = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo", labels: { team: "a" } }, spec: { finalizers: ["kubernetes"] }, status: {} },
  {
    apiVersion: "v1", kind: "Pod",
    metadata: meta("web-0", {
      annotations: { note: "" }, finalizers: ["x/y"], generateName: "web-",
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "u1", controller: true, blockOwnerDeletion: true }],
      creationTimestamp: "2024-01-02T03:04:05Z", deletionGracePeriodSeconds: 30, generation: 2, resourceVersion: "12",
    }),
    spec: podSpec,
    status: { phase: "Running", startTime: "2024-01-02T03:04:06Z", conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2024-01-02T03:04:07Z" }] },
  },
  {
    apiVersion: "v1", kind: "Service", metadata: meta("web"),
    spec: {
      type: "LoadBalancer", selector: { app: "web" }, clusterIP: "10.43.0.10", clusterIPs: ["10.43.0.10"],
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }, { name: "metrics", port: 9090, targetPort: 9090, nodePort: 30090 }],
      sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      allocateLoadBalancerNodePorts: false, ipFamilyPolicy: "SingleStack",
    },
    status: { loadBalancer: { ingress: [{ ip: "192.0.2.1", ipMode: "VIP" }] } },
  },
  {
    apiVersion: "v1", kind: "Endpoints", metadata: meta("web"),
    subsets: [{ addresses: [{ ip: "10.42.0.5", nodeName: "n1", targetRef: { kind: "Pod", name: "web-0", namespace: "demo" } }], ports: [{ name: "http", port: 8080, protocol: "TCP" }] }],
  },
  { apiVersion: "v1", kind: "ConfigMap", metadata: meta("settings"), data: { a: "1", empty: "" }, binaryData: { blob: "AAECAwT/" }, immutable: false },
  { apiVersion: "v1", kind: "Secret", metadata: meta("creds"), type: "Opaque", data: { password: "czNjcjN0", empty: "" }, stringData: { plain: "text" } },
  { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("bot"), secrets: [{ name: "bot-token" }], imagePullSecrets: [{ name: "regcred" }], automountServiceAccountToken: false },
  {
    apiVersion: "v1", kind: "Node", metadata: { name: "n1", labels: { "kubernetes.io/hostname": "n1" } },
    spec: { podCIDR: "10.42.0.0/24", podCIDRs: ["10.42.0.0/24"], taints: [{ key: "k", value: "v", effect: "NoSchedule", timeAdded: "2024-01-02T03:04:05Z" }], unschedulable: true },
    status: {
      capacity: { cpu: "2", memory: "4Gi", pods: "110" }, allocatable: { cpu: "2" },
      conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "2024-01-02T03:04:05Z", reason: "KubeletReady" }],
      addresses: [{ type: "InternalIP", address: "192.0.2.10" }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { machineID: "m", kubeletVersion: "v1.32.0", architecture: "amd64", operatingSystem: "linux" },
      images: [{ names: ["nginx:1.27"], sizeBytes: 73_000_000 }],
    },
  },
  {
    apiVersion: "v1", kind: "Event", metadata: meta("web-0.1"),
    involvedObject: { kind: "Pod", name: "web-0", namespace: "demo", uid: "u1", apiVersion: "v1", resourceVersion: "12", fieldPath: "spec.containers{app}" },
    reason: "Started", message: "Started container app", source: { component: "kubelet", host: "n1" },
    firstTimestamp: "2024-01-02T03:04:05Z", lastTimestamp: "2024-01-02T03:04:09Z", count: 3, type: "Normal",
    eventTime: "2024-01-02T03:04:05.123456Z", reportingComponent: "kubelet", reportingInstance: "n1",
  },
  {
    apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv1" },
    spec: {
      capacity: { storage: "10Gi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Delete", storageClassName: "local-path",
      hostPath: { path: "/var/lib/k3ts/storage/pv1", type: "DirectoryOrCreate" },
      claimRef: { kind: "PersistentVolumeClaim", namespace: "demo", name: "data" }, volumeMode: "Filesystem",
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["n1"] }] }] } },
    },
    status: { phase: "Bound" },
  },
  {
    apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: meta("data"),
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "", volumeMode: "Filesystem" },
    status: { phase: "Pending" },
  },
  { apiVersion: "v1", kind: "LimitRange", metadata: meta("limits"), spec: { limits: [{ type: "Container", default: { cpu: "500m" }, defaultRequest: { cpu: "100m" }, max: { memory: "1Gi" } }] } },
  {
    apiVersion: "v1", kind: "ResourceQuota", metadata: meta("small"),
    spec: { hard: { pods: "10", "requests.cpu": "2" }, scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["high"] }] } },
    status: { hard: { pods: "10" }, used: { pods: "1" } },
  },
  { apiVersion: "v1", kind: "Binding", metadata: meta("web-0"), target: { apiVersion: "v1", kind: "Node", name: "n1" } },
  {
    apiVersion: "apps/v1", kind: "Deployment", metadata: meta("web", { labels: { app: "web" } }),
    spec: {
      replicas: 0, selector, template, minReadySeconds: 5, revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
    },
    status: { observedGeneration: 3, replicas: 2, readyReplicas: 2, conditions: [{ type: "Available", status: "True", lastUpdateTime: "2024-01-02T03:04:05Z", lastTransitionTime: "2024-01-02T03:04:05Z" }] },
  },
  { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: meta("web-abc"), spec: { replicas: 2, selector, template }, status: { replicas: 2, fullyLabeledReplicas: 2 } },
  {
    apiVersion: "apps/v1", kind: "StatefulSet", metadata: meta("db"),
    spec: {
      replicas: 1, selector, template, serviceName: "db", podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } }, status: {} }],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" }, ordinals: { start: 0 },
    },
    status: { replicas: 1, availableReplicas: 1 },
  },
  {
    apiVersion: "apps/v1", kind: "DaemonSet", metadata: meta("agent"),
    spec: { selector, template, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
    status: { currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1 },
  },
  { apiVersion: "apps/v1", kind: "ControllerRevision", metadata: meta("web-1"), data: { spec: { template: { metadata: { labels: { a: "b" } } } } }, revision: 1 },
  {
    apiVersion: "batch/v1", kind: "Job", metadata: meta("hello"),
    spec: {
      parallelism: 1, completions: 1, backoffLimit: 0, activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 0, completionMode: "NonIndexed", suspend: false,
      template: { metadata: {}, spec: { containers: [{ name: "c", image: "busybox" }], restartPolicy: "Never" } },
      podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] },
    },
    status: { startTime: "2024-01-02T03:04:05Z", active: 1, ready: 0 },
  },
  {
    apiVersion: "batch/v1", kind: "CronJob", metadata: meta("tick"),
    spec: {
      schedule: "*/5 * * * *", timeZone: "Etc/UTC", concurrencyPolicy: "Forbid", suspend: false, successfulJobsHistoryLimit: 3,
      jobTemplate: { metadata: { labels: { a: "b" } }, spec: { template: { metadata: {}, spec: { containers: [{ name: "c", image: "busybox" }], restartPolicy: "OnFailure" } } } },
    },
    status: { lastScheduleTime: "2024-01-02T03:05:00Z", active: [{ kind: "Job", name: "tick-1" }] },
  },
  {
    apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: meta("n1"),
    spec: { holderIdentity: "n1", leaseDurationSeconds: 40, renewTime: "2024-01-02T03:04:05.000001Z", acquireTime: "2024-01-02T03:04:05.999999Z", leaseTransitions: 0 },
  },
  {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: meta("web-abc", { labels: { "kubernetes.io/service-name": "web" } }),
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.42.0.5"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "n1", zone: "a", hints: { forZones: [{ name: "a" }] }, targetRef: { kind: "Pod", name: "web-0" } }],
    ports: [{ name: "http", port: 8080, protocol: "TCP", appProtocol: "http" }],
  },
  {
    apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: meta("site"),
    spec: {
      ingressClassName: "traefik", defaultBackend: { resource: { apiGroup: "k8s.example.com", kind: "Bucket", name: "b" } },
      rules: [{ host: "example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } }] } }],
    },
    status: { loadBalancer: {} },
  },
  { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "traefik" }, spec: { controller: "traefik.io/ingress-controller", parameters: { apiGroup: "k8s.example.com", kind: "Params", name: "p", scope: "Cluster" } } },
  {
    apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("deny"),
    spec: {
      podSelector: {}, policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }, { namespaceSelector: { matchLabels: { team: "a" } } }], ports: [{ protocol: "TCP", port: 80, endPort: 90 }, { port: "http" }] }],
      egress: [{}],
    },
  },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: meta("reader"), rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"], resourceNames: ["a"] }] },
  {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "agg" },
    rules: [{ nonResourceURLs: ["/healthz"], verbs: ["get"] }],
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "rbac.example.com/aggregate": "true" } }] },
  },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: meta("read"), subjects: [{ kind: "ServiceAccount", name: "bot", namespace: "demo" }], roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" } },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "admins" }, subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:masters" }], roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" } },
  {
    apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "rancher.io/local-path", parameters: { a: "b" }, reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: false, mountOptions: ["noatime"], allowedTopologies: [{ matchLabelExpressions: [{ key: "zone", values: ["a"] }] }],
  },
  {
    apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta("web"),
    spec: { maxUnavailable: 1, selector, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    status: { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptedPods: { "web-0": "2024-01-02T03:04:05Z" } },
  },
  { apiVersion: "policy/v1", kind: "Eviction", metadata: meta("web-0"), deleteOptions: { gracePeriodSeconds: 0, dryRun: ["All"], preconditions: { uid: "u1" }, propagationPolicy: "Background" } },
  { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" }, value: -5, globalDefault: true, description: "d", preemptionPolicy: "Never" },
  { apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name: "gvisor" }, handler: "runsc", overhead: { podFixed: { memory: "64Mi" } }, scheduling: { nodeSelector: { sandbox: "yes" }, tolerations: [{ key: "s", operator: "Exists" }] } },
  {
    apiVersion: "events.k8s.io/v1", kind: "Event", metadata: meta("e1"), eventTime: "2024-01-02T03:04:05.000100Z",
    series: { count: 2, lastObservedTime: "2024-01-02T03:04:09.500000Z" }, reportingController: "k3ts/scheduler", reportingInstance: "s1",
    action: "Binding", reason: "Scheduled", regarding: { kind: "Pod", name: "web-0" }, note: "assigned", type: "Normal",
  },
  {
    apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", metadata: meta("bot"),
    spec: { audiences: ["https://kubernetes.default.svc"], expirationSeconds: 3600, boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web-0", uid: "u1" } },
    status: { token: "t", expirationTimestamp: "2024-01-02T04:04:05Z" },
  },
  {
    apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", metadata: {}, spec: { token: "abc", audiences: ["api"] },
    status: { authenticated: true, user: { username: "ann", uid: "1", groups: ["dev"], extra: { scopes: ["a", "b"] } }, audiences: ["api"] },
  },
  {
    apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", metadata: {},
    spec: { resourceAttributes: { namespace: "demo", verb: "get", group: "apps", resource: "deployments", subresource: "scale", name: "web" } },
    status: { allowed: false, reason: "no rule" },
  },
  {
    apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", metadata: {},
    spec: { nonResourceAttributes: { path: "/metrics", verb: "get" }, user: "ann", groups: ["dev"], extra: { "example.com/x": ["1"] }, uid: "1" },
    status: { allowed: true },
  },
  { apiVersion: "autoscaling/v1", kind: "Scale", metadata: meta("web"), spec: { replicas: 3 }, status: { replicas: 2, selector: "app=web" } },
  { apiVersion: "apps/v1", kind: "DeleteOptions", gracePeriodSeconds: 0, orphanDependents: false, propagationPolicy: "Foreground" },
  {
    apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", metadata: { name: "check" },
    webhooks: [{
      name: "check.example.com", clientConfig: { service: { namespace: "demo", name: "hook", path: "/validate", port: 443 }, caBundle: "LS0tLS1CRUdJTg==" },
      rules: [{ operations: ["CREATE", "UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "Namespaced" }],
      failurePolicy: "Fail", sideEffects: "None", admissionReviewVersions: ["v1"], timeoutSeconds: 5,
      namespaceSelector: {}, matchConditions: [{ name: "not-system", expression: "!object.metadata.namespace.startsWith('kube-')" }],
    }],
  },
  {
    apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingWebhookConfiguration", metadata: { name: "mutate" },
    webhooks: [{ name: "m.example.com", clientConfig: { url: "https://192.0.2.1/mutate" }, sideEffects: "None", admissionReviewVersions: ["v1"], reinvocationPolicy: "IfNeeded" }],
  },
  {
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com", scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList", shortNames: ["wd"], categories: ["all"] },
      versions: [{
        name: "v1", served: true, storage: true,
        subresources: { status: {}, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" } },
        additionalPrinterColumns: [{ name: "Size", type: "integer", jsonPath: ".spec.size", priority: 1 }],
        selectableFields: [{ jsonPath: ".spec.color" }],
        schema: {
          openAPIV3Schema: {
            type: "object",
            required: ["spec"],
            properties: {
              spec: {
                type: "object",
                "x-kubernetes-validations": [{ rule: "self.size <= 10", message: "too big", messageExpression: "'size ' + string(self.size)", reason: "FieldValueInvalid", fieldPath: ".size", optionalOldSelf: true }],
                properties: {
                  size: { type: "integer", minimum: 0, maximum: 10.5, default: 1, format: "int32" },
                  color: { type: "string", enum: ["red", "blue"], pattern: "^[a-z]+$", maxLength: 20, nullable: true },
                  tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
                  extra: { type: "object", additionalProperties: { type: "string" }, "x-kubernetes-map-type": "granular" },
                  anything: { "x-kubernetes-preserve-unknown-fields": true, "x-kubernetes-int-or-string": true },
                  closed: { type: "object", additionalProperties: false },
                  tuple: { type: "array", items: [{ type: "string" }, { type: "integer" }] },
                  embedded: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
                },
                dependencies: { color: ["size"] },
              },
            },
          },
        },
      }],
      conversion: { strategy: "None" },
    },
    status: { acceptedNames: { plural: "", kind: "" }, storedVersions: ["v1"] },
  },
];

/** What the decoder yields for a JSON object: the same, minus what Go's JSON never shows ("" of value fields). */
function expected(object: Obj): Obj {
  const copy = structuredClone(object);
  // acceptedNames' plural/kind are non-pointer strings: "" is dropped.
  const crd = copy as { status?: { acceptedNames?: Obj } };
  if (copy.kind === "CustomResourceDefinition") crd.status!.acceptedNames = {};
  return copy;
}

describe("protobuf round trips", () => {
  it("drops the zeros of Go value fields with omitempty, keeps pointers' zeros", () => {
    const scale = { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web" }, spec: { replicas: 0 }, status: { replicas: 0 } };
    // ScaleSpec.replicas is `int32 json:"replicas,omitempty"`; ScaleStatus.replicas has no omitempty.
    expect(decodeKubernetesProtobuf(encodeEnvelope(scale, "autoscaling.v1.Scale")).object).toEqual({ ...scale, spec: {} });
    const deploy = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 0, paused: false } };
    // DeploymentSpec.replicas is a *int32: 0 means zero replicas; paused is a bool with omitempty.
    expect(decodeKubernetesProtobuf(encodeEnvelope(deploy, "apps.v1.Deployment")).object).toEqual({ ...deploy, spec: { replicas: 0 } });
  });

  for (const object of OBJECTS) {
    it(`${object.apiVersion} ${object.kind}`, () => {
      const message = messageFor(String(object.apiVersion), String(object.kind));
      expect(message).toBeDefined();
      const bytes = encodeEnvelope(object, message!);
      const decoded = decodeKubernetesProtobuf(bytes);
      expect(decoded.apiVersion).toBe(object.apiVersion);
      expect(decoded.kind).toBe(object.kind);
      expect(decoded.object).toEqual(expected(object));
    });
  }

  it("decodes a RawExtension that holds a protobuf object", () => {
    const inner = encodeEnvelope({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "b" } }, "core.v1.ConfigMap");
    const rev = { apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "r" }, revision: 2 };
    const bytes = encodeEnvelope(rev, "apps.v1.ControllerRevision");
    // Append field 2 (data) = RawExtension{raw = inner} to the object's raw bytes: rebuild by hand.
    const raw = new Uint8Array([0x0a, ...varint(inner.length), ...inner]);
    const withData = encodeEnvelopeRaw("apps/v1", "ControllerRevision", concat(innerObjectBytes(bytes), [0x12, ...varint(raw.length), ...raw]));
    expect(decodeKubernetesProtobuf(withData).object).toEqual({
      ...rev,
      data: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "b" } },
    });
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function concat(a: Uint8Array, b: number[]): Uint8Array {
  return Uint8Array.from([...a, ...b]);
}

/** The object bytes (Unknown.raw) inside an envelope made by encodeEnvelope. */
function innerObjectBytes(envelope: Uint8Array): Uint8Array {
  let pos = 4;
  const typeMetaLen = envelope[pos + 1]!;
  pos += 2 + typeMetaLen;
  let len = 0;
  let shift = 0;
  pos++; // tag of raw
  for (;;) {
    const b = envelope[pos++]!;
    len |= (b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  return envelope.subarray(pos, pos + len);
}

function encodeEnvelopeRaw(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const enc = new TextEncoder();
  const av = enc.encode(apiVersion);
  const k = enc.encode(kind);
  const typeMeta = [0x0a, av.length, ...av, 0x12, k.length, ...k];
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, typeMeta.length, ...typeMeta, 0x12, ...varint(raw.length), ...raw]);
}
