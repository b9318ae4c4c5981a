/** /metrics: apiserver_request_duration_seconds by verb, as kube-apiserver exposes it; admin only. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricVerb, RequestMetrics } from "../../../server/api/metrics.ts";
import { requestInfo } from "../../../server/api/request-info.ts";
import { startTestServer, type TestServer } from "../harness.ts";

const info = (method: string, path: string) => {
  const url = new URL(path, "https://x");
  return requestInfo(method, url.pathname, url.searchParams);
};

describe("RequestMetrics", () => {
  it("labels verbs as upstream's cleanVerb", () => {
    expect(metricVerb("GET", info("GET", "/api/v1/namespaces/a/pods"), null)).toBe("LIST");
    expect(metricVerb("GET", info("GET", "/api/v1/pods?watch=1"), null)).toBe("WATCH");
    expect(metricVerb("GET", info("GET", "/api/v1/namespaces/a/pods/p"), null)).toBe("GET");
    expect(metricVerb("PATCH", info("PATCH", "/api/v1/namespaces/a/pods/p"), "application/apply-patch+yaml")).toBe("APPLY");
    expect(metricVerb("PATCH", info("PATCH", "/api/v1/namespaces/a/pods/p"), "application/merge-patch+json")).toBe("PATCH");
    expect(metricVerb("POST", info("POST", "/api/v1/namespaces/a/pods"), "application/json")).toBe("POST");
  });

  it("renders cumulative buckets, sum and count in the Prometheus text format", () => {
    const m = new RequestMetrics();
    m.observe("POST", info("POST", "/apis/apps/v1/namespaces/a/deployments"), null, 0.003);
    m.observe("POST", info("POST", "/apis/apps/v1/namespaces/a/deployments"), null, 0.3);
    m.observe("POST", info("POST", "/apis/apps/v1/namespaces/a/deployments"), null, 100);
    m.observe("PUT", info("PUT", "/api/v1/nodes/n1"), null, 0.01);
    const text = m.render();
    const labels = 'component="apiserver",group="apps",resource="deployments",scope="namespace",subresource="",verb="POST",version="v1"';
    expect(text).toContain("# TYPE apiserver_request_duration_seconds histogram");
    expect(text).toContain(`apiserver_request_duration_seconds_bucket{${labels},le="0.005"} 1\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_bucket{${labels},le="0.2"} 1\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_bucket{${labels},le="0.4"} 2\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_bucket{${labels},le="60"} 2\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_bucket{${labels},le="+Inf"} 3\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_count{${labels}} 3\n`);
    expect(text).toMatch(/apiserver_request_duration_seconds_sum\{[^}]*verb="POST"[^}]*\} 100\.303/);
    expect(text).toContain('resource="nodes",scope="resource",subresource="",verb="PUT"');
  });
});

describe("GET /metrics", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("serves request durations of the requests made, to the admin", async () => {
    const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "m1" } });
    expect((await t.request("POST", "/api/v1/namespaces/default/configmaps", { body, headers: { "content-type": "application/json" } })).status).toBe(201);
    const r = await t.request("GET", "/metrics");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toContain("text/plain");
    const text = r.body.toString();
    expect(text).toMatch(/apiserver_request_duration_seconds_count\{component="apiserver",group="",resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1"\} 1\n/);
  });

  it("refuses anonymous and unprivileged callers", async () => {
    const anonymous = await t.request("GET", "/metrics", { headers: { authorization: "" } });
    expect([401, 403]).toContain(anonymous.status);
    await t.kubectl("create", "serviceaccount", "nobody");
    const token = (await t.kubectl("create", "token", "nobody")).stdout.trim();
    const r = await t.request("GET", "/metrics", { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(403);
  });
});
