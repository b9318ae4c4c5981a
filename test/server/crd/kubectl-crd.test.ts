/**
 * Custom resources as kubectl 1.32 sees them (the CRD block of acceptance/10-api.sh): a CRD
 * becomes Established, its kind is served with short names, printer columns and schema
 * validation, the status subresource splits writes, merge patch and server-side apply work,
 * strategic merge is refused with 415, and deleting the CRD removes its objects and the kind.
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

async function eventually<T>(what: () => Promise<T>, check: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (check(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1, maximum: 10}
              color: {type: string, enum: [red, blue], default: red}
              tags:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    value: {type: string}
          status:
            type: object
            properties:
              ready: {type: boolean}
              conditions:
                type: array
                items:
                  type: object
                  properties:
                    type: {type: string}
                    status: {type: string}
`;

describe("custom resources through kubectl", () => {
  it("creates a CRD that becomes Established", async () => {
    const file = join(t.dir, "crd.yaml");
    await writeFile(file, CRD);
    expect(await ok("apply", "-f", file)).toBe("customresourcedefinition.apiextensions.k8s.io/widgets.example.com created");
    await ok("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s");
    const crd = JSON.parse(await ok("get", "crd", "widgets.example.com", "-o", "json"));
    expect(crd.status.acceptedNames).toMatchObject({ plural: "widgets", kind: "Widget", listKind: "WidgetList", shortNames: ["wd"] });
    expect(crd.status.storedVersions).toEqual(["v1"]);
    expect(crd.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual(["NamesAccepted=True", "Established=True"]);
    expect(await ok("get", "crds")).toMatch(/^NAME +CREATED AT\nwidgets\.example\.com +\d{4}-/);
    expect(await ok("api-resources", "--api-group=example.com", "--no-headers")).toMatch(/^widgets +wd +example\.com\/v1 +true +Widget/);
  });

  it("creates, prints, defaults and validates custom resources", async () => {
    const w = join(t.dir, "w.yaml");
    await writeFile(w, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {size: 3, unknown: x}\n");
    const strict = await t.kubectl("create", "-f", w);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.unknown"');
    const created = await t.kubectl("create", "--validate=warn", "-f", w);
    expect(created.stdout.trim()).toBe("widget.example.com/w1 created");
    expect(created.stderr).toContain('unknown field "spec.unknown"');
    expect(await ok("get", "wd", "-n", "default", "--no-headers")).toMatch(/^w1 +3\s*$/);
    expect(await ok("get", "widget", "w1", "-o", "jsonpath={.spec.color} {.spec.unknown} {.metadata.generation}")).toBe("red  1");
    const bad = join(t.dir, "wbad.yaml");
    await writeFile(bad, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2, namespace: default}\nspec: {size: 99, color: green}\n");
    const refused = await t.kubectl("create", "-f", bad);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("spec.size: Invalid value: 99: spec.size in body should be less than or equal to 10");
    expect(refused.stderr).toContain('spec.color: Unsupported value: "green": supported values: "red", "blue"');
  });

  it("splits status and main resource writes", async () => {
    await ok("patch", "widget", "w1", "-n", "default", "--subresource=status", "--type", "merge", "-p", '{"status":{"ready":true,"conditions":[{"type":"Ready","status":"True"}]}}');
    expect(await ok("get", "widget", "w1", "-o", "jsonpath={.status.ready}")).toBe("true");
    await ok("patch", "widget", "w1", "--type", "merge", "-p", '{"status":{"ready":false},"spec":{"size":4}}');
    expect(await ok("get", "widget", "w1", "-o", "jsonpath={.status.ready} {.spec.size} {.metadata.generation}")).toBe("true 4 2");
    expect(await ok("get", "wd", "w1", "--no-headers")).toMatch(/^w1 +4 +True$/);
  });

  it("refuses strategic merge with 415 and applies server-side with list-map keys", async () => {
    const smp = await t.kubectl("patch", "widget", "w1", "--type", "strategic", "-p", '{"spec":{"size":5}}');
    expect(smp.code).not.toBe(0);
    expect(smp.stderr).toMatch(/UnsupportedMediaType|415|not supported/i);
    const a = join(t.dir, "a.yaml");
    await writeFile(a, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {size: 4, tags: [{name: a, value: '1'}]}\n");
    await ok("apply", "--server-side", "--field-manager=one", "-f", a);
    const b = join(t.dir, "b.yaml");
    await writeFile(b, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {tags: [{name: b, value: '2'}]}\n");
    await ok("apply", "--server-side", "--field-manager=two", "-f", b);
    expect(await ok("get", "widget", "w1", "-o", "jsonpath={.spec.tags[*].name}")).toBe("a b");
  });

  it("deletes the custom resources with the CRD, then the kind", async () => {
    expect(await ok("delete", "crd", "widgets.example.com", "--timeout=30s")).toContain("deleted");
    const gone = await eventually(() => t.kubectl("get", "crd", "widgets.example.com"), (r) => r.code !== 0);
    expect(gone.stderr).toContain("NotFound");
    expect(t.server.cache.list("/registry/example.com/widgets/")).toHaveLength(0);
    expect(t.server.catalog.get("example.com", "v1", "widgets")).toBeUndefined();
  });
});
