/**
 * admissionregistration.k8s.io/v1 Validating- and MutatingWebhookConfiguration: stored with
 * upstream's defaults and checks so that clients and installers (cert-manager, ingress-nginx
 * charts) can create them; calling the webhooks is the admission chain's job, not this file's.
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { duplicate, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import type { ResourceDefinition } from "../types.ts";
import { defineKind } from "./define.ts";
import { isObj, validateLabelSelector } from "./workload-validation.ts";

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map((x) => (isObj(x) ? x : {})) : []);

/** SetDefaults_ValidatingWebhook / MutatingWebhook, SetDefaults_Rule, SetDefaults_ServiceReference. */
function defaultWebhooks(o: KubeObject, mutating: boolean): void {
  for (const w of list(o.webhooks)) {
    w.failurePolicy ??= "Fail";
    w.matchPolicy ??= "Equivalent";
    w.namespaceSelector ??= {};
    w.objectSelector ??= {};
    w.timeoutSeconds ??= 10;
    if (mutating) w.reinvocationPolicy ??= "Never";
    for (const rule of list(w.rules)) rule.scope ??= "*";
    const service = isObj(w.clientConfig) && isObj(w.clientConfig.service) ? w.clientConfig.service : undefined;
    if (service) service.port ??= 443;
  }
}

const SIDE_EFFECTS = ["None", "NoneOnDryRun"];
const REVIEW_VERSIONS = ["v1", "v1beta1"];

function validateWebhooks(o: KubeObject, mutating: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  list(o.webhooks).forEach((w, i) => {
    const at = `webhooks[${i}]`;
    const name = typeof w.name === "string" ? w.name : "";
    if (!name) out.push(required(`${at}.name`));
    else if (name.split(".").length < 3) out.push(invalidValue(`${at}.name`, name, "should be a domain with at least three segments separated by dots"));
    if (name && seen.has(name)) out.push(duplicate(`${at}.name`, name));
    seen.add(name);
    if (!w.sideEffects) out.push(required(`${at}.sideEffects`, `must specify one of ${SIDE_EFFECTS.join(", ")}`));
    else if (!SIDE_EFFECTS.includes(String(w.sideEffects))) out.push(notSupported(`${at}.sideEffects`, w.sideEffects, SIDE_EFFECTS));
    const versions = Array.isArray(w.admissionReviewVersions) ? w.admissionReviewVersions : [];
    if (!versions.some((v: unknown) => REVIEW_VERSIONS.includes(String(v)))) out.push(required(`${at}.admissionReviewVersions`, `must specify one of ${REVIEW_VERSIONS.join(", ")}`));
    const client = isObj(w.clientConfig) ? w.clientConfig : {};
    const hasUrl = typeof client.url === "string" && client.url !== "";
    if (hasUrl === isObj(client.service)) out.push(required(`${at}.clientConfig`, "exactly one of url or service is required"));
    if (!["Ignore", "Fail"].includes(String(w.failurePolicy))) out.push(notSupported(`${at}.failurePolicy`, w.failurePolicy, ["Ignore", "Fail"]));
    if (!["Exact", "Equivalent"].includes(String(w.matchPolicy))) out.push(notSupported(`${at}.matchPolicy`, w.matchPolicy, ["Exact", "Equivalent"]));
    const timeout = w.timeoutSeconds;
    if (!(typeof timeout === "number" && timeout >= 1 && timeout <= 30)) out.push(invalidValue(`${at}.timeoutSeconds`, timeout, "the timeout value must be between 1 and 30 seconds"));
    if (mutating && !["Never", "IfNeeded"].includes(String(w.reinvocationPolicy))) out.push(notSupported(`${at}.reinvocationPolicy`, w.reinvocationPolicy, ["Never", "IfNeeded"]));
    out.push(...validateLabelSelector(w.namespaceSelector, `${at}.namespaceSelector`), ...validateLabelSelector(w.objectSelector, `${at}.objectSelector`));
  });
  return out;
}

const WEBHOOKS_COLUMN = {
  name: "Webhooks",
  type: "integer" as const,
  description: "Webhooks indicates the number of webhooks registered in this configuration",
  cell: (o: KubeObject) => list(o.webhooks).length,
};

function webhookKind(kind: string, resource: string, mutating: boolean): ResourceDefinition {
  return defineKind({
    group: "admissionregistration.k8s.io",
    version: "v1",
    kind,
    resource,
    namespaced: false,
    modelName: `V1${kind}`,
    strategy: {
      // Generation follows changes to the webhooks (there is no spec).
      generation: "all-but-metadata-and-status",
      defaults: (o) => defaultWebhooks(o, mutating),
      validate: (o) => validateWebhooks(o, mutating),
    },
    columns: [WEBHOOKS_COLUMN],
  });
}

export const mutatingwebhookconfigurations = webhookKind("MutatingWebhookConfiguration", "mutatingwebhookconfigurations", true);
export const validatingwebhookconfigurations = webhookKind("ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false);
