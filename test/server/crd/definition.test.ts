/**
 * CRD-level rules: validation of the definition, printer columns over the JSONPath subset,
 * name conflicts (NamesAccepted), version priority, and the definition built per version.
 */
import { describe, expect, it } from "vitest";
import { configmaps } from "../../../server/registry/builtin/core-config.ts";
import { customResourceDefinitions as crdKind } from "../../../server/registry/crd/definition.ts";
import { customResourceDefinitions } from "../../../server/registry/crd/custom-resource.ts";
import { evaluate, parseJsonPath } from "../../../server/registry/crd/jsonpath.ts";
import { acceptNames } from "../../../server/registry/crd/names-accepted.ts";
import { printerColumnsTable } from "../../../server/registry/crd/printer-columns.ts";
import type { CustomResourceDefinition } from "../../../server/registry/crd/types.ts";
import { validateCrd } from "../../../server/registry/crd/validate-crd.ts";
import { sortVersions } from "../../../server/registry/crd/version-priority.ts";

function crd(overrides: Partial<CustomResourceDefinition["spec"]> = {}, name = "widgets.example.com"): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList", shortNames: ["wd"] },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }],
      ...overrides,
    },
  };
}

const messages = (c: CustomResourceDefinition) => validateCrd(c).map((x) => `${x.field}: ${x.message}`);

describe("CRD validation", () => {
  it("accepts a well-formed CRD", () => {
    expect(messages(crd())).toEqual([]);
  });

  it("requires the name to be <plural>.<group> and a dotted group", () => {
    expect(messages({ ...crd(), metadata: { name: "gadgets.example.com" } })).toEqual(['metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group']);
    expect(messages(crd({ group: "example" }, "widgets.example"))).toEqual(['spec.group: Invalid value: "example": should be a domain with at least one dot']);
  });

  it("checks scope, versions and schemas", () => {
    expect(messages(crd({ scope: "Global" as "Cluster" }))).toEqual(['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']);
    const two = crd({
      versions: [
        { name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } },
        { name: "v1", served: true, storage: true },
      ],
    });
    expect(messages(two)).toEqual([
      'spec.versions[1].name: Duplicate value: "v1"',
      "spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required",
      'spec.versions: Invalid value: ["v1","v1"]: must have exactly one version marked as storage version',
    ]);
    const bad = crd({ versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: {} } } } }] });
    expect(messages(bad)).toEqual(["spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"]);
  });

  it("checks names", () => {
    const c = crd({ names: { plural: "Widgets", singular: "widget", kind: "Widget", listKind: "Widget" } }, "Widgets.example.com");
    const m = messages(c);
    expect(m[0]).toMatch(/^spec\.names\.plural: Invalid value: "Widgets": a DNS-1035 label/);
    expect(m).toContain('spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same');
  });

  it("defaults names and conversion, records the stored version and adds the cleanup finalizer on delete", () => {
    const c = crd({ names: { plural: "widgets", kind: "Widget" } });
    crdKind.strategy.defaults!(c);
    crdKind.strategy.prepareForCreate!(c);
    expect(c.spec.names).toEqual({ plural: "widgets", kind: "Widget", singular: "widget", listKind: "WidgetList" });
    expect(c.spec.conversion).toEqual({ strategy: "None" });
    expect(c.status).toEqual({ storedVersions: ["v1"] });
    crdKind.strategy.prepareForDelete!(c);
    expect(c.metadata.finalizers).toEqual(["customresourcecleanup.apiextensions.k8s.io"]);
    expect(c.status!.conditions![0]).toMatchObject({ type: "Terminating", status: "True", reason: "InstanceDeletionPending" });
  });
});

describe("JSONPath columns", () => {
  const object = {
    metadata: { name: "w1", creationTimestamp: "2024-01-01T00:00:00Z", labels: { "app.kubernetes.io/name": "x" } },
    spec: { size: 3, ports: [{ name: "a", port: 1 }, { name: "b", port: 2 }] },
    status: { conditions: [{ type: "Synced", status: "False" }, { type: "Ready", status: "True" }] },
  };
  const at = (path: string) => evaluate(parseJsonPath(path), object);

  it("evaluates fields, indices, wildcards and filters", () => {
    expect(at(".spec.size")).toEqual([3]);
    expect(at("{.spec.size}")).toEqual([3]);
    expect(at(".spec.ports[1].name")).toEqual(["b"]);
    expect(at(".spec.ports[-1].port")).toEqual([2]);
    expect(at(".spec.ports[*].name")).toEqual(["a", "b"]);
    expect(at('.status.conditions[?(@.type=="Ready")].status')).toEqual(["True"]);
    expect(at(".status.conditions[?(@.type!='Ready')].type")).toEqual(["Synced"]);
    expect(at(".spec.ports[?(@.port>1)].name")).toEqual(["b"]);
    expect(at(".metadata.labels['app.kubernetes.io/name']")).toEqual(["x"]);
    expect(at(".spec.missing")).toEqual([]);
    expect(() => parseJsonPath("spec size")).toThrow();
  });

  it("builds the table: Name, the columns, first values", () => {
    const table = printerColumnsTable([
      { name: "Size", type: "integer", jsonPath: ".spec.size" },
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: "Ports", type: "string", jsonPath: ".spec.ports[*].port", priority: 1 },
      { name: "Missing", type: "string", jsonPath: ".spec.nope" },
    ]);
    expect(table.columns.map((c) => `${c.name}:${c.type}:${c.priority}`)).toEqual(["Name:string:0", "Size:integer:0", "Ready:string:0", "Ports:string:1", "Missing:string:0"]);
    expect(table.cells(object)).toEqual(["w1", 3, "True", "1", null]);
    const defaults = printerColumnsTable(undefined);
    expect(defaults.columns.map((c) => c.name)).toEqual(["Name", "Age"]);
    expect(defaults.cells(object)).toEqual(["w1", "2024-01-01T00:00:00Z"]);
  });
});

