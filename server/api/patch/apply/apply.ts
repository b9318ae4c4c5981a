/**
 * Server-side apply and update tracking: the two entry points the PATCH (apply-patch+yaml) and
 * every other write call to keep `metadata.managedFields`. Semantics after structured-merge-diff's
 * Updater (Apply, Update) as the apiserver's fieldmanager drives it:
 * - apply merges the configuration into the live object, takes ownership of every field it sets,
 *   removes the fields it owned before and no longer sets unless someone else owns them, and
 *   fails with 409 if it changes a field another manager owns (unless forced, which moves
 *   ownership to it);
 * - update (create, put, non-apply patch) gives its manager the fields it changed and takes
 *   them from everyone else.
 */
import type { SchemaNode } from "../../../registry/schema/schema-node.ts";
import { badRequest } from "../../status.ts";
import { clone, isObject, jsonEqual, type JsonObject } from "../json-value.ts";
import { compare, type Comparison } from "./compare.ts";
import { conflictError, type Conflict } from "./conflicts.ts";
import { FieldSet, type FieldPath } from "./field-set.ts";
import { ignoredPaths, withoutIgnored } from "./ignored.ts";
import { decodeManagedFields, encodeManagedFields, managerId, type ManagedFieldsEntry, type Manager, type Operation } from "./managed-fields.ts";
import { mergeApplied } from "./merge.ts";
import { removePaths } from "./prune.ts";
import { fieldSetOf } from "./walk.ts";

export interface TrackOptions {
  /** The field manager: the `fieldManager` parameter, else (updates) derived from the user agent. */
  manager: string;
  /** The API version of the request, e.g. `apps/v1`. */
  apiVersion: string;
  /** The schema of the root kind (builtinSchemas(graph).forModel("V1Deployment"), or a CRD's). */
  schema: SchemaNode;
  /** `status` or `scale` when writing a subresource. */
  subresource?: string;
  /** RFC 3339 time of the write (defaults to now, to the second, as upstream stores it). */
  now?: string;
  /** Extra subtrees the write must not track, e.g. `[["f:status"]]` for the main resource. */
  resetPaths?: readonly FieldPath[];
}

export interface ApplyOptions extends TrackOptions {
  /** `force=true`: take conflicting fields from their owners instead of failing. */
  force?: boolean;
}

export interface WriteResult {
  /** The new object, its `metadata.managedFields` set (or removed when nobody owns anything). */
  object: JsonObject;
  managedFields: ManagedFieldsEntry[];
}

const rfc3339Now = (): string => new Date().toISOString().replace(/\.\d+Z$/, "Z");

function bare(obj: JsonObject | undefined): JsonObject {
  const out = obj ? clone(obj) : {};
  if (isObject(out.metadata)) delete out.metadata.managedFields;
  return out;
}

/** `bare` without the deep copy: a new top level and metadata, the rest shared. */
function bareShallow(obj: JsonObject | undefined): JsonObject {
  if (!obj) return {};
  const out = { ...obj };
  if (isObject(out.metadata)) {
    const { managedFields: _, ...meta } = out.metadata;
    out.metadata = meta;
  }
  return out;
}

function withManagedFields(obj: JsonObject, managers: Map<string, Manager>): WriteResult {
  const managedFields = encodeManagedFields(managers);
  const meta = isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
  if (managedFields.length) meta.managedFields = managedFields as unknown as JsonObject[];
  else delete meta.managedFields;
  return { object: obj, managedFields };
}

function keepManagedFields(obj: JsonObject, managedFields: ManagedFieldsEntry[]): WriteResult {
  const meta = isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
  if (managedFields.length) meta.managedFields = managedFields as unknown as JsonObject[];
  else delete meta.managedFields;
  return { object: obj, managedFields };
}

function filtered(c: Comparison, ignored: FieldSet): Comparison {
  return { added: withoutIgnored(c.added, ignored), modified: withoutIgnored(c.modified, ignored), removed: withoutIgnored(c.removed, ignored) };
}

/**
 * Applies `applied` (the decoded apply-patch body) for `opts.manager`. `live` is undefined when
 * the object does not exist yet (apply creates it). Throws ApiError 409 on conflicts, 400 on a
 * body that is not an object or carries managedFields.
 */
