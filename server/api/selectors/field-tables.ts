/**
 * The field selectors each built-in kind supports, and how each reads its object, after upstream:
 * the accepted labels are the kind's field-label conversion function (pkg/apis/<group>/v1
 * conversion.go: AddFieldLabelConversionFunc), the values its registry strategy's GetAttrs /
 * ToSelectableFields (pkg/registry/<group>/<kind>/strategy.go). A label that the conversion
 * accepts but GetAttrs does not fill (pods' `status.podIPs`) reads as "" there, and here.
 * Kinds without a conversion function accept `metadata.name` and `metadata.namespace` (apimachinery's
 * DefaultMetaV1FieldSelectorConversion), cluster-scoped ones included.
 */
import type { FieldGetter, FieldTable } from "./fields.ts";

type Obj = Record<string, unknown>;

/** Reads a dotted path of object fields; absent or non-string-like values read as "". */
function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Obj)[key];
  }
  return cur;
}

/** A string field, as Go's string(...) of it ("" when unset). */
const str = (path: string): FieldGetter => (obj) => {
  const v = at(obj, path);
  return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
};

/** A boolean field, as strconv.FormatBool / fmt.Sprint of it ("false" when unset). */
const bool = (path: string): FieldGetter => (obj) => (at(obj, path) === true ? "true" : "false");

/** An integer field, as strconv.Itoa of it ("0" when unset). */
const int = (path: string): FieldGetter => (obj) => {
  const v = at(obj, path);
  return typeof v === "number" ? String(Math.trunc(v)) : "0";
};

const NAME: [string, FieldGetter] = ["metadata.name", str("metadata.name")];
const NAMESPACE: [string, FieldGetter] = ["metadata.namespace", str("metadata.namespace")];

/** The table every kind without its own gets (and every custom resource starts from). */
export const DEFAULT_FIELD_TABLE: FieldTable = new Map([NAME, NAMESPACE]);

const table = (...entries: Array<[string, FieldGetter]>): FieldTable => new Map(entries);

/** Keyed by `<group>/<resource>` (core group: empty string, so `/pods`). */
export const BUILTIN_FIELD_TABLES: Readonly<Record<string, FieldTable>> = {
  "/pods": table(
    NAME, NAMESPACE,
    ["spec.nodeName", str("spec.nodeName")],
    ["spec.restartPolicy", str("spec.restartPolicy")],
    ["spec.schedulerName", str("spec.schedulerName")],
    ["spec.serviceAccountName", str("spec.serviceAccountName")],
    ["spec.hostNetwork", bool("spec.hostNetwork")],
    ["status.phase", str("status.phase")],
    // the first of status.podIPs (GetAttrs reads PodIPs[0], not the legacy podIP)
    ["status.podIP", (obj) => str("ip")((at(obj, "status.podIPs") as unknown[] | undefined)?.[0])],
    // accepted by the conversion function, never filled by GetAttrs
    ["status.podIPs", () => ""],
    ["status.nominatedNodeName", str("status.nominatedNodeName")],
  ),
  "/nodes": table(NAME, ["spec.unschedulable", bool("spec.unschedulable")]),
  "/replicationcontrollers": table(NAME, NAMESPACE, ["status.replicas", int("status.replicas")]),
  "/events": table(
    NAME, NAMESPACE,
    ...["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"].map(
      (f): [string, FieldGetter] => [`involvedObject.${f}`, str(`involvedObject.${f}`)],
    ),
    ["reason", str("reason")],
    ["reportingComponent", str("reportingComponent")],
    ["source", str("source.component")],
    ["type", str("type")],
  ),
  "/namespaces": table(NAME, ["status.phase", str("status.phase")]),
  "/secrets": table(NAME, NAMESPACE, ["type", str("type")]),
  "/services": table(NAME, NAMESPACE, ["spec.clusterIP", str("spec.clusterIP")], ["spec.type", str("spec.type")]),
  "apps/replicasets": table(NAME, NAMESPACE, ["status.replicas", int("status.replicas")]),
  "batch/jobs": table(NAME, NAMESPACE, ["status.successful", int("status.succeeded")]),
  "certificates.k8s.io/certificatesigningrequests": table(NAME, ["spec.signerName", str("spec.signerName")]),
};

/** Legacy field names a kind still accepts (pods: `spec.host`, from v1 clients of old). */
export const BUILTIN_FIELD_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "/pods": { "spec.host": "spec.nodeName" },
};

/** The table for a built-in resource, or the default one. */
export function fieldTableFor(group: string, resource: string): FieldTable {
  return BUILTIN_FIELD_TABLES[`${group}/${resource}`] ?? DEFAULT_FIELD_TABLE;
}

/**
 * A custom resource's table: metadata.name/namespace plus the CRD version's `selectableFields`
 * (`[{jsonPath: ".spec.color"}]`), read as their JSON path says. Non-string scalars read as
 * their JSON text, which is how upstream compares them.
 */
export function customResourceFieldTable(selectableFields: ReadonlyArray<{ jsonPath: string }> = []): FieldTable {
  const entries: Array<[string, FieldGetter]> = [NAME, NAMESPACE];
  for (const { jsonPath } of selectableFields) {
    const path = jsonPath.replace(/^\./, "");
    entries.push([path, (obj) => {
      const v = at(obj, path);
      return v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
    }]);
  }
  return new Map(entries);
}