describe("names accepted", () => {
  const accepted = (c: CustomResourceDefinition): CustomResourceDefinition => ({ ...c, status: { acceptedNames: c.spec.names } });

  it("accepts names nobody uses", () => {
    const out = acceptNames(crd(), [], []);
    expect(out.namesAccepted).toEqual({ type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" });
    expect(out.accepted).toMatchObject({ plural: "widgets", kind: "Widget", shortNames: ["wd"] });
  });

  it("reports conflicts with other CRDs of the group", () => {
    const other = accepted(crd({ names: { plural: "gizmos", singular: "gizmo", kind: "Gizmo", listKind: "GizmoList", shortNames: ["wd"] } }, "gizmos.example.com"));
    const out = acceptNames(crd(), [other], []);
    expect(out.namesAccepted).toMatchObject({ status: "False", reason: "ShortNamesConflict", message: '"wd" is already in use' });
    expect(out.accepted.shortNames).toBeUndefined();
    const plural = accepted(crd({ names: { plural: "widgets", singular: "thing", kind: "Thing", listKind: "ThingList" } }, "widgets2.example.com"));
    expect(acceptNames(crd(), [plural], []).namesAccepted).toMatchObject({ reason: "PluralConflict", message: '"widgets" is already in use' });
    const kind = accepted(crd({ names: { plural: "others", singular: "other", kind: "Widget", listKind: "OtherList" } }, "others.example.com"));
    expect(acceptNames(crd(), [kind], []).namesAccepted).toMatchObject({ reason: "KindConflict", message: '"Widget" is already in use' });
    // Another group's names do not matter.
    const elsewhere = accepted(crd({ group: "example.org" }, "widgets.example.org"));
    expect(acceptNames(crd(), [elsewhere], []).namesAccepted.status).toBe("True");
  });

  it("reports conflicts with built-in resources of the group and keeps its own accepted names", () => {
    const core = crd({ group: "", names: { plural: "configmaps", singular: "configmap", kind: "Thing", listKind: "ThingList" } }, "configmaps.");
    // As upstream, the last conflict found names the condition.
    expect(acceptNames(core, [], [configmaps]).namesAccepted).toMatchObject({ reason: "SingularConflict", message: '"configmap" is already in use' });
    expect(acceptNames(core, [], [configmaps]).accepted.plural).toBe("");
    const mine = accepted(crd());
    expect(acceptNames(mine, [mine], []).namesAccepted.status).toBe("True");
  });
});

describe("served versions", () => {
  it("orders versions as kube-aware version priority does", () => {
    expect(sortVersions(["v1beta1", "v1", "foo1", "v2alpha1", "v11beta2", "v2", "foo10", "v10beta3"])).toEqual(["v2", "v1", "v11beta2", "v10beta3", "v1beta1", "v2alpha1", "foo1", "foo10"]);
  });

  it("builds a definition per served version that stamps its apiVersion, prunes, defaults and validates", () => {
    const c = crd({
      versions: [
        { name: "v1", served: true, storage: true, subresources: { status: {}, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" } }, selectableFields: [{ jsonPath: ".spec.color" }], schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { replicas: { type: "integer", default: 1, maximum: 5 }, color: { type: "string" } } } } } } },
        { name: "v1beta1", served: true, storage: false, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } },
        { name: "v1alpha1", served: false, storage: false, schema: { openAPIV3Schema: { type: "object" } } },
      ],
    });
    const defs = customResourceDefinitions(c, { names: c.spec.names, terminating: () => false });
    expect(defs.map((d) => d.version)).toEqual(["v1", "v1beta1"]);
    const [v1, beta] = defs;
    expect(v1).toMatchObject({ group: "example.com", kind: "Widget", listKind: "WidgetList", resource: "widgets", singular: "widget", namespaced: true, statusSubresource: true, scale: { specReplicasPath: ".spec.replicas" } });
    expect([...v1.fieldTable!.keys()]).toEqual(["metadata.name", "metadata.namespace", "spec.color"]);
    expect(beta.statusSubresource).toBe(false);
    const o = { apiVersion: "example.com/v1beta1", kind: "Widget", metadata: { name: "a" }, spec: { extra: 1 } } as Record<string, unknown> & { metadata: { name: string } };
    v1.strategy.defaults!(o);
    expect(o).toEqual({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "a" }, spec: { replicas: 1 } });
    expect(v1.strategy.validate!({ ...o, spec: { replicas: 9 } }).map((x) => x.message)).toEqual(["Invalid value: 9: spec.replicas in body should be less than or equal to 5"]);
    const terminating = customResourceDefinitions(c, { names: c.spec.names, terminating: () => true })[0];
    expect(() => terminating.strategy.prepareForCreate!(o)).toThrow(/create is not supported/);
  });
});
