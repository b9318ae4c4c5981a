/**
 * Validation of a CustomResourceDefinition (apiextensions pkg/apis/apiextensions/validation):
 * the name is `<plural>.<group>`, the group a domain with a dot, names DNS-1035 labels, the scope
 * Namespaced or Cluster, versions unique with exactly one storage version and a structural
 * schema each, printer columns with known types, and on update an immutable scope and group
 * and stored versions that still exist.
 */
import type { StatusCause } from "../../api/status.ts";
import { duplicate, immutable, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { dns1035Label, dns1123Subdomain } from "../validation/names.ts";
import { JsonPathError, parseJsonPath } from "./jsonpath.ts";
import { validateStructural } from "./structural.ts";
import type { CrdNames, CrdSpec, CustomResourceDefinition } from "./types.ts";

const COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"];

export function validateCrd(crd: CustomResourceDefinition): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = crd.spec as CrdSpec | undefined;
  if (!spec || typeof spec !== "object") return [required("spec")];
  const names = (spec.names ?? {}) as CrdNames;
  const expected = `${names.plural ?? ""}.${spec.group ?? ""}`;
  if (crd.metadata.name && crd.metadata.name !== expected) {
    out.push(invalidValue("metadata.name", crd.metadata.name, `must be spec.names.plural+"."+spec.group`));
  }
  if (!spec.group) out.push(required("spec.group"));
  else {
    const problems = dns1123Subdomain(spec.group);
    if (problems.length) out.push(invalidValue("spec.group", spec.group, problems.join(",")));
    else if (!spec.group.includes(".")) out.push(invalidValue("spec.group", spec.group, "should be a domain with at least one dot"));
  }
  if (!spec.scope) out.push(required("spec.scope"));
  else if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") out.push(notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"]));
  out.push(...validateNames(names, "spec.names"));
  out.push(...validateVersions(spec));
  const strategy = spec.conversion?.strategy;
  if (strategy !== undefined && strategy !== "None" && strategy !== "Webhook") out.push(notSupported("spec.conversion.strategy", strategy, ["None", "Webhook"]));
  if (strategy === "Webhook" && !spec.conversion?.webhook) out.push(required("spec.conversion.webhook", "required when strategy is set to Webhook"));
  if (spec.preserveUnknownFields === true) out.push(invalidValue("spec.preserveUnknownFields", true, "must be false in order to use defaults in the schema"));
  return out;
}

export function validateNames(names: CrdNames, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const label = (field: string, value: string, prefix = "") => {
    const problems = dns1035Label(value);
    if (problems.length) out.push(invalidValue(`${path}.${field}`, value, prefix + problems.join(",")));
  };
  if (!names.plural) out.push(required(`${path}.plural`));
  else label("plural", names.plural);
  if (!names.singular) out.push(required(`${path}.singular`));
  else label("singular", names.singular);
  if (!names.kind) out.push(required(`${path}.kind`));
  else if (dns1035Label(names.kind.toLowerCase()).length) label("kind", names.kind.toLowerCase(), "may have mixed case, but should otherwise match: ");
  if (!names.listKind) out.push(required(`${path}.listKind`));
  else if (dns1035Label(names.listKind.toLowerCase()).length) label("listKind", names.listKind.toLowerCase(), "may have mixed case, but should otherwise match: ");
  if (names.kind && names.kind === names.listKind) out.push(invalidValue(`${path}.listKind`, names.listKind, "kind and listKind may not be the same"));
  (names.shortNames ?? []).forEach((s, i) => {
    const problems = dns1035Label(s);
    if (problems.length) out.push(invalidValue(`${path}.shortNames[${i}]`, s, problems.join(",")));
  });
  (names.categories ?? []).forEach((c, i) => {
    const problems = dns1035Label(c);
    if (problems.length) out.push(invalidValue(`${path}.categories[${i}]`, c, problems.join(",")));
  });
  return out;
}

