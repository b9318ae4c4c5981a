/**
 * core/v1 kinds that hold configuration: Namespace, ConfigMap, Secret, ServiceAccount.
 */
import type { KubeObject } from "../../storage/object.ts";
import { invalidValue, notSupported } from "../validation/field-errors.ts";
import { dns1123Label } from "../validation/names.ts";
import type { ResourceDefinition } from "../types.ts";
import { countKeys, defineKind } from "./define.ts";

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

function validateDataKeys(object: KubeObject, fields: string[]) {
  const causes = [];
  for (const f of fields) {
    const m = object[f];
    if (m === undefined || m === null) continue;
    if (typeof m !== "object" || Array.isArray(m)) {
      causes.push(invalidValue(f, m, "must be a map"));
      continue;
    }
    for (const k of Object.keys(m)) {
      if (!CONFIG_KEY.test(k) || k.length > 253) {
        causes.push(invalidValue(`${f}`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      }
    }
  }
  return causes;
}

export const namespaces: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "Namespace",
  resource: "namespaces",
  shortNames: ["ns"],
  nameCheck: dns1123Label,
  namespaced: false,
  modelName: "V1Namespace",
  statusSubresource: true,
  otherSubresources: [{ name: "finalize", kind: "Namespace", verbs: ["update"] }],
  strategy: {
    generation: "none",
    prepareForCreate(o) {
      o.status = { phase: "Active" };
      const spec = (o.spec ??= {}) as { finalizers?: string[] };
      spec.finalizers ??= ["kubernetes"];
    },
    prepareForUpdate(o, old) {
      // spec.finalizers only change through the finalize subresource.
      o.spec = old.spec;
    },
    // Deleting a namespace starts its termination: the namespace controller empties it and
    // removes "kubernetes" from spec.finalizers (the finalize subresource), which ends the delete.
    prepareForDelete(o) {
      o.status = { ...(o.status as object | undefined), phase: "Terminating" };
    },
    deletionHeld: (o) => ((o.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) > 0,
  },
  columns: [{ name: "Status", description: "The status of the namespace", cell: (o) => (o.status as { phase?: string } | undefined)?.phase ?? "" }],
});

export const configmaps: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "ConfigMap",
  resource: "configmaps",
  shortNames: ["cm"],
  namespaced: true,
  modelName: "V1ConfigMap",
  strategy: {
    generation: "none",
    validate: (o) => validateDataKeys(o, ["data", "binaryData"]),
  },
  columns: [{ name: "Data", type: "integer", cell: (o) => countKeys(o.data, o.binaryData) }],
});

const SECRET_TYPES_WITH_KEYS: Record<string, string[]> = {
  "kubernetes.io/service-account-token": [],
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/basic-auth": [],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
};

export const secrets: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "Secret",
  resource: "secrets",
  namespaced: true,
  modelName: "V1Secret",
  strategy: {
    generation: "none",
    defaults(o) {
      o.type ??= "Opaque";
      // stringData is write-only: merged into data (base64) and dropped, as upstream does.
      const stringData = o.stringData as Record<string, string> | undefined;
      if (stringData && typeof stringData === "object") {
        const data = { ...((o.data as Record<string, string>) ?? {}) };
        for (const [k, v] of Object.entries(stringData)) data[k] = btoa(String.fromCharCode(...new TextEncoder().encode(String(v))));
        o.data = data;
        delete o.stringData;
      }
    },
    validate(o) {
      const causes = validateDataKeys(o, ["data"]);
      const data = (o.data ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(data)) {
        if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) causes.push(invalidValue(`data[${k}]`, "<secret contents redacted>", "must be base64-encoded"));
      }
      const required = SECRET_TYPES_WITH_KEYS[String(o.type)];
      for (const key of required ?? []) if (!(key in data)) causes.push({ reason: "FieldValueRequired", field: `data[${key}]`, message: "Required value" });
      if (o.immutable !== undefined && typeof o.immutable !== "boolean") causes.push(notSupported("immutable", o.immutable, ["true", "false"]));
      return causes;
    },
  },
  columns: [
    { name: "Type", cell: (o) => o.type },
    { name: "Data", type: "integer", cell: (o) => countKeys(o.data) },
  ],
});

export const serviceaccounts: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "ServiceAccount",
  resource: "serviceaccounts",
  shortNames: ["sa"],
  namespaced: true,
  modelName: "V1ServiceAccount",
  otherSubresources: [{ name: "token", kind: "TokenRequest", group: "authentication.k8s.io", version: "v1", verbs: ["create"] }],
  strategy: { generation: "none" },
  columns: [{ name: "Secrets", type: "integer", cell: (o) => (Array.isArray(o.secrets) ? o.secrets.length : 0) }],
});
