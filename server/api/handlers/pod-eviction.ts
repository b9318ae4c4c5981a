/**
 * POST pods/{name}/eviction (policy/v1 Eviction, or v1beta1): `kubectl drain`'s way to delete a
 * pod. The pod is deleted with the eviction's deleteOptions (grace period, preconditions) and
 * the answer is 201 with a Success Status, as upstream's EvictionREST gives it.
 *
 * Not yet: PodDisruptionBudgets. Upstream refuses an eviction that would break a budget (429
 * TooManyRequests "Cannot evict pod as it would violate the pod's disruption budget.") and lets
 * pending, finished or terminating pods through without looking; with no policy/v1 PDB kind
 * served yet, every eviction is allowed.
 */
import type { DeleteOptions } from "../../registry/rest/resource-store.ts";
import type { UserInfo } from "../app.ts";
import { decodeCbor } from "../cbor.ts";
import { decodeObjectBody } from "../negotiate.ts";
import { respond } from "../respond.ts";
import { badRequest, methodNotSupported } from "../status.ts";
import { isDryRun, readBytes } from "./body.ts";
import type { ResourceCall } from "./context.ts";
import { writeScope } from "./write.ts";

const EVICTION_VERSIONS = ["policy/v1", "policy/v1beta1"];

interface Eviction {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  deleteOptions?: DeleteOptions & { dryRun?: string[] };
}

export async function handlePodEviction(call: ResourceCall, _user: UserInfo): Promise<Response> {
  const { store, info, format } = call;
  if (info.verb !== "create") throw methodNotSupported({ group: "", resource: "pods/eviction" }, info.verb);
  const bytes = await readBytes(call.request);
  const { value, json } = await decodeObjectBody(call.request.headers.get("content-type"), bytes, decodeCbor);
  const eviction = (value ?? {}) as Eviction;
  if (typeof eviction !== "object" || Array.isArray(eviction) || !eviction.kind) throw badRequest(`Object 'Kind' is missing in '${(json ?? "").slice(0, 200)}'`);
  if (eviction.kind !== "Eviction" || (eviction.apiVersion !== undefined && !EVICTION_VERSIONS.includes(eviction.apiVersion))) {
    throw badRequest(`${eviction.kind} in version "${eviction.apiVersion ?? ""}" cannot be handled as a Eviction: no kind "${eviction.kind}" is registered for version "${eviction.apiVersion ?? ""}"`);
  }
  if (eviction.metadata?.name && eviction.metadata.name !== info.name) throw badRequest("name in URL does not match name in Eviction object");
  const given = eviction.deleteOptions ?? {};
  const options: DeleteOptions = {};
  if (typeof given.gracePeriodSeconds === "number") options.gracePeriodSeconds = given.gracePeriodSeconds;
  if (given.preconditions && typeof given.preconditions === "object") options.preconditions = given.preconditions;
  if (given.propagationPolicy) options.propagationPolicy = given.propagationPolicy;
  const scope = writeScope(call);
  if (Array.isArray(given.dryRun) && given.dryRun.length) {
    const q = new URLSearchParams();
    for (const v of given.dryRun) q.append("dryRun", String(v));
    scope.dryRun = isDryRun(q);
  }
  await store.delete(info.namespace || undefined, info.name, options, scope);
  return respond({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 }, 201, format.encoding);
}
