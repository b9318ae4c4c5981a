/**
 * Paths server-side apply never tracks. Upstream strips the identity and server-set metadata
 * (fieldmanager stripMeta) and, per kind, the "reset fields" of the other half of a spec/status
 * split (status when writing the main resource, spec when writing /status); the registry
 * strategy passes those as extra paths.
 */
import { FieldSet, type FieldPath } from "./field-set.ts";

export const STRIPPED_META: readonly FieldPath[] = [
  ["f:apiVersion"],
  ["f:kind"],
  ["f:metadata", "f:name"],
  ["f:metadata", "f:namespace"],
  ["f:metadata", "f:creationTimestamp"],
  ["f:metadata", "f:selfLink"],
  ["f:metadata", "f:uid"],
  ["f:metadata", "f:generation"],
  ["f:metadata", "f:managedFields"],
  ["f:metadata", "f:resourceVersion"],
  ["f:metadata", "f:deletionTimestamp"],
  ["f:metadata", "f:deletionGracePeriodSeconds"],
];

/** The ignored set: stripped metadata plus extra subtrees (e.g. `[["f:status"]]`). */
export function ignoredPaths(extra: readonly FieldPath[] = []): FieldSet {
  return FieldSet.of([...STRIPPED_META, ...extra]);
}

/** `set` without any member at or under an ignored path. */
export function withoutIgnored(set: FieldSet, ignored: FieldSet): FieldSet {
  if (ignored.member) return new FieldSet();
  const out = new FieldSet();
  out.member = set.member;
  for (const [pe, child] of set.children) {
    const ig = ignored.children.get(pe);
    const kept = ig ? withoutIgnored(child, ig) : child.union(new FieldSet());
    if (!kept.isEmpty()) out.children.set(pe, kept);
  }
  return out;
}
