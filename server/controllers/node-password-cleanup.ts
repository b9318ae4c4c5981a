/**
 * Deletes a node's password entry (kube-system/<node>.node-password.k3ts, see
 * server/join/node-password.ts) when its Node is deleted, as k3s's node controller does on
 * remove. Without it, `kubectl delete node x` followed by a reinstalled machine joining as x
 * would be refused as a duplicate name, and the entries of retired nodes would pile up.
 *
 * Only a Node's deletion triggers it, never the mere absence of a Node: an agent stores its
 * password when it asks for credentials, before its kubelet has registered the Node, and that
 * window must not lose the entry. An entry whose Node was deleted while no server ran stays
 * until `kubectl -n kube-system delete secret <node>.node-password.k3ts`.
 */
import type { KubeObject } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";
import { Controller } from "../../plugins/kit/controller.ts";
import { NODE_PASSWORD_NAMESPACE, nodePasswordSecretName } from "../join/node-password.ts";
import type { ControllerModule } from "./types.ts";

export const nodePasswordCleanupController: ControllerModule = {
  name: "node-password-cleanup-controller",
  async start(ctx) {
    const nodes = ctx.client.informer<KubeObject>({ apiVersion: "v1", resource: "nodes" });
    const secrets = ctx.client.resource<KubeObject>({ apiVersion: "v1", resource: "secrets" });

    const controller = new Controller({
      name: "node-password-cleanup",
      log: ctx.log,
      maxRetries: 10,
      async reconcile(nodeName) {
        // Re-created under the same name since (the agent registered again): keep its entry.
        if (nodes.get(nodeName)) return;
        try {
          await secrets.delete(nodePasswordSecretName(nodeName), NODE_PASSWORD_NAMESPACE);
          ctx.log.info("node password entry removed with its node", { node: nodeName });
        } catch (err) {
          if (!isClientError(err, 404)) throw err;
        }
      },
    });

    await nodes.start(ctx.signal);
    nodes.on({ delete: (node) => controller.enqueue(node.metadata.name!) });
    void controller.start(ctx.signal);
  },
};
