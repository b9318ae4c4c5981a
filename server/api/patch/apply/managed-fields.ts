/**
 * `metadata.managedFields` as stored (ManagedFieldsEntry) and as the apply engine works on it:
 * one entry per (manager, operation, subresource) — upstream's manager identity — holding a
 * field set. Entries that fail to decode are dropped, as upstream resets undecodable managed
 * fields rather than failing the write.
 */
import { isObject } from "../json-value.ts";
import { FieldSet, fromFieldsV1, toFieldsV1, type FieldsV1 } from "./field-set.ts";

export type Operation = "Apply" | "Update";

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: Operation;
  apiVersion?: string;
  time?: string;
  fieldsType?: "FieldsV1";
  fieldsV1?: FieldsV1;
  subresource?: string;
}

export interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource: string;
  time: string | undefined;
  set: FieldSet;
}

export const managerId = (m: Pick<Manager, "manager" | "operation" | "subresource">): string =>
  JSON.stringify([m.manager, m.operation, m.subresource]);

export function decodeManagedFields(entries: unknown): Map<string, Manager> {
  const out = new Map<string, Manager>();
  if (!Array.isArray(entries)) return out;
  for (const e of entries) {
    if (!isObject(e) || typeof e.manager !== "string" || (e.operation !== "Apply" && e.operation !== "Update")) continue;
    let set: FieldSet;
    try {
      set = fromFieldsV1(e.fieldsV1 ?? {});
    } catch {
      continue;
    }
    const m: Manager = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : "",
      subresource: typeof e.subresource === "string" ? e.subresource : "",
      time: typeof e.time === "string" ? e.time : undefined,
      set,
    };
    const id = managerId(m);
    const prev = out.get(id);
    out.set(id, prev ? { ...m, set: prev.set.union(set) } : m);
  }
  return out;
}

/** Entries in the order of `managers`, empty ones dropped (upstream never stores them). */
export function encodeManagedFields(managers: Map<string, Manager>): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const m of managers.values()) {
    if (m.set.isEmpty()) continue;
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = "FieldsV1";
    e.fieldsV1 = toFieldsV1(m.set);
    if (m.subresource) e.subresource = m.subresource;
    out.push(e);
  }
  return out;
}

/** How upstream names a manager in conflict messages: `"kubectl" using apps/v1` (+ time for updates). */
export function describeManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  s += ` using ${m.apiVersion}`;
  if (m.operation === "Update" && m.time) s += ` at ${m.time}`;
  return s;
}
