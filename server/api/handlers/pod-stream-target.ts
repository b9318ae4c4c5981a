/**
 * What pods/log, pods/exec and pods/attach share: the pod, the container the request names
 * (upstream's validateContainer and its messages), and the node's streams (streams/mod.ts) —
 * in-process, or the kubelet over the network.
 */
import type { NodeEndpoint, NodeStreams, NodeStreamsDirectory } from "../../../streams/mod.ts";
import { NodeStreamsError } from "../../../streams/mod.ts";
import type { KubeObject } from "../../storage/object.ts";
import { ApiError, badRequest } from "../status.ts";
import type { ResourceCall } from "./context.ts";

interface ContainerSpec {
  name: string;
}
interface ContainerStatusView {
  name: string;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: unknown };
  lastState?: { terminated?: unknown };
}
export interface PodView extends KubeObject {
  spec?: { nodeName?: string; containers?: ContainerSpec[]; initContainers?: ContainerSpec[]; ephemeralContainers?: ContainerSpec[] };
  status?: { phase?: string; containerStatuses?: ContainerStatusView[]; initContainerStatuses?: ContainerStatusView[]; ephemeralContainerStatuses?: ContainerStatusView[] };
}

export interface StreamTarget {
  pod: PodView;
  container: string;
  nodeName: string | undefined;
  status: ContainerStatusView | undefined;
}

export type NodeStreamsResolver = (nodeName: string, call: ResourceCall) => Promise<NodeStreams>;

/** Resolves a node's streams through the directory, reading the Node for its kubelet endpoint. */
export function directoryResolver(directory: NodeStreamsDirectory): NodeStreamsResolver {
  return async (nodeName, call) => {
    const local = directory.local(nodeName);
    if (local) return local;
    const def = call.services.catalog.get("", "v1", "nodes");
    let node: KubeObject | undefined;
    try {
      node = def ? await call.services.storeFor(def).get(undefined, nodeName) : undefined;
    } catch {
      node = undefined;
    }
    const status = (node?.status ?? {}) as { addresses?: NodeEndpoint["addresses"]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
    const endpoint: NodeEndpoint = { name: nodeName, addresses: status.addresses ?? [], port: status.daemonEndpoints?.kubeletEndpoint?.Port };
    const streams = directory.resolve(endpoint);
    if (!streams) throw new ApiError(502, "InternalError", `no way to reach the kubelet of node "${nodeName}"`);
    return streams;
  };
}

/** The pod and the container a request names (`?container=`, or the pod's only container). */
export async function streamTarget(call: ResourceCall): Promise<StreamTarget> {
  const pod = (await call.store.get(call.info.namespace || undefined, call.info.name, { signal: call.request.signal })) as PodView;
  const name = pod.metadata.name!;
  const containers = pod.spec?.containers ?? [];
  const all = [...containers, ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
  let container = call.query.get("container") ?? "";
  if (!container) {
    if (containers.length === 1 && all.length === 1) container = containers[0].name;
    else if (all.length > 0) {
      const names = all.map((c) => c.name).join(" ");
      throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names}]`);
    } else throw badRequest(`pod ${name} does not have any containers`);
  }
  if (!all.some((c) => c.name === container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
  return { pod, container, nodeName: pod.spec?.nodeName || undefined, status: statuses.find((s) => s.name === container) };
}

/** A node's refusal as the Status the client sees. */
export function asApiError(err: unknown): unknown {
  if (err instanceof NodeStreamsError) {
    if (err.code === 400) return badRequest(err.message);
    if (err.code === 404) return new ApiError(404, "NotFound", err.message);
    if (err.code === 403) return new ApiError(403, "Forbidden", err.message);
    return new ApiError(err.code >= 500 ? err.code : 500, "InternalError", err.message);
  }
  if (err instanceof ApiError) return err;
  const message = String((err as Error)?.message ?? err);
  return new ApiError(500, "InternalError", message);
}
