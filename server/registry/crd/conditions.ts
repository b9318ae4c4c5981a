/**
 * Setting a condition the way upstream's SetCRDCondition / namespace conditions do: the
 * lastTransitionTime moves only when the status changes, so rewriting an unchanged condition
 * is a no-op and status writes stay quiet.
 */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

/** A copy of `conditions` with `next` set. */
export function setCondition<C extends Condition>(conditions: readonly C[] | undefined, next: C): C[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  if (i < 0) {
    list.push({ ...next, lastTransitionTime: next.lastTransitionTime ?? now() });
    return list;
  }
  const old = list[i];
  const transition = old.status === next.status ? old.lastTransitionTime : (next.lastTransitionTime ?? now());
  list[i] = { ...next, lastTransitionTime: transition ?? now() };
  return list;
}

export function conditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === "True");
}
