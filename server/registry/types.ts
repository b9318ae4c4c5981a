/**
 * What the API server knows about a kind it serves: names (for discovery and the RESTMapper),
 * scope, verbs, subresources, and the strategy that turns a client's object into a stored one
 * (defaults, validation, spec/status split, generation), the table columns kubectl prints, and
 * the fields a field selector can name. Built-in kinds and CRD kinds both become one of these.
 */
import type { FieldTable } from "../api/selectors/fields.ts";
import type { StatusCause } from "../api/status.ts";
import type { SchemaNode } from "./schema/schema-node.ts";
import type { NameCheck } from "./validation/names.ts";
import type { KubeObject } from "../storage/object.ts";

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

export const ALL_VERBS: readonly Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** The scale subresource: where replicas live in the object (CRD style JSON paths, `.spec.replicas`). */
export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** A subresource as discovery lists it: its name and the kind it takes or returns. */
export interface SubresourceInfo {
  name: string;
  kind: string;
  /** When the kind is of another group version (pods/eviction: policy/v1 Eviction). */
  group?: string;
  version?: string;
  verbs: readonly Verb[];
}

export interface TableColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: string;
  description?: string;
  /** 0: always shown; 1: only with `-o wide`. */
  priority: number;
}

export interface TableDefinition {
  columns: TableColumn[];
  /** One cell per column, in order. */
  cells(object: KubeObject): unknown[];
}

/** How `metadata.generation` moves: on spec changes (most kinds), on anything but metadata and status (CRDs), or never. */
export type GenerationPolicy = "spec" | "all-but-metadata-and-status" | "none";

export interface Strategy {
  /** Fills defaults (the scheme's defaulting), on create and on update. */
  defaults?(object: KubeObject): void;
  /** Kind-specific preparation of a new object (after generic metadata is set). */
  prepareForCreate?(object: KubeObject): void;
  /** Kind-specific preparation of an update (after generic metadata is carried over). */
  prepareForUpdate?(object: KubeObject, old: KubeObject): void;
  validate?(object: KubeObject): StatusCause[];
  validateUpdate?(object: KubeObject, old: KubeObject): StatusCause[];
  /**
   * Kinds with a status subresource drop a new object's status unless this is set: Nodes keep
   * theirs (the kubelet registers a node with its addresses, capacity and info in one create).
   */
  keepStatusOnCreate?: boolean;
  /** Whether a PUT without metadata.resourceVersion is allowed (true for most kinds). */
  allowUnconditionalUpdate?: boolean;
  generation: GenerationPolicy;
  /**
   * Kinds that delete gracefully (pods): the grace period for a delete that asked for
   * `requested` seconds (undefined when the client gave none); 0 or undefined deletes at once.
   */
  gracePeriod?(object: KubeObject, requested: number | undefined): number | undefined;
  /**
   * Changes a copy of an object whose deletion starts now (Namespace: phase Terminating; CRD:
   * its cleanup finalizer and Terminating condition). Finalizers it adds hold the object.
   */
  prepareForDelete?(object: KubeObject): void;
  /** Whether something besides metadata.finalizers holds a deleted object (Namespace: spec.finalizers). */
  deletionHeld?(object: KubeObject): boolean;
}

export interface ResourceDefinition {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** The plural, lower-case resource name used in URLs. */
  resource: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  verbs: readonly Verb[];
  /** How names of this kind are checked (default: DNS-1123 subdomain). */
  nameCheck?: NameCheck;
  /** The schema of a custom kind (from its CRD); built-in kinds use `modelName`. */
  schema?: SchemaNode;
  /** A custom kind's openAPIV3Schema as its CRD gives it (for OpenAPI and validation). */
  openAPIV3Schema?: Record<string, unknown>;
  /** The @kubernetes/client-node model of the kind (built-ins), for schemas and OpenAPI. */
  modelName?: string;
  /** Has a `status` subresource: the main resource ignores `.status`, the subresource only writes it. */
  statusSubresource?: boolean;
  scale?: ScaleSubresource;
  /** Subresources served by handlers of their own (pods: log, exec, binding, ...). */
  otherSubresources?: readonly SubresourceInfo[];
  strategy: Strategy;
  table?: TableDefinition;
  /**
   * Fields a field selector may name. Built-in kinds take upstream's table by group and
   * resource (server/api/selectors/field-tables.ts); CRDs give theirs from selectableFields.
   */
  fieldTable?: FieldTable;
  /**
   * Where the objects are stored, when another resource shares the storage (events.k8s.io
   * Events are core Events). Defaults to the resource's own group and name.
   */
  storage?: { group: string; resource: string };
}

export function groupVersion(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
