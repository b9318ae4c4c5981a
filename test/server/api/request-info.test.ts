import { describe, expect, it } from "vitest";
import { requestInfo } from "../../../server/api/request-info.ts";

const q = (s = "") => new URLSearchParams(s);

describe("requestInfo", () => {
  it("reads a namespaced get", () => {
    expect(requestInfo("GET", "/api/v1/namespaces/default/pods/web", q())).toMatchObject({
      isResourceRequest: true, verb: "get", apiGroup: "", apiVersion: "v1", namespace: "default", resource: "pods", name: "web", subresource: "",
    });
  });
  it("reads lists, watches and the legacy watch prefix", () => {
    expect(requestInfo("GET", "/apis/apps/v1/namespaces/ns/deployments", q())).toMatchObject({ verb: "list", apiGroup: "apps", resource: "deployments", namespace: "ns" });
    expect(requestInfo("GET", "/apis/apps/v1/deployments", q("watch=true"))).toMatchObject({ verb: "watch", namespace: "" });
    expect(requestInfo("GET", "/api/v1/watch/namespaces/ns/pods", q())).toMatchObject({ verb: "watch", resource: "pods", namespace: "ns" });
  });
  it("reads subresources", () => {
    expect(requestInfo("PATCH", "/apis/apps/v1/namespaces/ns/deployments/web/scale", q())).toMatchObject({ verb: "patch", subresource: "scale", name: "web" });
    expect(requestInfo("GET", "/api/v1/namespaces/ns/pods/p/log", q())).toMatchObject({ verb: "get", subresource: "log" });
  });
  it("treats a namespace as an object, not a scope", () => {
    expect(requestInfo("GET", "/api/v1/namespaces/kube-system", q())).toMatchObject({ verb: "get", resource: "namespaces", name: "kube-system", namespace: "" });
    expect(requestInfo("PUT", "/api/v1/namespaces/x/finalize", q())).toMatchObject({ verb: "update", resource: "namespaces", name: "x", subresource: "finalize" });
    expect(requestInfo("GET", "/api/v1/namespaces", q())).toMatchObject({ verb: "list", resource: "namespaces" });
  });
  it("maps methods to verbs", () => {
    expect(requestInfo("POST", "/api/v1/namespaces/ns/configmaps", q())).toMatchObject({ verb: "create" });
    expect(requestInfo("DELETE", "/api/v1/namespaces/ns/configmaps", q())).toMatchObject({ verb: "deletecollection" });
    expect(requestInfo("DELETE", "/api/v1/namespaces/ns/configmaps/a", q())).toMatchObject({ verb: "delete" });
  });
  it("leaves discovery and other paths as non-resource requests", () => {
    for (const p of ["/api", "/apis", "/api/v1", "/apis/apps/v1", "/version", "/healthz", "/openapi/v3"]) {
      expect(requestInfo("GET", p, q()).isResourceRequest).toBe(false);
    }
  });
});
