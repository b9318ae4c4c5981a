/**
 * The root CA publisher (upstream pkg/controller/certificates/rootcacertpublisher): a ConfigMap
 * `kube-root-ca.crt` in every active namespace, key `ca.crt`, holding the CA that pods use to
 * trust the API server (projected into every ServiceAccount token volume). Kept as it should be:
 * recreated if deleted, its data and description annotation put back if changed.
 */
import type { KubeObject } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";
import { Controller } from "../../plugins/kit/controller.ts";
import type { ControllerModule } from "./types.ts";

const CONFIG_MAPS = { apiVersion: "v1", resource: "configmaps" };
const NAMESPACES = { apiVersion: "v1", resource: "namespaces" };
export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
const DESCRIPTION_ANNOTATION = "kubernetes.io/description";
const DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

type ConfigMap = KubeObject & { data?: Record<string, string> };

export const rootCaPublisher: ControllerModule = {
  name: "root-ca-cert-publisher",
  async start(ctx) {
    const ca = ctx.config.rootCaPem;
    if (!ca) {
      ctx.log.warn("no root CA in the cluster config: kube-root-ca.crt is not published");
      return;
    }
    const namespaces = ctx.client.informer<KubeObject>(NAMESPACES);
    // Only the one ConfigMap per namespace, not every ConfigMap of the cluster.
    const maps = ctx.client.informer<ConfigMap>(CONFIG_MAPS, { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` });
    const resource = ctx.client.resource<ConfigMap>(CONFIG_MAPS);
    const controller = new Controller({
      name: "root-ca-cert-publisher",
      log: ctx.log,
      workers: 2,
      async reconcile(namespace) {
        const ns = namespaces.get(namespace);
        if (!ns || ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === "Terminating") return;
        const existing = maps.get(ROOT_CA_CONFIGMAP, namespace);
        try {
          if (!existing) {
            await resource.create({
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
              data: { "ca.crt": ca },
            });
            return;
          }
          const data = existing.data ?? {};
          const current = Object.keys(data).length === 1 && data["ca.crt"] === ca && existing.metadata.annotations?.[DESCRIPTION_ANNOTATION] === DESCRIPTION;
          if (current) return;
          await resource.update({
            ...existing,
            metadata: { ...existing.metadata, annotations: { ...existing.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
            data: { "ca.crt": ca },
          });
        } catch (err) {
          // Created meanwhile, or the namespace started terminating: the next event decides.
          if (isClientError(err, 409) || isClientError(err, 403)) return;
          throw err;
        }
      },
    });
    await Promise.all([namespaces.start(ctx.signal), maps.start(ctx.signal)]);
    namespaces.on({ add: (ns) => controller.enqueue(ns.metadata.name!), update: (_, ns) => controller.enqueue(ns.metadata.name!) });
    maps.on({ update: (_, cm) => controller.enqueue(cm.metadata.namespace!), delete: (cm) => controller.enqueue(cm.metadata.namespace!) });
    void controller.start(ctx.signal);
  },
};
