/**
 * The node authorizer (after upstream plugin/pkg/auth/authorizer/node): a kubelet, user
 * system:node:<name> in group system:nodes, may read the Secrets, ConfigMaps, PVCs (and their
 * PVs) and ServiceAccounts that pods bound to its node reference, write its own Node and Lease,
 * the status of its own pods, and events; plus the read-only lookups every kubelet and the
 * service proxy need. It says nothing about anyone else, and denies nodes the rest — so a node's
 * credentials never reach another node's secrets, whatever RBAC says.
 */
import type { Attributes, Authorizer, Decision } from "./authorizer.ts";
import { forbiddenMessage } from "./forbidden.ts";
import { nodeNameOf } from "./user.ts";

/** The parts of a Pod the authorizer reads. */
export interface PodLike {
  metadata: { name: string; namespace: string };
  spec?: {
    nodeName?: string;
    serviceAccountName?: string;
    imagePullSecrets?: Array<{ name?: string }> | null;
    volumes?: Array<Record<string, unknown>> | null;
    containers?: Array<ContainerLike> | null;
    initContainers?: Array<ContainerLike> | null;
    ephemeralContainers?: Array<ContainerLike> | null;
  };
}

interface ContainerLike {
  env?: Array<{ valueFrom?: { secretKeyRef?: { name?: string }; configMapKeyRef?: { name?: string } } }> | null;
  envFrom?: Array<{ secretRef?: { name?: string }; configMapRef?: { name?: string } }> | null;
}

type MaybePromise<T> = T | Promise<T>;

/** Lookups into the server's watch cache. */
export interface NodeGraph {
  /** Pods whose spec.nodeName is `nodeName`. */
  podsOnNode(nodeName: string): MaybePromise<PodLike[]>;
  /** For PV access: the PV a claim is bound to. */
  getPersistentVolumeClaim?(namespace: string, name: string): MaybePromise<{ spec?: { volumeName?: string } } | undefined>;
}

export type PodReferenceKind = "secrets" | "configmaps" | "persistentvolumeclaims" | "serviceaccounts";

/** Every object a pod needs from the API, as `resource/name` in the pod's namespace. */
export function podReferences(pod: PodLike): Set<string> {
  const refs = new Set<string>();
  const add = (kind: PodReferenceKind, name: string | undefined) => name && refs.add(`${kind}/${name}`);
  const spec = pod.spec ?? {};
  add("serviceaccounts", spec.serviceAccountName || "default");
  for (const s of spec.imagePullSecrets ?? []) add("secrets", s.name);
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) {
      add("secrets", e.valueFrom?.secretKeyRef?.name);
      add("configmaps", e.valueFrom?.configMapKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add("secrets", e.secretRef?.name);
      add("configmaps", e.configMapRef?.name);
    }
  }
  for (const volume of spec.volumes ?? []) {
    const v = volume as Record<string, any>;
    add("secrets", v.secret?.secretName);
    add("configmaps", v.configMap?.name);
    add("persistentvolumeclaims", v.persistentVolumeClaim?.claimName);
    // Generic ephemeral volumes make a claim named <pod>-<volume>.
    if (v.ephemeral && typeof v.name === "string") add("persistentvolumeclaims", `${pod.metadata.name}-${v.name}`);
    for (const source of v.projected?.sources ?? []) {
      add("secrets", source.secret?.name);
      add("configmaps", source.configMap?.name);
    }
    // Volume plugins that carry a secretRef (csi, iscsi, rbd, cephfs, azureFile, ...).
    for (const plugin of Object.values(v)) {
      if (plugin && typeof plugin === "object") {
        const p = plugin as Record<string, any>;
        add("secrets", p.secretRef?.name ?? p.nodePublishSecretRef?.name);
      }
    }
  }
  return refs;
}

const READ = new Set(["get", "list", "watch"]);
// What any node may read cluster-wide: kubelets need Services for pod env, the proxy needs
// endpoints, the CNI module needs other Nodes, and kubelets watch pods by field selector.
const READ_ANY = new Set(["services", "endpoints", "endpointslices", "nodes", "pods", "runtimeclasses", "csidrivers", "storageclasses"]);
// selfsubjectreviews (kubectl auth whoami) added with the join work: system:basic-user grants it to everyone upstream.
const REVIEWS = new Set(["tokenreviews", "subjectaccessreviews", "localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectreviews"]);

