/**
 * The namespaces/finalize subresource (PUT /api/v1/namespaces/<name>/finalize): the only way
 * spec.finalizers change, as upstream's FinalizeREST. Its strategy keeps everything but
 * spec.finalizers as stored; removing the last one from a namespace being deleted (with no
 * metadata.finalizers) completes the delete, which the store does through the Namespace
 * strategy's `deletionHeld`.
 */
import type { SubresourceHandler } from "../api/app.ts";
import { readObject } from "../api/handlers/body.ts";
import { typed } from "../api/handlers/context.ts";
import { writeScope } from "../api/handlers/write.ts";
import { respond } from "../api/respond.ts";
import { methodNotSupported } from "../api/status.ts";
import type { ResourceStore } from "../registry/rest/resource-store.ts";
import type { ResourceDefinition } from "../registry/types.ts";
import { invalidValue } from "../registry/validation/field-errors.ts";
import { qualifiedNameProblems } from "../registry/validation/names.ts";

type NamespaceSpec = { finalizers?: string[] };

/** A definition sharing the Namespace's storage, with the finalize strategy. */
export function namespaceFinalizeDefinition(namespaces: ResourceDefinition): ResourceDefinition {
  return {
    ...namespaces,
    strategy: {
      ...namespaces.strategy,
      prepareForUpdate(o, old) {
        const finalizers = (o.spec as NamespaceSpec | undefined)?.finalizers;
        o.metadata = { ...old.metadata };
        o.spec = { ...(old.spec as object | undefined), finalizers };
        if (!finalizers) delete (o.spec as NamespaceSpec).finalizers;
        if (old.status === undefined) delete o.status;
        else o.status = old.status;
      },
      validateUpdate(o) {
        const finalizers = (o.spec as NamespaceSpec | undefined)?.finalizers ?? [];
        const out = [];
        for (const [i, f] of finalizers.entries()) {
          const problems = typeof f === "string" ? qualifiedNameProblems(f) : ["must be a string"];
          if (problems.length) out.push(invalidValue(`spec.finalizers[${i}]`, f, problems.join(",")));
        }
        return out;
      },
    },
  };
}

export function namespaceFinalizeHandler(store: ResourceStore): SubresourceHandler {
  return async (call) => {
    if (call.info.verb !== "update") throw methodNotSupported({ group: "", resource: "namespaces/finalize" }, call.info.verb);
    const { object } = await readObject(call.request, call.def);
    const updated = await store.update(undefined, call.info.name, object, writeScope(call));
    return respond(typed(call.def, updated), 200, call.format.encoding);
  };
}
