/**
 * rbac.authorization.k8s.io/v1 defaults and validation (pkg/apis/rbac/v1/defaults.go,
 * pkg/apis/rbac/validation): policy rules, role references and subjects, with upstream's paths
 * and messages; a binding's roleRef may never change.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { dns1123Subdomain, pathSegmentName } from "../validation/names.ts";
import { goStringSlice, invalidRendered } from "./go-values.ts";
import { isObj, validateLabelSelector } from "./workload-validation.ts";

type Obj = Record<string, unknown>;
export const RBAC_GROUP = "rbac.authorization.k8s.io";

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** SetDefaults_Subject and the roleRef's apiGroup (SetDefaults_RoleBinding/ClusterRoleBinding). */
export function defaultBinding(o: KubeObject): void {
  if (isObj(o.roleRef) && !o.roleRef.apiGroup) o.roleRef.apiGroup = RBAC_GROUP;
  for (const s of list(o.subjects)) {
    if (!isObj(s) || s.apiGroup) continue;
    if (s.kind === "ServiceAccount") s.apiGroup = "";
    else if (s.kind === "User" || s.kind === "Group") s.apiGroup = RBAC_GROUP;
  }
}

function validateRule(rule: unknown, namespaced: boolean, path: string): StatusCause[] {
  const r = isObj(rule) ? rule : {};
  const out: StatusCause[] = [];
  if (list(r.verbs).length === 0) out.push(required(`${path}.verbs`, "verbs must contain at least one value"));
  const urls = list(r.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) out.push(invalidRendered(`${path}.nonResourceURLs`, goStringSlice(urls), "namespaced rules cannot apply to non-resource URLs"));
    if (list(r.apiGroups).length > 0 || list(r.resources).length > 0 || list(r.resourceNames).length > 0) {
      out.push(invalidRendered(`${path}.nonResourceURLs`, goStringSlice(urls), "rules cannot apply to both regular resources and non-resource URLs"));
    }
    return out;
  }
  if (list(r.apiGroups).length === 0) out.push(required(`${path}.apiGroups`, "resource rules must supply at least one api group"));
  if (list(r.resources).length === 0) out.push(required(`${path}.resources`, "resource rules must supply at least one resource"));
  return out;
}

export function validateRole(o: KubeObject): StatusCause[] {
  return list(o.rules).flatMap((rule, i) => validateRule(rule, true, `rules[${i}]`));
}

export function validateClusterRole(o: KubeObject): StatusCause[] {
  const out = list(o.rules).flatMap((rule, i) => validateRule(rule, false, `rules[${i}]`));
  if (o.aggregationRule !== undefined && o.aggregationRule !== null) {
    const selectors = isObj(o.aggregationRule) ? list(o.aggregationRule.clusterRoleSelectors) : [];
    if (selectors.length === 0) out.push(required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil"));
    selectors.forEach((s, i) => out.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return out;
}

const SUBJECT_KINDS = ["ServiceAccount", "User", "Group"];

function validateSubject(subject: unknown, namespaced: boolean, path: string): StatusCause[] {
  const s = isObj(subject) ? subject : {};
  const out: StatusCause[] = [];
  const name = typeof s.name === "string" ? s.name : "";
  if (!name) out.push(required(`${path}.name`));
  switch (s.kind) {
    case "ServiceAccount":
      if (name) for (const m of dns1123Subdomain(name)) out.push(invalidValue(`${path}.name`, name, m));
      if (s.apiGroup !== "") out.push(notSupported(`${path}.apiGroup`, s.apiGroup, [""]));
      if (!namespaced && !s.namespace) out.push(required(`${path}.namespace`));
      break;
    case "User":
    case "Group":
      if (s.apiGroup !== RBAC_GROUP) out.push(notSupported(`${path}.apiGroup`, s.apiGroup, [RBAC_GROUP]));
      break;
    default:
      out.push(notSupported(`${path}.kind`, s.kind ?? "", SUBJECT_KINDS));
  }
  return out;
}

function validateRoleRef(roleRef: unknown, kinds: string[]): StatusCause[] {
  const ref = isObj(roleRef) ? roleRef : {};
  const out: StatusCause[] = [];
  if (ref.apiGroup !== RBAC_GROUP) out.push(notSupported("roleRef.apiGroup", ref.apiGroup ?? "", [RBAC_GROUP]));
  if (!kinds.includes(String(ref.kind))) out.push(notSupported("roleRef.kind", ref.kind ?? "", kinds));
  const name = typeof ref.name === "string" ? ref.name : "";
  if (!name) out.push(required("roleRef.name"));
  else for (const m of pathSegmentName(name)) out.push(invalidValue("roleRef.name", name, m));
  return out;
}

export function validateRoleBinding(o: KubeObject): StatusCause[] {
  return [...validateRoleRef(o.roleRef, ["Role", "ClusterRole"]), ...list(o.subjects).flatMap((s, i) => validateSubject(s, true, `subjects[${i}]`))];
}

export function validateClusterRoleBinding(o: KubeObject): StatusCause[] {
  return [...validateRoleRef(o.roleRef, ["ClusterRole"]), ...list(o.subjects).flatMap((s, i) => validateSubject(s, false, `subjects[${i}]`))];
}

/** `rbac.RoleRef{APIGroup:"...", Kind:"...", Name:"..."}`, as upstream prints the new value. */
function goRoleRef(roleRef: unknown): string {
  const r: Obj = isObj(roleRef) ? roleRef : {};
  const s = (v: unknown) => JSON.stringify(String(v ?? ""));
  return `rbac.RoleRef{APIGroup:${s(r.apiGroup)}, Kind:${s(r.kind)}, Name:${s(r.name)}}`;
}

/** A binding's roleRef is fixed for life: to bind another role, make another binding. */
export function roleRefUnchanged(o: KubeObject, old: KubeObject): StatusCause[] {
  const a: Obj = isObj(o.roleRef) ? o.roleRef : {};
  const b: Obj = isObj(old.roleRef) ? old.roleRef : {};
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  return [invalidRendered("roleRef", goRoleRef(o.roleRef), "cannot change roleRef")];
}
