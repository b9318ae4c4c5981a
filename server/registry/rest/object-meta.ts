/**
 * The metadata rules every kind shares (apiserver pkg/registry/rest create.go / update.go and
 * apimachinery's ObjectMeta validation): system fields the server owns, names, generateName,
 * labels and annotations, and what an update may not change.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { forbiddenField, immutable, invalidValue, required } from "../validation/field-errors.ts";
import { type NameCheck, validateAnnotations, validateLabels } from "../validation/names.ts";

/** upstream storage/names: 5 characters from an alphabet without vowels and look-alikes. */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const MAX_GENERATED_NAME_LENGTH = 63 - 5;

export function generateName(base: string): string {
  const prefix = base.length > MAX_GENERATED_NAME_LENGTH ? base.slice(0, MAX_GENERATED_NAME_LENGTH) : base;
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  let suffix = "";
  for (const b of bytes) suffix += NAME_ALPHABET[b % NAME_ALPHABET.length];
  return prefix + suffix;
}

/** Sets what the server owns on a new object: uid, creationTimestamp; clears what clients may not set. */
export function fillSystemFieldsOnCreate(object: KubeObject, now: Date): void {
  const m = object.metadata;
  m.uid = crypto.randomUUID();
  m.creationTimestamp = now.toISOString().replace(/\.\d+Z$/, "Z");
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  if (m.generation !== undefined) delete m.generation;
}

/** Carries the fields an update cannot change from the stored object (BeforeUpdate). */
export function carryOverSystemFields(object: KubeObject, old: KubeObject): void {
  const m = object.metadata;
  const o = old.metadata;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  if (o.deletionTimestamp !== undefined) m.deletionTimestamp = o.deletionTimestamp;
  else delete m.deletionTimestamp;
  if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  if (o.generation !== undefined) m.generation = o.generation;
  else delete m.generation;
  delete m.selfLink;
}

export interface MetaRules {
  namespaced: boolean;
  nameCheck: NameCheck;
}

export function validateObjectMeta(object: KubeObject, rules: MetaRules): StatusCause[] {
  const m = object.metadata;
  const out: StatusCause[] = [];
  if (!m.name) out.push(required("metadata.name", "name or generateName is required"));
  else for (const p of rules.nameCheck(m.name)) out.push(invalidValue("metadata.name", m.name, p));
  if (rules.namespaced) {
    if (!m.namespace) out.push(required("metadata.namespace"));
  } else if (m.namespace) {
    out.push(forbiddenField("metadata.namespace", "not allowed on this type"));
  }
  out.push(...validateLabels(m.labels, "metadata.labels"));
  out.push(...validateAnnotations(m.annotations, "metadata.annotations"));
  if (m.finalizers !== undefined) {
    if (!Array.isArray(m.finalizers)) out.push(invalidValue("metadata.finalizers", m.finalizers, "must be a list of strings"));
    else {
      const seen = new Set<string>();
      m.finalizers.forEach((f, i) => {
        if (typeof f !== "string" || f === "") out.push(invalidValue(`metadata.finalizers[${i}]`, f, "must be a non-empty string"));
        else if (seen.has(f)) out.push({ reason: "FieldValueDuplicate", message: `Duplicate value: "${f}"`, field: `metadata.finalizers[${i}]` });
        seen.add(String(f));
      });
    }
  }
  if (m.ownerReferences !== undefined) {
    if (!Array.isArray(m.ownerReferences)) out.push(invalidValue("metadata.ownerReferences", m.ownerReferences, "must be a list"));
    else {
      let controllers = 0;
      m.ownerReferences.forEach((r, i) => {
        const f = `metadata.ownerReferences[${i}]`;
        if (!r || typeof r !== "object") return out.push(invalidValue(f, r, "must be an object"));
        if (!r.apiVersion) out.push(invalidValue(`${f}.apiVersion`, r.apiVersion, "version must not be empty"));
        if (!r.kind) out.push(invalidValue(`${f}.kind`, r.kind, "kind must not be empty"));
        if (!r.name) out.push(invalidValue(`${f}.name`, r.name, "name must not be empty"));
        if (!r.uid) out.push(invalidValue(`${f}.uid`, r.uid, "uid must not be empty"));
        if (r.controller) controllers++;
      });
      if (controllers > 1) out.push(invalidValue("metadata.ownerReferences", m.ownerReferences, "Only one reference can have Controller set to true"));
    }
  }
  return out;
}

export function validateObjectMetaUpdate(object: KubeObject, old: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const m = object.metadata;
  const o = old.metadata;
  if (m.name !== o.name) out.push(immutable("metadata.name", m.name));
  if ((m.namespace ?? "") !== (o.namespace ?? "")) out.push(immutable("metadata.namespace", m.namespace));
  if (o.deletionTimestamp !== undefined && Array.isArray(m.finalizers)) {
    const before = new Set(o.finalizers ?? []);
    for (const f of m.finalizers) {
      if (!before.has(f)) {
        out.push(forbiddenField("metadata.finalizers", `no new finalizers can be added if the object is being deleted, found new finalizers []string{${JSON.stringify(f)}}`));
      }
    }
  }
  return out;
}
