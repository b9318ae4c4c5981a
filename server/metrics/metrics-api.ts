/**
 * The resource metrics API (metrics.k8s.io/v1beta1), served by the API server itself from the
 * nodes' /stats/summary (streams/mod.ts NodeStreams.stats), as k3s's bundled metrics-server
 * serves it: NodeMetrics and PodMetrics, get and list (label selectors on the nodes' and pods'
 * labels), CPU in nanocores and memory (working set) in Ki. Summaries are kept for a short while
 * (metrics-server scrapes every 15 s), so that `kubectl top` twice in a row costs one scrape.
 */
import type { NodeStreamsResolver } from "../api/handlers/pod-stream-target.ts";
import type { ApiServices, ResourceCall } from "../api/handlers/context.ts";
import { ApiError, notFound } from "../api/status.ts";
import type { Summary } from "../../streams/mod.ts";
import type { KubeObject } from "../storage/object.ts";

const GV = "metrics.k8s.io/v1beta1";
const PREFIX = `/apis/${GV}/`;
const CACHE_MS = 5_000;
const WINDOW = "10s";

const cpu = (nanocores: number | undefined) => `${Math.max(0, Math.round(nanocores ?? 0))}n`;
const memory = (bytes: number | undefined) => `${Math.max(0, Math.floor((bytes ?? 0) / 1024))}Ki`;

export interface MetricsApiOptions {
  services: ApiServices;
  resolve: NodeStreamsResolver;
  /** How long a node's summary is reused (default 10 s). */
  cacheMs?: number;
}

export function metricsRoutes(options: MetricsApiOptions): Record<string, (request: Request) => Promise<Response>> {
  const { services } = options;
  const cache = new Map<string, { at: number; summary: Promise<Summary | undefined> }>();
  const cacheMs = options.cacheMs ?? CACHE_MS;
  const def = (resource: string) => services.catalog.get("", "v1", resource)!;

  const summaryOf = (nodeName: string, call: ResourceCall): Promise<Summary | undefined> => {
    const hit = cache.get(nodeName);
    if (hit && Date.now() - hit.at < cacheMs) return hit.summary;
    const summary = options.resolve(nodeName, call).then((s) => s.stats()).catch((err) => {
      services.log.debug("no stats from node", { node: nodeName, error: String((err as Error)?.message ?? err) });
      cache.delete(nodeName);
      return undefined;
    });
    cache.set(nodeName, { at: Date.now(), summary });
    return summary;
  };

  const callFor = (request: Request, url: URL, resource: string): ResourceCall => {
    const d = def(resource);
    return {
      request,
      url,
      query: url.searchParams,
      info: { isResourceRequest: true } as ResourceCall["info"],
      def: d,
      store: services.storeFor(d),
      format: { encoding: "json" } as ResourceCall["format"],
      services,
    };
  };

  const listObjects = async (call: ResourceCall, namespace: string | undefined, labelSelector: string | null): Promise<KubeObject[]> => {
    const predicate = services.predicate(call.def, labelSelector, null);
    const list = await call.store.list(namespace, {});
    return (list.items as KubeObject[]).filter((o) => !predicate || predicate(o));
  };

  const nodeMetrics = (node: KubeObject, summary: Summary) => ({
    metadata: { name: node.metadata.name, creationTimestamp: node.metadata.creationTimestamp, labels: node.metadata.labels },
    timestamp: summary.node.cpu?.time ?? new Date().toISOString(),
    window: WINDOW,
    usage: { cpu: cpu(summary.node.cpu?.usageNanoCores), memory: memory(summary.node.memory?.workingSetBytes) },
  });

  const podMetrics = (pod: KubeObject, summary: Summary) => {
    const stats = summary.pods.find((p) => p.podRef.namespace === pod.metadata.namespace && p.podRef.name === pod.metadata.name && (!pod.metadata.uid || p.podRef.uid === pod.metadata.uid));
    if (!stats) return undefined;
    return {
      metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: pod.metadata.creationTimestamp, labels: pod.metadata.labels },
      timestamp: stats.cpu?.time ?? new Date().toISOString(),
      window: WINDOW,
      containers: stats.containers.map((c) => ({ name: c.name, usage: { cpu: cpu(c.cpu?.usageNanoCores), memory: memory(c.memory?.workingSetBytes) } })),
    };
  };

  const json = (value: unknown) => new Response(JSON.stringify(value), { status: 200, headers: { "Content-Type": "application/json" } });
  const list = (kind: string, items: unknown[]) => json({ kind: `${kind}List`, apiVersion: GV, metadata: {}, items: items.map((i) => ({ kind, apiVersion: GV, ...(i as object) })) });

  const handle = async (request: Request): Promise<Response> => {
    if (request.method !== "GET") throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    const url = new URL(request.url);
    const parts = url.pathname.slice(PREFIX.length).split("/").filter(Boolean).map(decodeURIComponent);
    const labelSelector = url.searchParams.get("labelSelector");
    if (parts[0] === "nodes" && parts.length <= 2) {
      const call = callFor(request, url, "nodes");
      if (parts[1]) {
        const node = await call.store.get(undefined, parts[1]).catch(() => undefined);
        const summary = node && (await summaryOf(parts[1], call));
        if (!node || !summary) throw notFound({ group: "metrics.k8s.io", resource: "nodes" }, parts[1]);
        return json({ kind: "NodeMetrics", apiVersion: GV, ...nodeMetrics(node, summary) });
      }
      const nodes = await listObjects(call, undefined, labelSelector);
      const items = await Promise.all(nodes.map(async (n) => {
        const summary = await summaryOf(n.metadata.name!, call);
        return summary && nodeMetrics(n, summary);
      }));
      return list("NodeMetrics", items.filter(Boolean));
    }
    let namespace: string | undefined;
    let rest = parts;
    if (parts[0] === "namespaces" && parts.length >= 3) {
      namespace = parts[1];
      rest = parts.slice(2);
    }
    if (rest[0] === "pods" && rest.length <= 2) {
      const call = callFor(request, url, "pods");
      const pods = rest[1]
        ? [await call.store.get(namespace, rest[1]).catch(() => undefined)].filter((p): p is KubeObject => !!p)
        : await listObjects(call, namespace, labelSelector);
      const items = await Promise.all(pods.map(async (p) => {
        const nodeName = (p.spec as { nodeName?: string } | undefined)?.nodeName;
        if (!nodeName || (p.status as { phase?: string } | undefined)?.phase !== "Running") return undefined;
        const summary = await summaryOf(nodeName, call);
        return summary && podMetrics(p, summary);
      }));
      const found = items.filter(Boolean);
      if (rest[1]) {
        if (!found[0]) throw notFound({ group: "metrics.k8s.io", resource: "pods" }, rest[1]);
        return json({ kind: "PodMetrics", apiVersion: GV, ...found[0] });
      }
      return list("PodMetrics", found);
    }
    throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  };
  return { [PREFIX]: handle };
}