export function applyPatch(live: JsonObject | undefined, applied: unknown, opts: ApplyOptions): WriteResult {
  if (!isObject(applied)) throw badRequest("apply patch must be a JSON or YAML object");
  if (!opts.manager) throw badRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
  const appliedMeta = applied.metadata;
  if (isObject(appliedMeta) && Array.isArray(appliedMeta.managedFields) && appliedMeta.managedFields.length > 0) {
    throw badRequest("metadata.managedFields must be nil");
  }
  const ignored = ignoredPaths(opts.resetPaths);
  const now = opts.now ?? rfc3339Now();
  const managers = decodeManagedFields(isObject(live?.metadata) ? live.metadata.managedFields : undefined);
  const liveBare = bare(live);
  const config = bare(applied);

  const merged = mergeApplied(liveBare, config, opts.schema) as JsonObject;
  const id = managerId({ manager: opts.manager, operation: "Apply", subresource: opts.subresource ?? "" });
  const lastSet = managers.get(id)?.set;
  const newSet = withoutIgnored(fieldSetOf(config, opts.schema), ignored);

  if (lastSet) {
    // Fields this manager applied before and no longer applies go, unless someone else (or the
    // new configuration, or an untracked path like metadata.name) still holds them.
    let held = newSet.union(ignored);
    for (const [otherId, m] of managers) if (otherId !== id) held = held.union(m.set);
    const toRemove = lastSet.closure().difference(held.closure());
    removePaths(merged, toRemove, opts.schema);
  }

  const changes = filtered(compare(liveBare, merged, opts.schema), ignored);
  const changed = changes.modified.union(changes.added);
  const conflicts: Conflict[] = [];
  for (const [otherId, m] of managers) {
    if (otherId === id) continue;
    const overlap = m.set.intersection(changed);
    for (const path of overlap.paths()) conflicts.push({ manager: m, path });
    if (!overlap.isEmpty()) m.set = m.set.difference(overlap);
    m.set = m.set.difference(changes.removed);
  }
  if (conflicts.length && !opts.force) throw conflictError(conflicts);

  const previous = managers.get(id);
  const touched = !previous || !previous.set.equals(newSet) || !changed.isEmpty() || !changes.removed.isEmpty();
  setManager(managers, {
    manager: opts.manager,
    operation: "Apply",
    apiVersion: opts.apiVersion,
    subresource: opts.subresource ?? "",
    time: touched ? now : previous.time,
    set: newSet,
  });
  return withManagedFields(merged, managers);
}

/**
 * Records a non-apply write (create: `oldObj` undefined; update; JSON/merge/strategic patch) of
 * `newObj` by `opts.manager`: an Update entry, merged with that manager's earlier Update entry.
 * managedFields the client sent in `newObj` replace the stored ones when they differ (that is how
 * a client resets them); otherwise the stored ones are kept.
 */
export function trackUpdate(oldObj: JsonObject | undefined, newObj: JsonObject, opts: TrackOptions): WriteResult {
  const ignored = ignoredPaths(opts.resetPaths);
  const oldFields = isObject(oldObj?.metadata) ? oldObj.metadata.managedFields : undefined;
  const sent = isObject(newObj.metadata) ? newObj.metadata.managedFields : undefined;
  const clientReset = Array.isArray(sent) && sent.length > 0 && !jsonEqual(sent, oldFields);
  // Shallow copies: compare only reads, and the result shares newObj's subtrees (the caller
  // replaces newObj with it); only the copied metadata gets managedFields.
  const after = bareShallow(newObj);
  const changes = filtered(compare(bareShallow(oldObj), after, opts.schema), ignored);
  const changed = changes.modified.union(changes.added);
  if (!clientReset && changed.isEmpty() && changes.removed.isEmpty() && Array.isArray(oldFields)) {
    // A write that changes no tracked field leaves every entry as it was (same sets, times and
    // versions): keep the stored entries rather than decode and re-encode them.
    return keepManagedFields(after, oldFields as unknown as ManagedFieldsEntry[]);
  }
  const managers = decodeManagedFields(clientReset ? sent : oldFields);

  const id = managerId({ manager: opts.manager, operation: "Update", subresource: opts.subresource ?? "" });
  for (const [otherId, m] of managers) {
    // Untouched sets stay the same objects, so that they encode back to their stored trees.
    if (otherId !== id && (m.set.overlaps(changed) || m.set.overlaps(changes.removed))) {
      m.set = m.set.difference(changed).difference(changes.removed);
    }
  }
  const previous = managers.get(id);
  const set = (previous?.set ?? new FieldSet()).difference(changes.removed).union(changed);
  setManager(managers, {
    manager: opts.manager,
    operation: "Update" satisfies Operation,
    apiVersion: changed.isEmpty() && previous ? previous.apiVersion : opts.apiVersion,
    subresource: opts.subresource ?? "",
    time: changed.isEmpty() && previous ? previous.time : (opts.now ?? rfc3339Now()),
    set,
  });
  return withManagedFields(after, managers);
}

/** Replaces a manager's entry in place (a Map keeps the entries' order) or appends it; drops empty ones. */
function setManager(managers: Map<string, Manager>, m: Manager): void {
  managers.set(managerId(m), m);
  for (const [k, v] of managers) if (v.set.isEmpty()) managers.delete(k);
}

/**
 * The manager name upstream derives from a user agent when a non-apply request has no
 * `fieldManager`: the program name, e.g. `kubectl-client-side-apply/v1.31.0 (linux/amd64)...`
 * gives `kubectl-client-side-apply`; at most 128 characters.
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const program = (userAgent ?? "").split("/")[0]!.trim();
  return [...program].filter((ch) => ch >= " " && ch <= "~").join("").slice(0, 128) || "unknown";
}
