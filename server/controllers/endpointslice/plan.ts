/**
 * The EndpointSlices a Service should have, from what it has now, with upstream's reconciler's
 * aim of little churn (pkg/controller/endpointslice/reconciler.go): endpoints stay in the slice
 * they are in (changed in place), slices that lose endpoints are updated, new endpoints fill the
 * slices being updated anyway, then the fullest untouched slice that can take them all, and
 * only then new slices of at most `maxPerSlice`. Slices whose port set is no longer wanted go.
 * A Service with no endpoints keeps one empty placeholder slice, as upstream's does.
 *
 * Pure: it gets plain values and returns the writes to make.
 */

export interface EndpointPort {
  name: string;
  port?: number;
  protocol: string;
  appProtocol?: string;
}

export interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  targetRef?: { kind: string; namespace: string; name: string; uid: string };
  nodeName?: string;
  zone?: string;
}

export interface CurrentSlice {
  name: string;
  addressType: string;
  ports: EndpointPort[];
  endpoints: Endpoint[];
  labels: Record<string, string>;
}

export interface SliceContent {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export interface SlicePlan {
  create: SliceContent[];
  /** Existing slices with new content (and the wanted labels). */
  update: Array<{ name: string } & SliceContent>;
  delete: string[];
}

/** A port set's identity, independent of order. */
export function portsKey(ports: EndpointPort[]): string {
  return JSON.stringify(ports.map((p) => [p.name ?? "", p.port ?? null, p.protocol ?? "TCP", p.appProtocol ?? null]).sort());
}

/** The canonical form (fixed key order, defaults spelled out) that comparisons use. */
export function canonicalEndpoint(e: Partial<Endpoint>): Endpoint {
  const out: Endpoint = {
    addresses: [...(e.addresses ?? [])],
    conditions: { ready: e.conditions?.ready === true, serving: e.conditions?.serving === true, terminating: e.conditions?.terminating === true },
  };
  if (e.hostname) out.hostname = e.hostname;
  if (e.targetRef) out.targetRef = { kind: e.targetRef.kind, namespace: e.targetRef.namespace, name: e.targetRef.name, uid: e.targetRef.uid };
  if (e.nodeName) out.nodeName = e.nodeName;
  if (e.zone) out.zone = e.zone;
  return out;
}

const endpointKey = (e: Endpoint) => e.addresses[0] ?? "";
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export interface PlanInput {
  /** Wanted endpoints grouped by port set (all of them of `addressType`). */
  desired: SliceContent[];
  current: CurrentSlice[];
  addressType: string;
  labels: Record<string, string>;
  maxPerSlice: number;
}

export function planSlices(input: PlanInput): SlicePlan {
  const { maxPerSlice, addressType, labels } = input;
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const wantedGroups = new Map<string, SliceContent>();
  for (const group of input.desired) {
    if (group.endpoints.length === 0) continue;
    const key = portsKey(group.ports);
    const existing = wantedGroups.get(key);
    if (existing) existing.endpoints.push(...group.endpoints);
    else wantedGroups.set(key, { ports: group.ports, endpoints: [...group.endpoints] });
  }
  const total = [...wantedGroups.values()].reduce((n, g) => n + g.endpoints.length, 0);

  const byGroup = new Map<string, CurrentSlice[]>();
  for (const slice of input.current) {
    const key = portsKey(slice.ports);
    if (slice.addressType !== addressType || !wantedGroups.has(key)) {
      plan.delete.push(slice.name);
      continue;
    }
    const list = byGroup.get(key) ?? [];
    list.push(slice);
    byGroup.set(key, list);
  }

  for (const [key, group] of wantedGroups) {
    const want = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
    const updating: Array<{ name: string; endpoints: Endpoint[] }> = [];
    const untouched: Array<{ name: string; endpoints: Endpoint[] }> = [];
    for (const slice of byGroup.get(key) ?? []) {
      let changed = !sameLabels(slice.labels, labels);
      const kept: Endpoint[] = [];
      for (const e of slice.endpoints) {
        const wanted = want.get(endpointKey(e));
        if (!wanted) {
          changed = true;
          continue;
        }
        want.delete(endpointKey(e));
        if (!same(canonicalEndpoint(e), wanted)) changed = true;
        kept.push(wanted);
      }
      if (kept.length === 0) plan.delete.push(slice.name);
      else if (changed) updating.push({ name: slice.name, endpoints: kept });
      else untouched.push({ name: slice.name, endpoints: kept });
    }
    let remaining = [...want.values()];
    for (const u of updating) {
      const room = maxPerSlice - u.endpoints.length;
      if (room > 0 && remaining.length) {
        u.endpoints.push(...remaining.slice(0, room));
        remaining = remaining.slice(room);
      }
    }
    if (remaining.length) {
      // The fullest untouched slice that takes every remaining endpoint, if any.
      const fit = untouched.filter((u) => u.endpoints.length + remaining.length <= maxPerSlice).sort((a, b) => b.endpoints.length - a.endpoints.length)[0];
      if (fit) {
        fit.endpoints.push(...remaining);
        updating.push(fit);
        remaining = [];
      }
    }
    for (let i = 0; i < remaining.length; i += maxPerSlice) plan.create.push({ ports: group.ports, endpoints: remaining.slice(i, i + maxPerSlice) });
    for (const u of updating) plan.update.push({ name: u.name, ports: group.ports, endpoints: u.endpoints });
  }

  if (total === 0) {
    // One placeholder: keep an existing one (the empty slice with no ports), delete the rest.
    const placeholder = input.current.find((s) => s.addressType === addressType && s.endpoints.length === 0 && s.ports.length === 0);
    plan.delete = input.current.filter((s) => s !== placeholder).map((s) => s.name);
    if (!placeholder) plan.create.push({ ports: [], endpoints: [] });
    else if (!sameLabels(placeholder.labels, labels)) plan.update.push({ name: placeholder.name, ports: [], endpoints: [] });
    return plan;
  }
  // A slice about to be deleted (the old placeholder, say) becomes the first new one: one write, not two.
  while (plan.create.length && plan.delete.length) {
    const name = plan.delete.shift()!;
    const reused = input.current.find((s) => s.name === name)!;
    if (reused.addressType !== addressType) {
      plan.delete.unshift(name);
      break;
    }
    plan.update.push({ name, ...plan.create.shift()! });
  }
  return plan;
}
