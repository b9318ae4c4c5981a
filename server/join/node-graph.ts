/**
 * The node authorizer's graph (auth/node-authorizer.ts) from the watch cache: the pods bound to
 * a node and the claims they use. A scan of the cached pods per node request; nodes ask for
 * secrets and configmaps when a pod starts, not per heartbeat, so no index is kept yet.
 */
import type { NodeGraph, PodLike } from "../auth/node-authorizer.ts";
import { objectKey, resourcePrefix } from "../storage/keys.ts";
import type { WatchCache } from "../storage/watch-cache.ts";

const PODS = { group: "", resource: "pods", namespaced: true };
const CLAIMS = { group: "", resource: "persistentvolumeclaims", namespaced: true };

export function cacheNodeGraph(cache: WatchCache): NodeGraph {
  const podsPrefix = resourcePrefix(PODS);
  return {
    podsOnNode(nodeName) {
      const out: PodLike[] = [];
      for (const entry of cache.list(podsPrefix)) {
        const pod = entry.object as unknown as PodLike;
        if (pod.spec?.nodeName === nodeName) out.push(pod);
      }
      return out;
    },
    getPersistentVolumeClaim(namespace, name) {
      return cache.get(objectKey(CLAIMS, namespace, name))?.object as { spec?: { volumeName?: string } } | undefined;
    },
  };
}
