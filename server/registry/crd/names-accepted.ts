/**
 * Which names a CRD may serve under (apiextensions pkg/controller/status naming_controller):
 * a requested name that another CRD of the same group has accepted — or a built-in resource of
 * the group serves — conflicts, unless it is already this CRD's accepted name. A conflict keeps
 * the previously accepted name and sets NamesAccepted False with `"<name>" is already in use`.
 */
import type { ResourceDefinition } from "../types.ts";
import type { Condition } from "./conditions.ts";
import type { CrdNames, CustomResourceDefinition } from "./types.ts";

export interface NamesOutcome {
  /** status.acceptedNames as they should be. */
  accepted: CrdNames;
  namesAccepted: Condition;
}

interface UsedNames {
  resources: Set<string>;
  kinds: Set<string>;
}

function usedNames(crd: CustomResourceDefinition, others: readonly CustomResourceDefinition[], builtins: readonly ResourceDefinition[]): UsedNames {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const other of others) {
    if (other.metadata.name === crd.metadata.name || other.spec?.group !== crd.spec.group) continue;
    const n = other.status?.acceptedNames;
    if (!n) continue;
    for (const r of [n.plural, n.singular, ...(n.shortNames ?? [])]) if (r) resources.add(r);
    for (const k of [n.kind, n.listKind]) if (k) kinds.add(k);
  }
  for (const d of builtins) {
    if (d.group !== crd.spec.group) continue;
    for (const r of [d.resource, d.singular, ...(d.shortNames ?? [])]) if (r) resources.add(r);
    kinds.add(d.kind);
    kinds.add(d.listKind);
  }
  return { resources, kinds };
}

function conflict(requested: string | undefined, accepted: string | undefined, used: Set<string>): string | undefined {
  if (!requested || requested === accepted || !used.has(requested)) return undefined;
  return `${JSON.stringify(requested)} is already in use`;
}

export function acceptNames(crd: CustomResourceDefinition, others: readonly CustomResourceDefinition[], builtins: readonly ResourceDefinition[]): NamesOutcome {
  const used = usedNames(crd, others, builtins);
  const requested = crd.spec.names;
  const accepted: Partial<CrdNames> = crd.status?.acceptedNames ?? {};
  const next: CrdNames = { plural: accepted.plural ?? "", kind: accepted.kind ?? "", ...accepted };
  let failure: { reason: string; message: string } | undefined;
  const fail = (reason: string, message: string) => {
    failure = { reason, message };
  };

  const plural = conflict(requested.plural, accepted.plural, used.resources);
  if (plural) fail("PluralConflict", plural);
  else next.plural = requested.plural;
  const singular = conflict(requested.singular, accepted.singular, used.resources);
  if (singular) fail("SingularConflict", singular);
  else if (requested.singular) next.singular = requested.singular;
  const mine = new Set(accepted.shortNames ?? []);
  const shortConflicts = (requested.shortNames ?? []).filter((s) => !mine.has(s)).map((s) => conflict(s, undefined, used.resources)).filter((m): m is string => !!m);
  if (shortConflicts.length) fail("ShortNamesConflict", shortConflicts.length === 1 ? shortConflicts[0] : `[${shortConflicts.join(", ")}]`);
  else if (requested.shortNames?.length) next.shortNames = requested.shortNames;
  else delete next.shortNames;
  const kind = conflict(requested.kind, accepted.kind, used.kinds);
  if (kind) fail("KindConflict", kind);
  else next.kind = requested.kind;
  const listKind = conflict(requested.listKind, accepted.listKind, used.kinds);
  if (listKind) fail("ListKindConflict", listKind);
  else if (requested.listKind) next.listKind = requested.listKind;
  if (requested.categories?.length) next.categories = requested.categories;
  else delete next.categories;

  const namesAccepted: Condition = failure
    ? { type: "NamesAccepted", status: "False", ...failure }
    : { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" };
  return { accepted: next, namesAccepted };
}
