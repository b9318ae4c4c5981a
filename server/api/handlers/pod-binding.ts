/**
 * POST pods/{name}/binding (core/v1 Binding): how the scheduler assigns a pod to a node. As
 * upstream's BindingREST: the target must be a Node by name; a pod that is being deleted, is
 * already assigned (to any node) or still has scheduling gates cannot be bound (409 Conflict on
 * pods/binding); the pod gets spec.nodeName, the binding's annotations and the PodScheduled=True
 * condition in one write. Answers 201 with a Success Status.
 */
import { clone } from "../patch/json-value.ts";
import { markAsBinding } from "../../registry/builtin/core-pods.ts";
import type { KubeObject } from "../../storage/object.ts";
import type { UserInfo } from "../app.ts";
import { respond } from "../respond.ts";
import { ApiError, badRequest, conflict, invalid, methodNotSupported } from "../status.ts";
import { readObject } from "./body.ts";
import type { ResourceCall } from "./context.ts";
import { writeScope } from "./write.ts";

interface Binding {
  metadata: { name?: string; namespace?: string; uid?: string; annotations?: Record<string, string> };
  target?: { kind?: string; name?: string; apiVersion?: string };
}

interface PodCondition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

const BINDING_RESOURCE = { group: "", resource: "pods/binding" };

function validateBinding(binding: Binding, name: string): void {
  const causes = [];
  const kind = binding.target?.kind;
  if (kind !== undefined && kind !== "" && kind !== "Node") {
    causes.push({ reason: "FieldValueNotSupported", field: "target.kind", message: `Unsupported value: ${JSON.stringify(kind)}: supported values: "Node", "<empty>"` });
  }
  if (!binding.target?.name) causes.push({ reason: "FieldValueRequired", field: "target.name", message: "Required value" });
  if (causes.length) throw invalid("Binding", "", name, causes);
}

/** podutil.UpdatePodCondition: replaces the condition of that type, moving lastTransitionTime only when the status changes. */
export function setPodCondition(pod: KubeObject, condition: PodCondition, now: Date): void {
  const status = (pod.status && typeof pod.status === "object" ? pod.status : (pod.status = {})) as { conditions?: PodCondition[] };
  const conditions = Array.isArray(status.conditions) ? [...status.conditions] : [];
  const at = now.toISOString().replace(/\.\d+Z$/, "Z");
  const i = conditions.findIndex((c) => c.type === condition.type);
  if (i < 0) conditions.push({ ...condition, lastProbeTime: null, lastTransitionTime: at });
  else {
    const old = conditions[i];
    const changed = old.status !== condition.status;
    conditions[i] = { ...old, ...condition, lastTransitionTime: changed ? at : (old.lastTransitionTime ?? at) };
  }
  status.conditions = conditions;
}

export async function handlePodBinding(call: ResourceCall, _user: UserInfo): Promise<Response> {
  const { store, info, format } = call;
  if (info.verb !== "create") throw methodNotSupported(BINDING_RESOURCE, info.verb);
  const { object } = await readObject(call.request, call.def, { apiVersion: "v1", kind: "Binding" });
  const binding = object as unknown as Binding;
  const name = info.name;
  if (binding.metadata.name && binding.metadata.name !== name) throw badRequest("name in URL does not match name in Binding object");
  if (binding.metadata.namespace && info.namespace && binding.metadata.namespace !== info.namespace) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  validateBinding(binding, name);
  const node = binding.target!.name!;
  const refuse = (why: string): never => {
    throw conflict(BINDING_RESOURCE, name, why);
  };
  await store.modify(info.namespace || undefined, name, (old) => {
    const pod = clone(old);
    const spec = (pod.spec ?? {}) as { nodeName?: string; schedulingGates?: unknown[] };
    if (binding.metadata.uid && binding.metadata.uid !== old.metadata.uid) {
      refuse(`Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${old.metadata.uid ?? ""}`);
    }
    if (old.metadata.deletionTimestamp) refuse(`pod ${name} is being deleted, cannot be assigned to a host`);
    if (spec.nodeName) refuse(`pod ${name} is already assigned to node "${spec.nodeName}"`);
    if (spec.schedulingGates?.length) refuse(`pod ${name} has non-empty .spec.schedulingGates`);
    spec.nodeName = node;
    pod.spec = spec;
    if (binding.metadata.annotations && Object.keys(binding.metadata.annotations).length) {
      pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...binding.metadata.annotations };
    }
    setPodCondition(pod, { type: "PodScheduled", status: "True" }, new Date());
    return markAsBinding(pod);
  }, writeScope(call)).catch((err: unknown) => {
    // A pod that vanished is a 404 of pods; other store errors keep their own status.
    if (err instanceof ApiError) throw err;
    throw conflict(BINDING_RESOURCE, name, err instanceof Error ? err.message : String(err));
  });
  return respond({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 }, 201, format.encoding);
}
