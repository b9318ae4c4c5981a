/**
 * The ServiceAccount controller (upstream pkg/controller/serviceaccount): every active namespace
 * has a `default` ServiceAccount, created with the namespace and recreated if deleted.
 * Terminating namespaces are left alone (creation there is forbidden anyway).
 */
import type { KubeObject } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";
import { Controller } from "../../plugins/kit/controller.ts";
import type { ControllerModule } from "./types.ts";

const SERVICE_ACCOUNTS = { apiVersion: "v1", resource: "serviceaccounts" };
const NAMESPACES = { apiVersion: "v1", resource: "namespaces" };
/** Upstream's --service-account list: only `default`. */
const MANAGED = ["default"];

export const serviceAccountController: ControllerModule = {
  name: "serviceaccount-controller",
  async start(ctx) {
    const namespaces = ctx.client.informer<KubeObject>(NAMESPACES);
    const accounts = ctx.client.informer<KubeObject>(SERVICE_ACCOUNTS);
    const resource = ctx.client.resource(SERVICE_ACCOUNTS);
    const controller = new Controller({
      name: "serviceaccount",
      log: ctx.log,
      workers: 2,
      async reconcile(namespace) {
        const ns = namespaces.get(namespace);
        if (!ns || ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === "Terminating") return;
        for (const name of MANAGED) {
          if (accounts.get(name, namespace)) continue;
          try {
            await resource.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } });
          } catch (err) {
            // Already there (the cache lags), or the namespace started terminating.
            if (isClientError(err, 409) || isClientError(err, 403)) continue;
            throw err;
          }
        }
      },
    });
    await Promise.all([namespaces.start(ctx.signal), accounts.start(ctx.signal)]);
    namespaces.on({ add: (ns) => controller.enqueue(ns.metadata.name!), update: (_, ns) => controller.enqueue(ns.metadata.name!) });
    accounts.on({ delete: (sa) => MANAGED.includes(sa.metadata.name!) && controller.enqueue(sa.metadata.namespace!) });
    void controller.start(ctx.signal);
  },
};