export function nodeAuthorizer(graph: NodeGraph): Authorizer {
  return async (attributes) => {
    const node = nodeNameOf(attributes.user);
    if (node === undefined) return { decision: "noOpinion", reason: "" };
    const allow = (reason: string): Decision => ({ decision: "allow", reason });
    const deny = (why: string): Decision => ({ decision: "deny", reason: `${forbiddenMessage(attributes)}: ${why}` });

    if (!attributes.isResourceRequest) {
      // Discovery, health and version are for RBAC's public roles to grant; nodes have no other paths.
      return { decision: "noOpinion", reason: "" };
    }
    const { verb } = attributes;
    const resource = attributes.resource ?? "";
    const subresource = attributes.subresource ?? "";
    const namespace = attributes.namespace ?? "";
    const name = attributes.name ?? "";
    const combined = subresource ? `${resource}/${subresource}` : resource;

    if (REVIEWS.has(resource) && verb === "create") return allow("node may review tokens and access");
    if (combined === "events" && ["create", "update", "patch"].includes(verb)) return allow("node may record events");
    if (subresource === "" && READ.has(verb) && READ_ANY.has(resource)) return allow("node may read " + resource);

    switch (combined) {
      case "nodes":
      case "nodes/status":
        // Registration POSTs to the collection; the name in the body is admission's to check.
        if (combined === "nodes" && verb === "create" && name === "") return allow("node registration");
        if (name !== node) return deny(`node "${node}" may only modify its own Node`);
        if (["get", "create", "update", "patch", "delete"].includes(verb)) return allow("own Node");
        return deny("verb not allowed on nodes");
      case "leases":
        if (attributes.apiGroup === "coordination.k8s.io" && namespace === "kube-node-lease" && name === node &&
          ["get", "create", "update", "patch", "delete"].includes(verb)) return allow("own Lease");
        // create carries no name in the URL; the Lease's name is then admission's to check.
        if (attributes.apiGroup === "coordination.k8s.io" && namespace === "kube-node-lease" && verb === "create" && name === "") {
          return allow("Lease in kube-node-lease");
        }
        return deny(`node "${node}" may only use its own Lease in kube-node-lease`);
      case "pods/status":
      case "pods":
      case "pods/eviction": {
        if (combined === "pods/status" && !["update", "patch", "get"].includes(verb)) return deny("verb not allowed on pods/status");
        if (combined === "pods" && verb !== "delete") return deny("node may only delete its pods");
        if (combined === "pods/eviction" && verb !== "create") return deny("verb not allowed on pods/eviction");
        const pods = await graph.podsOnNode(node);
        return pods.some((p) => p.metadata.namespace === namespace && p.metadata.name === name)
          ? allow("pod bound to node")
          : deny(`no relationship found between node '${node}' and this object`);
      }
      case "secrets":
      case "configmaps":
      case "persistentvolumeclaims":
      case "serviceaccounts":
      case "serviceaccounts/token": {
        const allowedVerbs = combined === "serviceaccounts/token" ? ["create"] : resource === "persistentvolumeclaims" || resource === "serviceaccounts" ? ["get"] : [...READ];
        if (!allowedVerbs.includes(verb)) return deny(`can only ${allowedVerbs.join("/")} individual ${combined}`);
        // Listing all secrets of a namespace is never needed; a watch of one names it (field selector).
        if (name === "") return deny(`can only ${allowedVerbs.join("/")} individual ${resource}`);
        const pods = await graph.podsOnNode(node);
        const key = `${resource}/${name}`;
        return pods.some((p) => p.metadata.namespace === namespace && podReferences(p).has(key))
          ? allow(`${resource} referenced by a pod bound to node`)
          : deny(`no relationship found between node '${node}' and this object`);
      }
      case "persistentvolumes": {
        if (verb !== "get" || name === "") return deny("can only get individual persistentvolumes");
        if (!graph.getPersistentVolumeClaim) return deny("no relationship found");
        for (const pod of await graph.podsOnNode(node)) {
          for (const ref of podReferences(pod)) {
            if (!ref.startsWith("persistentvolumeclaims/")) continue;
            const claim = await graph.getPersistentVolumeClaim(pod.metadata.namespace, ref.slice("persistentvolumeclaims/".length));
            if (claim?.spec?.volumeName === name) return allow("persistentvolume bound to a claim of a pod on node");
          }
        }
        return deny(`no relationship found between node '${node}' and this object`);
      }
      default:
        return deny(`node "${node}" is not allowed to ${verb} ${combined}`);
    }
  };
}
