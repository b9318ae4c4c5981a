/**
 * core/v1 LimitRange and ResourceQuota: quantity checks and the tables kubectl prints. Enforcing
 * them (the LimitRanger and ResourceQuota admission plugins, the quota controller filling
 * status.used) is admission's and a controller's work, not the registry's.
 */
import type { StatusCause } from "../../api/status.ts";
import { age } from "../../api/human-duration.ts";
import type { KubeObject } from "../../storage/object.ts";
import { duplicate, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { parseQuantity, QUANTITY_MESSAGE, quantitySign } from "../validation/quantity.ts";
import type { ResourceDefinition } from "../types.ts";
import { defineKind } from "./define.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map((x) => (isObj(x) ? x : {})) : []);

function validateQuantities(values: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isObj(values)) return out;
  for (const [name, raw] of Object.entries(values)) {
    const q = parseQuantity(raw);
    if (!q) out.push(invalidValue(`${path}[${name}]`, raw, QUANTITY_MESSAGE));
    else if (quantitySign(q) < 0) out.push(invalidValue(`${path}[${name}]`, raw, "must be greater than or equal to 0"));
  }
  return out;
}

const LIMIT_QUANTITY_FIELDS = ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"];

function validateLimitRange(lr: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const types = new Set<string>();
  list((lr.spec as Obj | undefined)?.limits).forEach((limit, i) => {
    const at = `spec.limits[${i}]`;
    if (!limit.type) out.push(required(`${at}.type`));
    else {
      if (types.has(String(limit.type))) out.push(duplicate(`${at}.type`, limit.type));
      types.add(String(limit.type));
    }
    for (const f of LIMIT_QUANTITY_FIELDS) out.push(...validateQuantities(limit[f], `${at}.${f}`));
    if (limit.type === "Pod" && (limit.default !== undefined || limit.defaultRequest !== undefined)) {
      out.push(invalidValue(`${at}.default`, limit.default ?? limit.defaultRequest, "may not be specified when `type` is 'Pod'"));
    }
  });
  return out;
}

export const limitranges: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "LimitRange",
  resource: "limitranges",
  shortNames: ["limits"],
  namespaced: true,
  modelName: "V1LimitRange",
  strategy: { generation: "none", validate: validateLimitRange },
  noAge: true,
  columns: [{ name: "Created At", type: "date", description: "CreationTimestamp is a timestamp representing the server time when this object was created.", cell: (o) => o.metadata.creationTimestamp }],
});

const QUOTA_SCOPES = ["BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating"];

function validateResourceQuota(rq: KubeObject): StatusCause[] {
  const spec = (isObj(rq.spec) ? rq.spec : {}) as Obj;
  const out = validateQuantities(spec.hard, "spec.hard");
  const scopes = Array.isArray(spec.scopes) ? spec.scopes : [];
  scopes.forEach((s) => {
    if (!QUOTA_SCOPES.includes(String(s))) out.push(notSupported("spec.scopes", s, QUOTA_SCOPES));
  });
  const status = (isObj(rq.status) ? rq.status : {}) as Obj;
  out.push(...validateQuantities(status.hard, "status.hard"), ...validateQuantities(status.used, "status.used"));
  return out;
}

/** REQUEST and LIMIT: "name: used/hard" for each hard limit, the limits.* ones in LIMIT. */
export function quotaColumns(rq: KubeObject): { request: string; limit: string } {
  const status = (isObj(rq.status) ? rq.status : {}) as { hard?: Record<string, string>; used?: Record<string, string> };
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(status.hard ?? {}).sort()) {
    const text = `${name}: ${status.used?.[name] ?? "0"}/${status.hard![name]}`;
    const parts = name.split(".");
    (parts.length > 1 && parts[0] === "limits" ? limit : request).push(text);
  }
  return { request: request.join(", "), limit: limit.join(", ") };
}

export const resourcequotas: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "ResourceQuota",
  resource: "resourcequotas",
  shortNames: ["quota"],
  namespaced: true,
  modelName: "V1ResourceQuota",
  statusSubresource: true,
  strategy: {
    generation: "none",
    prepareForCreate(rq) {
      rq.status = {};
    },
    validate: validateResourceQuota,
  },
  noAge: true,
  // NAME AGE REQUEST LIMIT: upstream puts AGE second here.
  columns: [
    { name: "Age", description: "CreationTimestamp is a timestamp representing the server time when this object was created.", cell: (o) => age(o.metadata.creationTimestamp) },
    { name: "Request", description: "Request represents a minimum amount of cpu/memory that a container may consume.", cell: (o) => quotaColumns(o).request },
    { name: "Limit", description: "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.", cell: (o) => quotaColumns(o).limit },
  ],
});
