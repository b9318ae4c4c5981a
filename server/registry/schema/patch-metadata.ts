/**
 * How the built-in kinds' fields merge: the facts upstream carries as Go struct tags
 * (`patchStrategy`, `patchMergeKey`) and `+listType`/`+listMapKey`/`+mapType`/`+structType`
 * markers, published in its OpenAPI documents as `x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`, `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and
 * `x-kubernetes-map-type`. client-node's models do not carry them and no npm package does, so
 * this table is written by hand from the Kubernetes API types (1.32–1.36).
 *
 * Keys are client-node model names and JSON property names. A field that is not listed has no
 * metadata: strategic merge patch replaces such lists, and server-side apply treats them as atomic
 * (structured-merge-diff's default for lists without a list type).
 *
 * Strategic merge patch reads `strategy`/`mergeKey`; server-side apply reads `listType`/
 * `listMapKeys`/`mapType` and the type-level `ATOMIC_TYPES`. They usually agree; where upstream has
 * only one of them (hostIPs: merge on `ip` but `listType=atomic`) the table says exactly that.
 */

export type PatchStrategy = "merge" | "replace" | "retainKeys" | "merge,retainKeys";
export type ListType = "atomic" | "set" | "map";
export type MapType = "atomic" | "granular";

export interface FieldPatchMeta {
  /** x-kubernetes-patch-strategy */
  readonly strategy?: PatchStrategy;
  /** x-kubernetes-patch-merge-key (lists of objects merged by this field) */
  readonly mergeKey?: string;
  /** x-kubernetes-list-type */
  readonly listType?: ListType;
  /** x-kubernetes-list-map-keys (with listType "map") */
  readonly listMapKeys?: readonly string[];
  /**
   * Defaults of list-map key fields, so that an item that omits one still has a key
   * (upstream reads these from the schema's `default`; e.g. ports' protocol is TCP).
   */
  readonly keyDefaults?: Readonly<Record<string, string | number | boolean>>;
  /** x-kubernetes-map-type (maps and structs) */
  readonly mapType?: MapType;
}

// Shorthands for the shapes that recur: most keyed lists merge on one field and are list-maps on it.
const byKey = (key: string, extra: Partial<FieldPatchMeta> = {}): FieldPatchMeta => ({
  strategy: "merge",
  mergeKey: key,
  listType: "map",
  listMapKeys: [key],
  ...extra,
});
const conditions = byKey("type");
const atomic: FieldPatchMeta = { listType: "atomic" };
const set: FieldPatchMeta = { listType: "set" };
/** Lists of primitives that strategic merge patch merges (a union) and apply treats as sets. */
const mergedSet: FieldPatchMeta = { strategy: "merge", listType: "set" };
const atomicMap: FieldPatchMeta = { mapType: "atomic" };
const protocolDefault = { protocol: "TCP" } as const;

const containerFields: Readonly<Record<string, FieldPatchMeta>> = {
  args: atomic,
  command: atomic,
  env: byKey("name"),
  envFrom: atomic,
  ports: byKey("containerPort", { listMapKeys: ["containerPort", "protocol"], keyDefaults: protocolDefault }),
  resizePolicy: atomic,
  restartPolicyRules: atomic,
  volumeDevices: byKey("devicePath"),
  volumeMounts: byKey("mountPath"),
};

const podSpecFields: Readonly<Record<string, FieldPatchMeta>> = {
  containers: byKey("name"),
  ephemeralContainers: byKey("name"),
  hostAliases: byKey("ip"),
  imagePullSecrets: byKey("name"),
  initContainers: byKey("name"),
  nodeSelector: atomicMap,
  readinessGates: atomic,
  resourceClaims: byKey("name", { strategy: "merge,retainKeys" }),
  schedulingGates: byKey("name"),
  tolerations: atomic,
  topologySpreadConstraints: byKey("topologyKey", { listMapKeys: ["topologyKey", "whenUnsatisfiable"] }),
  volumes: byKey("name", { strategy: "merge,retainKeys" }),
};

