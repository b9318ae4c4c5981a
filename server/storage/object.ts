/**
 * The shape every stored Kubernetes object has, and the one change the storage layer makes to
 * objects on their way out: `metadata.resourceVersion` is not stored (the datastore's revision
 * is the truth) but set from the entry's modRevision when an object is read, as etcd3's store does.
 */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/**
 * A shallow copy of `object` with `metadata.resourceVersion` set. Stored objects are shared and
 * immutable; the copy shares everything but the top level and metadata.
 */
export function withResourceVersion(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

/** The object as stored: without resourceVersion, which the revision carries. */
export function forStorage(object: KubeObject): KubeObject {
  if (object.metadata?.resourceVersion === undefined) return object;
  const { resourceVersion: _, ...metadata } = object.metadata;
  return { ...object, metadata };
}
