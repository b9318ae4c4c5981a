/**
 * serviceaccounts/token (TokenRequest, authentication.k8s.io/v1): a signed ServiceAccount JWT
 * for the named account, bound to a pod or secret when the request says so, as `kubectl create
 * token` and the kubelet's projected volumes ask for it. The token lives as long as the request
 * asks (10 minutes at least, one hour by default), within the account's and bound object's life.
 */
import type { ServiceAccountTokenSigner } from "../../auth/serviceaccount-jwt.ts";
import { signServiceAccountToken } from "../../auth/serviceaccount-jwt.ts";
import type { KubeObject } from "../../storage/object.ts";
import type { SubresourceHandler } from "../app.ts";
import { respond } from "../respond.ts";
import { invalid, methodNotSupported, notFound, type StatusCause } from "../status.ts";
import { readObject } from "./body.ts";

const MIN_SECONDS = 600;
const DEFAULT_SECONDS = 3600;

interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
}

export function tokenRequestHandler(signer: () => ServiceAccountTokenSigner): SubresourceHandler {
  return async (call) => {
    const { info, services, store, def } = call;
    if (info.verb !== "create") throw methodNotSupported({ group: "authentication.k8s.io", resource: "tokenrequests" }, info.verb);
    const { object } = await readObject(call.request, def, { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest" });
    const spec = (object.spec ?? {}) as TokenRequestSpec;
    const account = await store.get(info.namespace, info.name);
    const causes: StatusCause[] = [];
    const seconds = spec.expirationSeconds ?? DEFAULT_SECONDS;
    if (!Number.isInteger(seconds) || seconds < MIN_SECONDS) {
      causes.push({ reason: "FieldValueInvalid", field: "spec.expirationSeconds", message: `Invalid value: ${seconds}: may not specify a duration less than 10 minutes` });
    }
    if (seconds > 2 ** 32) causes.push({ reason: "FieldValueInvalid", field: "spec.expirationSeconds", message: `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds` });
    if (causes.length) throw invalid("TokenRequest", "authentication.k8s.io", info.name, causes);
    const s = signer();
    const audiences = spec.audiences?.length ? spec.audiences : [s.issuer];
    let bound: { pod?: { name: string; uid: string }; secret?: { name: string; uid: string } } = {};
    const ref = spec.boundObjectRef;
    if (ref?.name) {
      const resource = ref.kind === "Pod" ? "pods" : ref.kind === "Secret" ? "secrets" : undefined;
      if (!resource) throw invalid("TokenRequest", "authentication.k8s.io", info.name, [{ reason: "FieldValueNotSupported", field: "spec.boundObjectRef.kind", message: `Unsupported value: "${ref.kind}": supported values: "Pod", "Secret"` }]);
      const boundDef = services.catalog.get("", "v1", resource);
      const target: KubeObject | undefined = boundDef ? await services.storeFor(boundDef).get(info.namespace, ref.name).catch(() => undefined) : undefined;
      if (!target) throw notFound({ group: "", resource }, ref.name);
      if (ref.uid && ref.uid !== target.metadata.uid) {
        throw invalid("TokenRequest", "authentication.k8s.io", info.name, [{ reason: "FieldValueInvalid", field: "spec.boundObjectRef.uid", message: `Invalid value: "${ref.uid}": the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated` }]);
      }
      bound = { [ref.kind === "Pod" ? "pod" : "secret"]: { name: ref.name, uid: target.metadata.uid! } };
    }
    const now = new Date();
    const token = await signServiceAccountToken(s, {
      namespace: info.namespace,
      name: info.name,
      uid: account.metadata.uid!,
      audiences,
      expirationSeconds: seconds,
      ...bound,
      now,
    });
    const expiration = new Date(now.getTime() + seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    return respond({
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { name: info.name, namespace: info.namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds: seconds, ...(ref ? { boundObjectRef: ref } : {}) },
      status: { token, expirationTimestamp: expiration },
    }, 201, call.format.encoding);
  };
}
