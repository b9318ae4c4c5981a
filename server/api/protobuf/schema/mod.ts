/**
 * All protobuf schema tables, and which message a body's apiVersion + kind names.
 */
import type { MessageSpec, SchemaTable } from "./types.ts";
import { admissionregistrationV1 } from "./admissionregistration-v1.ts";
import { apiextensionsV1 } from "./apiextensions-v1.ts";
import { appsV1 } from "./apps-v1.ts";
import { authenticationV1 } from "./authentication-v1.ts";
import { authorizationV1 } from "./authorization-v1.ts";
import { autoscalingV1 } from "./autoscaling-v1.ts";
import { batchV1 } from "./batch-v1.ts";
import { coordinationV1 } from "./coordination-v1.ts";
import { coreV1 } from "./core-v1.ts";
import { discoveryV1 } from "./discovery-v1.ts";
import { eventsV1 } from "./events-v1.ts";
import { intstr } from "./intstr.ts";
import { metaV1 } from "./meta-v1.ts";
import { networkingV1 } from "./networking-v1.ts";
import { nodeV1 } from "./node-v1.ts";
import { policyV1 } from "./policy-v1.ts";
import { rbacV1 } from "./rbac-v1.ts";
import { resource } from "./resource.ts";
import { runtime } from "./runtime.ts";
import { schedulingV1 } from "./scheduling-v1.ts";
import { storageV1 } from "./storage-v1.ts";

export type { FieldSpec, MessageSpec, SchemaTable } from "./types.ts";

export const SCHEMA: SchemaTable = {
  ...metaV1, ...resource, ...intstr, ...runtime,
  ...coreV1, ...appsV1, ...batchV1, ...rbacV1, ...networkingV1, ...policyV1, ...schedulingV1,
  ...storageV1, ...coordinationV1, ...discoveryV1, ...authenticationV1, ...authorizationV1,
  ...autoscalingV1, ...nodeV1, ...eventsV1, ...admissionregistrationV1, ...apiextensionsV1,
};

/** API group -> the prefix of its messages in SCHEMA. */
const GROUPS: Record<string, string> = {
  "": "core",
  apps: "apps",
  batch: "batch",
  autoscaling: "autoscaling",
  policy: "policy",
  "rbac.authorization.k8s.io": "rbac",
  "networking.k8s.io": "networking",
  "scheduling.k8s.io": "scheduling",
  "storage.k8s.io": "storage",
  "coordination.k8s.io": "coordination",
  "discovery.k8s.io": "discovery",
  "authentication.k8s.io": "authentication",
  "authorization.k8s.io": "authorization",
  "node.k8s.io": "node",
  "events.k8s.io": "events",
  "admissionregistration.k8s.io": "admissionregistration",
  "apiextensions.k8s.io": "apiextensions",
  "meta.k8s.io": "meta",
};

/**
 * Kinds of meta.k8s.io/v1 that every group version also registers (a typed client sends a
 * DeleteOptions body as "apps/v1, Kind=DeleteOptions", for example).
 */
const META_KINDS = new Set(["DeleteOptions", "Status", "ListOptions", "GetOptions", "CreateOptions", "UpdateOptions", "PatchOptions", "WatchEvent"]);

/** The message name for apiVersion + kind, or undefined when we have no schema for it. */
export function messageFor(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const prefix = GROUPS[group];
  if (prefix !== undefined && !/\./.test(kind)) {
    const name = `${prefix}.${version}.${kind}`;
    if (Object.hasOwn(SCHEMA, name)) return name;
  }
  if (META_KINDS.has(kind)) return `meta.v1.${kind}`;
  return undefined;
}

export function specOf(message: string): MessageSpec | undefined {
  return Object.hasOwn(SCHEMA, message) ? SCHEMA[message] : undefined;
}
