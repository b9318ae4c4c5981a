/**
 * core/v1 Pod: what the ServiceAccount admission plugin adds to a new pod, given its
 * ServiceAccount (the API server looks it up: see ResourceStoreHooks.mutate).
 */
import type { KubeObject } from "../../storage/object.ts";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

const SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
/** utilrand.String's alphabet (no vowels, no confusable characters). */
const RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
/** The token lifetime upstream's admission asks for: an hour and 7 s, so that it is told apart from user requests. */
const SA_TOKEN_SECONDS = 3607;

/** The fields of a ServiceAccount that its pods take. */
export interface ServiceAccountJson {
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: Array<{ name?: string }>;
}

/**
 * What upstream's ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount) does to a
 * new pod, given its ServiceAccount (`serviceAccount`, undefined when it does not exist; upstream
 * refuses such a pod, k3ts lets it in, since its controllers may create the ServiceAccount a
 * moment later):
 *  - the ServiceAccount's imagePullSecrets, when the pod names none;
 *  - unless automountServiceAccountToken is false (the pod's own field, else the
 *    ServiceAccount's), a projected volume `kube-api-access-<5 random>` — a bound token, the
 *    cluster CA from the kube-root-ca.crt ConfigMap and the namespace — mounted read-only at
 *    /var/run/secrets/kubernetes.io/serviceaccount in every container that does not mount
 *    something there itself.
 * Mirror pods are left alone.
 */
export function admitPodServiceAccount(pod: KubeObject, serviceAccount: ServiceAccountJson | undefined): void {
  if (!isObj(pod.spec)) return;
  const spec = pod.spec;
  const annotations = isObj(pod.metadata.annotations) ? pod.metadata.annotations : {};
  if ("kubernetes.io/config.mirror" in annotations) return;
  const pullSecrets = (serviceAccount?.imagePullSecrets ?? []).filter((s) => typeof s?.name === "string" && s.name);
  if (objects(spec.imagePullSecrets).length === 0 && pullSecrets.length > 0) spec.imagePullSecrets = pullSecrets.map((s) => ({ name: s.name }));
  const automount = typeof spec.automountServiceAccountToken === "boolean" ? spec.automountServiceAccountToken : serviceAccount?.automountServiceAccountToken !== false;
  if (automount) mountServiceAccountToken(spec);
}

function mountServiceAccountToken(spec: Obj): void {
  const containers = [...objects(spec.initContainers), ...objects(spec.containers), ...objects(spec.ephemeralContainers)];
  const needing = containers.filter((c) => !objects(c.volumeMounts).some((m) => m.mountPath === SA_MOUNT_PATH || m.mountPath === SA_MOUNT_PATH + "/"));
  if (needing.length === 0) return;
  const volumes = objects(spec.volumes);
  let name = volumes.find((v) => typeof v.name === "string" && v.name.startsWith("kube-api-access-") && isObj(v.projected))?.name as string | undefined;
  if (!name) {
    const bytes = crypto.getRandomValues(new Uint8Array(5));
    name = "kube-api-access-" + Array.from(bytes, (b) => RAND_ALPHABET[b % RAND_ALPHABET.length]).join("");
    spec.volumes = [...(Array.isArray(spec.volumes) ? spec.volumes : []), {
      name,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: SA_TOKEN_SECONDS, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
        ],
      },
    }];
  }
  for (const c of needing) c.volumeMounts = [...(Array.isArray(c.volumeMounts) ? c.volumeMounts : []), { name, readOnly: true, mountPath: SA_MOUNT_PATH }];
}
