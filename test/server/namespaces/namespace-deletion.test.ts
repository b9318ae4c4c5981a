/**
 * Namespace deletion as kubectl sees it (the last block of acceptance/10-api.sh): the namespace
 * turns Terminating, refuses new content, its content — ConfigMaps, custom resources — is
 * deleted, finalizers on that content are waited for (with upstream's conditions saying so),
 * and then the namespace is finalized and gone. Also the finalize subresource itself.
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

async function eventually<T>(what: () => Promise<T>, check: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (check(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.org}
spec:
  group: example.org
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
`;

describe("namespace deletion", () => {
  it("empties a namespace of ConfigMaps and custom resources, then removes it", async () => {
    await ok("create", "namespace", "doomed");
    expect(await ok("get", "ns", "doomed", "-o", "jsonpath={.status.phase} {.spec.finalizers}")).toBe('Active ["kubernetes"]');
    const crd = join(t.dir, "crd.yaml");
    await writeFile(crd, CRD);
    await ok("apply", "-f", crd);
    await ok("wait", "--for=condition=Established", "crd/gadgets.example.org", "--timeout=30s");
    await ok("create", "configmap", "a", "-n", "doomed", "--from-literal=k=v");
    await ok("create", "configmap", "b", "-n", "doomed", "--from-literal=k=v");
    const g = join(t.dir, "g.yaml");
    await writeFile(g, "apiVersion: example.org/v1\nkind: Gadget\nmetadata: {name: g1, namespace: doomed}\nspec: {anything: 1}\n");
    await ok("create", "-f", g);

    expect(await ok("delete", "namespace", "doomed", "--timeout=60s")).toBe('namespace "doomed" deleted');
    const gone = await t.kubectl("get", "ns", "doomed");
    expect(gone.stderr).toContain('namespaces "doomed" not found');
    expect(t.server.cache.list("/registry/core/configmaps/doomed/")).toHaveLength(0);
    expect(t.server.cache.list("/registry/example.org/gadgets/doomed/")).toHaveLength(0);
  });

  it("waits for finalizers of the content, says so in its conditions, and refuses new content", async () => {
    await ok("create", "namespace", "held");
    await ok("create", "configmap", "pinned", "-n", "held", "--from-literal=k=v");
    await ok("patch", "cm", "pinned", "-n", "held", "--type", "merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}');
    await ok("delete", "namespace", "held", "--wait=false");
    expect(await ok("get", "ns", "held", "-o", "jsonpath={.status.phase}")).toBe("Terminating");
    const refused = await t.kubectl("create", "configmap", "late", "-n", "held", "--from-literal=k=v");
    expect(refused.stderr).toContain("unable to create new content in namespace held because it is being terminated");

    const conditions = await eventually(
      async () => JSON.parse(await ok("get", "ns", "held", "-o", "json")).status.conditions ?? [],
      (c: { type: string }[]) => c.some((x) => x.type === "NamespaceFinalizersRemaining"),
    );
    const byType = Object.fromEntries(conditions.map((c: { type: string }) => [c.type, c]));
    expect(byType.NamespaceContentRemaining).toMatchObject({ status: "True", reason: "SomeResourcesRemain", message: "Some resources are remaining: configmaps. has 1 resource instances" });
    expect(byType.NamespaceFinalizersRemaining).toMatchObject({ status: "True", reason: "SomeFinalizersRemain", message: "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances" });
    expect(byType.NamespaceDeletionContentFailure).toMatchObject({ status: "False", reason: "ContentDeleted" });

    await ok("patch", "cm", "pinned", "-n", "held", "--type", "merge", "-p", '{"metadata":{"finalizers":null}}');
    const gone = await eventually(() => t.kubectl("get", "ns", "held"), (r) => r.code !== 0);
    expect(gone.stderr).toContain("NotFound");
  });

  it("serves the finalize subresource", async () => {
    await ok("create", "namespace", "fin");
    const ns = JSON.parse(await ok("get", "ns", "fin", "-o", "json"));
    ns.spec.finalizers = ["example.com/extra", "kubernetes"];
    const put = await t.request("PUT", "/api/v1/namespaces/fin/finalize", { body: JSON.stringify(ns), headers: { "content-type": "application/json" } });
    expect(put.status).toBe(200);
    expect(JSON.parse(put.body.toString()).spec.finalizers).toEqual(["example.com/extra", "kubernetes"]);
    // A plain update cannot change spec.finalizers.
    ns.spec.finalizers = [];
    delete ns.metadata.resourceVersion;
    const update = await t.request("PUT", "/api/v1/namespaces/fin", { body: JSON.stringify(ns), headers: { "content-type": "application/json" } });
    expect(JSON.parse(update.body.toString()).spec.finalizers).toEqual(["example.com/extra", "kubernetes"]);
    // Deleting waits for both; the controller removes only its own.
    await ok("delete", "namespace", "fin", "--wait=false");
    const left = await eventually(
      async () => JSON.parse(await ok("get", "ns", "fin", "-o", "json")).spec.finalizers,
      (f: string[]) => f.length === 1,
    );
    expect(left).toEqual(["example.com/extra"]);
    const current = JSON.parse(await ok("get", "ns", "fin", "-o", "json"));
    current.spec.finalizers = [];
    const last = await t.request("PUT", "/api/v1/namespaces/fin/finalize", { body: JSON.stringify(current), headers: { "content-type": "application/json" } });
    expect(last.status).toBe(200);
    const gone = await eventually(() => t.kubectl("get", "ns", "fin"), (r) => r.code !== 0);
    expect(gone.stderr).toContain("NotFound");
  });
});
