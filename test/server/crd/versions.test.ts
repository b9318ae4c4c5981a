/**
 * A CRD with several served versions and conversion None: objects are stored as written, a
 * read through another version only rewrites apiVersion, discovery prefers the highest
 * version, and kubectl explain reads the version's schema from OpenAPI v3.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

const ok = (...args: string[]): Promise<string> => t.kubectlOk(...args);

const schema = (extra: string) => `
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the gizmo should be.
            properties:
              size: {type: integer, description: How big.}
${extra}`;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.example.net}
spec:
  group: example.net
  scope: Cluster
  names: {plural: gizmos, kind: Gizmo}
  versions:
  - name: v1beta1
    served: true
    storage: false${schema("")}
  - name: v1
    served: true
    storage: true${schema("              shape: {type: string}")}
`;

describe("served versions", () => {
  it("serves every version over one storage", async () => {
    const file = join(t.dir, "crd.yaml");
    await writeFile(file, CRD);
    await ok("apply", "-f", file);
    await ok("wait", "--for=condition=Established", "crd/gizmos.example.net", "--timeout=30s");
    expect(await ok("api-versions")).toMatch(/^example\.net\/v1$/m);
    const group = await t.request("GET", "/apis/example.net");
    expect(JSON.parse(group.body.toString()).preferredVersion.version).toBe("v1");

    const old = join(t.dir, "old.yaml");
    await writeFile(old, "apiVersion: example.net/v1beta1\nkind: Gizmo\nmetadata: {name: g1}\nspec: {size: 2}\n");
    await ok("create", "-f", old);
    const viaV1 = await t.request("GET", "/apis/example.net/v1/gizmos/g1");
    expect(JSON.parse(viaV1.body.toString())).toMatchObject({ apiVersion: "example.net/v1", kind: "Gizmo", spec: { size: 2 } });
    const list = await t.request("GET", "/apis/example.net/v1beta1/gizmos");
    expect(JSON.parse(list.body.toString()).items[0].apiVersion).toBe("example.net/v1beta1");
    expect(await ok("get", "gizmos.v1.example.net", "g1", "-o", "jsonpath={.apiVersion}")).toBe("example.net/v1");
  });

  it("explains custom kinds from their schema", async () => {
    const explained = await ok("explain", "gizmo.spec");
    expect(explained).toContain("What the gizmo should be.");
    expect(explained).toContain("size");
  });

  it("reports a name conflict as NamesAccepted False and does not serve the kind", async () => {
    const file = join(t.dir, "dup.yaml");
    await writeFile(file, CRD.replace("name: gizmos.example.net", "name: widgets.example.net").replace("plural: gizmos", "plural: widgets"));
    await ok("apply", "-f", file);
    const conditions = await (async () => {
      for (let i = 0; i < 50; i++) {
        const c = JSON.parse(await ok("get", "crd", "widgets.example.net", "-o", "json")).status?.conditions ?? [];
        if (c.length) return c;
        await new Promise((r) => setTimeout(r, 100));
      }
      return [];
    })();
    expect(conditions).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: "NamesAccepted", status: "False", reason: "ListKindConflict", message: '"GizmoList" is already in use' }),
      expect.objectContaining({ type: "Established", status: "False", reason: "NotAccepted" }),
    ]));
    expect(t.server.catalog.get("example.net", "v1", "widgets")).toBeUndefined();
  });
});