export const PATCH_METADATA: Readonly<Record<string, Readonly<Record<string, FieldPatchMeta>>>> = {
  // meta/v1
  V1ObjectMeta: {
    finalizers: mergedSet,
    managedFields: atomic,
    ownerReferences: byKey("uid"),
  },
  V1LabelSelector: { matchExpressions: atomic },
  V1LabelSelectorRequirement: { values: atomic },
  V1Status: {},
  V1StatusDetails: { causes: atomic },

  // core/v1: pods and their parts
  V1PodSpec: podSpecFields,
  V1Container: containerFields,
  V1EphemeralContainer: containerFields,
  V1PodStatus: {
    conditions,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    hostIPs: { strategy: "merge", mergeKey: "ip", listType: "atomic" },
    initContainerStatuses: atomic,
    podIPs: byKey("ip"),
    resourceClaimStatuses: byKey("name", { strategy: "merge,retainKeys" }),
  },
  V1ContainerStatus: { allocatedResourcesStatus: byKey("name"), volumeMounts: byKey("mountPath") },
  V1ResourceStatus: { resources: byKey("resourceID") },
  V1ResourceRequirements: { claims: { listType: "map", listMapKeys: ["name"] } },
  V1PodSecurityContext: { supplementalGroups: atomic, sysctls: atomic },
  V1Capabilities: { add: atomic, drop: atomic },
  V1PodDNSConfig: { nameservers: atomic, options: atomic, searches: atomic },
  V1HostAlias: { hostnames: atomic },
  V1Affinity: {},
  V1NodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: atomic },
  V1PodAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  V1PodAntiAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  V1PodAffinityTerm: { matchLabelKeys: atomic, mismatchLabelKeys: atomic, namespaces: atomic },
  V1NodeSelector: { nodeSelectorTerms: atomic },
  V1NodeSelectorTerm: { matchExpressions: atomic, matchFields: atomic },
  V1NodeSelectorRequirement: { values: atomic },
  V1TopologySpreadConstraint: { matchLabelKeys: atomic },
  V1ExecAction: { command: atomic },
  V1HTTPGetAction: { httpHeaders: atomic },
  V1ConfigMapVolumeSource: { items: atomic },
  V1SecretVolumeSource: { items: atomic },
  V1ConfigMapProjection: { items: atomic },
  V1SecretProjection: { items: atomic },
  V1DownwardAPIVolumeSource: { items: atomic },
  V1DownwardAPIProjection: { items: atomic },
  V1ProjectedVolumeSource: { sources: atomic },
  V1CSIVolumeSource: { volumeAttributes: {} },
  V1PodTemplateSpec: {},

  // core/v1: services, endpoints, nodes, namespaces, storage
  V1ServiceSpec: {
    clusterIPs: atomic,
    externalIPs: atomic,
    ipFamilies: atomic,
    loadBalancerSourceRanges: atomic,
    ports: byKey("port", { listMapKeys: ["port", "protocol"], keyDefaults: protocolDefault }),
    selector: atomicMap,
  },
  V1ServiceStatus: { conditions },
  V1LoadBalancerStatus: { ingress: atomic },
  V1LoadBalancerIngress: { ports: atomic },
  V1Endpoints: { subsets: atomic },
  V1EndpointSubset: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  V1NodeSpec: { podCIDRs: mergedSet, taints: atomic },
  V1NodeStatus: {
    addresses: { strategy: "merge", mergeKey: "type", listType: "atomic" },
    conditions,
    images: atomic,
    runtimeHandlers: atomic,
    volumesAttached: atomic,
    volumesInUse: atomic,
  },
  V1ContainerImage: { names: atomic },
  V1NamespaceSpec: { finalizers: atomic },
  V1NamespaceStatus: { conditions },
  V1PersistentVolumeSpec: { accessModes: atomic, mountOptions: atomic },
  V1PersistentVolumeClaimSpec: { accessModes: atomic },
  V1PersistentVolumeClaimStatus: { accessModes: atomic, conditions },
  V1ReplicationControllerStatus: { conditions },
  V1ServiceAccount: { imagePullSecrets: atomic, secrets: byKey("name") },
  V1LimitRangeSpec: { limits: atomic },
  V1ResourceQuotaSpec: { scopes: atomic },
  V1ScopeSelector: { matchExpressions: atomic },
  V1ScopedResourceSelectorRequirement: { values: atomic },
  V1ComponentStatus: { conditions },
  V1TopologySelectorTerm: { matchLabelExpressions: atomic },
  V1TopologySelectorLabelRequirement: { values: atomic },

  // apps/v1
  V1DeploymentStatus: { conditions },
  V1StatefulSetSpec: { volumeClaimTemplates: atomic },
  V1StatefulSetStatus: { conditions },
  V1DaemonSetStatus: { conditions },
  V1ReplicaSetStatus: { conditions },

  // batch/v1
  V1JobStatus: { conditions: { strategy: "merge", mergeKey: "type", listType: "atomic" } },
  V1CronJobStatus: { active: atomic },
  V1PodFailurePolicy: { rules: atomic },
  V1PodFailurePolicyRule: { onPodConditions: atomic },
  V1PodFailurePolicyOnExitCodesRequirement: { values: set },
  V1SuccessPolicy: { rules: atomic },

  // autoscaling
  V2HorizontalPodAutoscalerSpec: { metrics: atomic },
  V2HorizontalPodAutoscalerStatus: { conditions, currentMetrics: atomic },
  V2HPAScalingRules: { policies: atomic },

  // networking.k8s.io/v1
  V1NetworkPolicySpec: { egress: atomic, ingress: atomic, policyTypes: atomic },
  V1NetworkPolicyIngressRule: { from: atomic, ports: atomic },
  V1NetworkPolicyEgressRule: { ports: atomic, to: atomic },
  V1IPBlock: { except: atomic },
  V1IngressSpec: { rules: atomic, tls: atomic },
  V1IngressTLS: { hosts: atomic },
  V1HTTPIngressRuleValue: { paths: atomic },
  V1IngressLoadBalancerStatus: { ingress: atomic },
  V1IngressLoadBalancerIngress: { ports: atomic },
  V1ServiceCIDRSpec: { cidrs: atomic },
  V1ServiceCIDRStatus: { conditions },

  // rbac.authorization.k8s.io/v1
  V1Role: { rules: atomic },
  V1ClusterRole: { rules: atomic },
  V1AggregationRule: { clusterRoleSelectors: atomic },
  V1PolicyRule: { apiGroups: atomic, nonResourceURLs: atomic, resourceNames: atomic, resources: atomic, verbs: atomic },
  V1RoleBinding: { subjects: atomic },
  V1ClusterRoleBinding: { subjects: atomic },

  // discovery.k8s.io/v1
  V1EndpointSlice: { endpoints: atomic, ports: atomic },
  V1Endpoint: { addresses: set },
  V1EndpointHints: { forNodes: atomic, forZones: atomic },

  // policy/v1
  V1PodDisruptionBudgetStatus: { conditions },

  // storage.k8s.io/v1
  V1StorageClass: { allowedTopologies: atomic, mountOptions: atomic },
  V1CSIDriverSpec: { tokenRequests: atomic, volumeLifecycleModes: set },
  V1CSINodeSpec: { drivers: byKey("name") },
  V1CSINodeDriver: { topologyKeys: atomic },

  // node.k8s.io/v1
  V1Scheduling: { nodeSelector: atomicMap, tolerations: atomic },

  // admissionregistration.k8s.io/v1
  V1ValidatingWebhookConfiguration: { webhooks: byKey("name") },
  V1MutatingWebhookConfiguration: { webhooks: byKey("name") },
  V1ValidatingWebhook: { admissionReviewVersions: atomic, matchConditions: byKey("name"), rules: atomic },
  V1MutatingWebhook: { admissionReviewVersions: atomic, matchConditions: byKey("name"), rules: atomic },
  V1RuleWithOperations: { apiGroups: atomic, apiVersions: atomic, operations: atomic, resources: atomic },
  V1ValidatingAdmissionPolicySpec: {
    auditAnnotations: atomic,
    matchConditions: byKey("name"),
    validations: atomic,
    variables: atomic,
  },
  V1ValidatingAdmissionPolicyStatus: { conditions: { listType: "map", listMapKeys: ["type"] } },
  V1ValidatingAdmissionPolicyBindingSpec: { validationActions: set },
  V1MatchResources: { excludeResourceRules: atomic, resourceRules: atomic },
  V1NamedRuleWithOperations: { apiGroups: atomic, apiVersions: atomic, operations: atomic, resourceNames: atomic, resources: atomic },

  // apiextensions.k8s.io/v1
  V1CustomResourceDefinitionSpec: { versions: atomic },
  V1CustomResourceDefinitionNames: { categories: atomic, shortNames: atomic },
  V1CustomResourceDefinitionStatus: { conditions: { listType: "map", listMapKeys: ["type"] }, storedVersions: atomic },
  V1CustomResourceDefinitionVersion: { additionalPrinterColumns: atomic, selectableFields: atomic },
  V1CustomResourceConversion: {},
  V1WebhookConversion: { conversionReviewVersions: atomic },
  V1JSONSchemaProps: { required: atomic, enum: atomic, "x-kubernetes-list-map-keys": atomic, "x-kubernetes-validations": byKey("rule") },

  // apiregistration.k8s.io/v1
  V1APIServiceStatus: { conditions },

  // certificates.k8s.io/v1
  V1CertificateSigningRequestSpec: { usages: atomic, extra: {} },
  V1CertificateSigningRequestStatus: { conditions: { listType: "map", listMapKeys: ["type"] } },

  // flowcontrol.apiserver.k8s.io/v1
  V1FlowSchemaStatus: { conditions: { listType: "map", listMapKeys: ["type"] } },
  V1PriorityLevelConfigurationStatus: { conditions: { listType: "map", listMapKeys: ["type"] } },
};