function validateVersions(spec: CrdSpec): StatusCause[] {
  const out: StatusCause[] = [];
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) return [required("spec.versions", "must have exactly one version marked as storage version")];
  const seen = new Set<string>();
  let storage = 0;
  let served = false;
  versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    if (!v.name) out.push(required(`${path}.name`));
    else {
      const problems = dns1035Label(v.name);
      if (problems.length) out.push(invalidValue(`${path}.name`, v.name, problems.join(",")));
      if (seen.has(v.name)) out.push(duplicate(`${path}.name`, v.name));
      seen.add(v.name);
    }
    if (v.storage) storage++;
    if (v.served) served = true;
    const schema = v.schema?.openAPIV3Schema;
    if (!schema) out.push(required(`${path}.schema.openAPIV3Schema`, "schemas are required"));
    else out.push(...validateStructural(schema, `${path}.schema.openAPIV3Schema`));
    const scale = v.subresources?.scale;
    if (scale) {
      if (!scale.specReplicasPath) out.push(required(`${path}.subresources.scale.specReplicasPath`));
      else if (!scale.specReplicasPath.startsWith(".spec.")) out.push(invalidValue(`${path}.subresources.scale.specReplicasPath`, scale.specReplicasPath, "should be a json path under .spec"));
      if (!scale.statusReplicasPath) out.push(required(`${path}.subresources.scale.statusReplicasPath`));
      else if (!scale.statusReplicasPath.startsWith(".status.")) out.push(invalidValue(`${path}.subresources.scale.statusReplicasPath`, scale.statusReplicasPath, "should be a json path under .status"));
    }
    (v.additionalPrinterColumns ?? []).forEach((c, j) => {
      const cp = `${path}.additionalPrinterColumns[${j}]`;
      if (!c.name) out.push(required(`${cp}.name`));
      if (!c.type) out.push(required(`${cp}.type`));
      else if (!COLUMN_TYPES.includes(c.type)) out.push(notSupported(`${cp}.type`, c.type, COLUMN_TYPES));
      if (c.priority !== undefined && c.priority < 0) out.push(invalidValue(`${cp}.priority`, c.priority, "must be greater than or equal to zero"));
      if (!c.jsonPath) out.push(required(`${cp}.JSONPath`));
      else {
        try {
          parseJsonPath(c.jsonPath);
        } catch (err) {
          if (err instanceof JsonPathError) out.push(invalidValue(`${cp}.JSONPath`, c.jsonPath, "must be a simple json path"));
        }
      }
    });
    (v.selectableFields ?? []).forEach((f, j) => {
      if (!f.jsonPath) out.push(required(`${path}.selectableFields[${j}].jsonPath`));
    });
  });
  if (storage !== 1) out.push(invalidValue("spec.versions", versions.map((v) => v.name), "must have exactly one version marked as storage version"));
  if (!served) out.push(invalidValue("spec.versions", versions.map((v) => v.name), "must have at least one version marked as served"));
  return out;
}

export function validateCrdUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): StatusCause[] {
  const out = validateCrd(crd);
  if (old.spec?.scope && crd.spec?.scope !== old.spec.scope) out.push(immutable("spec.scope", crd.spec?.scope));
  if (old.spec?.group && crd.spec?.group !== old.spec.group) out.push(immutable("spec.group", crd.spec?.group));
  out.push(...validateStoredVersions(crd));
  return out;
}

function validateStoredVersions(crd: CustomResourceDefinition): StatusCause[] {
  const stored = crd.status?.storedVersions;
  if (!stored) return [];
  const out: StatusCause[] = [];
  const names = new Set((crd.spec?.versions ?? []).map((v) => v.name));
  stored.forEach((v, i) => {
    if (!names.has(v)) out.push(invalidValue(`status.storedVersions[${i}]`, v, "must appear in spec.versions"));
  });
  const storage = crd.spec?.versions?.find((v) => v.storage)?.name;
  if (storage && stored.length > 0 && !stored.includes(storage)) out.push(invalidValue("status.storedVersions", stored, `must have the storage version ${storage}`));
  return out;
}
