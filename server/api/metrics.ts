/**
 * Request durations, as kube-apiserver's `apiserver_request_duration_seconds` histogram
 * (apiserver pkg/endpoints/metrics): labelled by verb (LIST, WATCH, APPLY, else the HTTP method
 * as upstream's cleanVerb gives it), group, version, resource, subresource, scope and component,
 * with upstream's buckets; served in the Prometheus text format at GET /metrics (to those RBAC
 * allows the non-resource URL, system:masters by default). Only HTTP requests are counted: the
 * in-process client's writes take no HTTP hop.
 */
import type { RequestInfo } from "./request-info.ts";

/** Upstream's buckets (seconds). */
export const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60] as const;

interface Series {
  labels: string;
  /** Per bucket (not cumulative), then +Inf last. */
  counts: Float64Array;
  sum: number;
}

/** Upstream's verb label: LIST and WATCH for collection GETs, APPLY for apply patches, else the method. */
export function metricVerb(method: string, info: RequestInfo, contentType: string | null): string {
  if (info.verb === "list") return "LIST";
  if (info.verb === "watch") return "WATCH";
  if (method === "PATCH" && contentType?.startsWith("application/apply-patch")) return "APPLY";
  if (method === "HEAD") return "GET";
  return method.toUpperCase();
}

function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export class RequestMetrics {
  readonly #series = new Map<string, Series>();

  /** Records one request of `seconds`. */
  observe(method: string, info: RequestInfo, contentType: string | null, seconds: number): void {
    const verb = metricVerb(method, info, contentType);
    const r = info.isResourceRequest ? info : undefined;
    // Upstream's CleanScope: namespace, resource (a named cluster-scoped object), cluster.
    const scope = !r ? "" : r.namespace ? "namespace" : r.name ? "resource" : "cluster";
    const labels = r
      ? `component="apiserver",group="${escape(r.apiGroup)}",resource="${escape(r.resource)}",scope="${scope}",subresource="${escape(r.subresource)}",verb="${verb}",version="${escape(r.apiVersion)}"`
      : `component="apiserver",group="",resource="",scope="",subresource="",verb="${verb}",version=""`;
    let s = this.#series.get(labels);
    if (!s) {
      s = { labels, counts: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0 };
      this.#series.set(labels, s);
    }
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++;
    s.counts[i]++;
    s.sum += seconds;
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  render(): string {
    const out = [
      "# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb, group, version, resource, subresource, scope and component.",
      "# TYPE apiserver_request_duration_seconds histogram",
    ];
    for (const s of [...this.#series.values()].sort((a, b) => (a.labels < b.labels ? -1 : 1))) {
      let cumulative = 0;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        cumulative += s.counts[i];
        out.push(`apiserver_request_duration_seconds_bucket{${s.labels},le="${DURATION_BUCKETS[i]}"} ${cumulative}`);
      }
      cumulative += s.counts[DURATION_BUCKETS.length];
      out.push(`apiserver_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${cumulative}`);
      out.push(`apiserver_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
      out.push(`apiserver_request_duration_seconds_count{${s.labels}} ${cumulative}`);
    }
    return out.join("\n") + "\n";
  }

  response(): Response {
    return new Response(this.render(), { status: 200, headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" } });
  }
}