/**
 * Types upstream marks `+structType=atomic` or `+mapType=atomic` as a whole: server-side apply owns
 * such a value as one field (applying it replaces it; two managers cannot share its parts).
 */
export const ATOMIC_TYPES: ReadonlySet<string> = new Set([
  "V1LabelSelector",
  "V1LocalObjectReference",
  "V1ObjectReference",
  "V1TypedLocalObjectReference",
  "V1TypedObjectReference",
  "V1NodeSelector",
  "V1NodeSelectorTerm",
  "V1TopologySelectorTerm",
  "V1SecretKeySelector",
  "V1ConfigMapKeySelector",
  "V1ObjectFieldSelector",
  "V1ResourceFieldSelector",
  "V1SecretReference",
  "V1ConfigMapNodeConfigSource",
  "V1ClusterTrustBundleProjection",
  "V1SessionAffinityConfig",
  "V1ClientIPConfig",
]);

const NO_META: FieldPatchMeta = Object.freeze({});

/** The patch metadata of `property` (JSON name) on `model` (client-node name); `{}` if none. */
export function patchMetaFor(model: string, property: string): FieldPatchMeta {
  const fields = Object.hasOwn(PATCH_METADATA, model) ? PATCH_METADATA[model] : undefined;
  return (fields && Object.hasOwn(fields, property) ? fields[property] : undefined) ?? NO_META;
}

/** Whether the model is atomic as a whole (`+structType=atomic`/`+mapType=atomic`). */
export function isAtomicType(model: string): boolean {
  return ATOMIC_TYPES.has(model);
}
