/**
 * The parts of upstream's NodeRestriction admission plugin that the node authorizer cannot
 * decide from the URL alone: a node registers (POST /api/v1/nodes) and creates its Lease with
 * the name in the body, so here a node user may write only the Node and the kube-node-lease
 * Lease named after itself, and only pods bound to itself. Other users pass untouched.
 */
import type { KubeObject } from "../storage/object.ts";
import { forbidden } from "../api/status.ts";
import type { ResourceDefinition } from "../registry/types.ts";
import { nodeNameOf, type UserInfo } from "../auth/user.ts";

export type Operation = "CREATE" | "UPDATE" | "DELETE";

export function nodeRestriction(userOf: (signal: AbortSignal | undefined) => UserInfo | undefined) {
  return async (op: Operation, def: ResourceDefinition, object: KubeObject, old: KubeObject | undefined, scope: { signal?: AbortSignal }): Promise<void> => {
    const user = userOf(scope.signal);
    const node = user && nodeNameOf(user);
    if (node === undefined) return;
    const refuse = (what: string) => {
      throw forbidden(`node "${node}" is not allowed to ${what}`);
    };
    if (def.group === "" && def.resource === "nodes") {
      if (object.metadata.name !== node) refuse(`modify node "${object.metadata.name}"`);
    } else if (def.group === "coordination.k8s.io" && def.resource === "leases" && object.metadata.namespace === "kube-node-lease") {
      if (object.metadata.name !== node) refuse(`modify the lease of node "${object.metadata.name}"`);
    } else if (def.group === "" && def.resource === "pods") {
      if (op === "CREATE") refuse("create pods");
      const bound = (old ?? object).spec as { nodeName?: string } | undefined;
      if (bound?.nodeName !== node) refuse(`modify pod ${object.metadata.namespace}/${object.metadata.name}, which is not bound to it`);
    }
  };
}
