/**
 * discovery.k8s.io/v1 EndpointSlice: the addresses behind a Service, in slices of one address
 * type. Generation follows changes to endpoints, ports and addressType (upstream's strategy);
 * the table shows up to three ports and endpoints, then "+ N more...".
 */
import type { StatusCause } from "../../api/status.ts";
import type { KubeObject } from "../../storage/object.ts";
import { immutable, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import type { ResourceDefinition } from "../types.ts";
import { defineKind } from "./define.ts";
import { isObj } from "./workload-validation.ts";

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map((x) => (isObj(x) ? x : {})) : []);

const ADDRESS_TYPES = ["IPv4", "IPv6", "FQDN"];
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 100;
const MAX_ADDRESSES = 100;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
function isIPv6(s: string): boolean {
  try {
    return s.includes(":") && new URL(`http://[${s}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

/** field.TooMany. */
function tooMany(field: string, actual: number, max: number): StatusCause {
  return { reason: "FieldValueTooMany", message: `Too many: ${actual}: must have at most ${max} items`, field };
}

/** SetDefaults_EndpointPort: an unnamed port is named "", the protocol is TCP. */
function defaultEndpointSlice(o: KubeObject): void {
  for (const p of list(o.ports)) {
    p.name ??= "";
    p.protocol ??= "TCP";
  }
}

function validateEndpointSlice(o: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const type = o.addressType;
  if (!type) out.push(required("addressType"));
  else if (!ADDRESS_TYPES.includes(String(type))) out.push(notSupported("addressType", type, ADDRESS_TYPES));
  const endpoints = list(o.endpoints);
  if (endpoints.length > MAX_ENDPOINTS) out.push(tooMany("endpoints", endpoints.length, MAX_ENDPOINTS));
  endpoints.forEach((e, i) => {
    const addresses = Array.isArray(e.addresses) ? e.addresses : [];
    if (addresses.length === 0) out.push(required(`endpoints[${i}].addresses`, "must contain at least 1 address"));
    else if (addresses.length > MAX_ADDRESSES) out.push(tooMany(`endpoints[${i}].addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a: unknown, j: number) => {
      const at = `endpoints[${i}].addresses[${j}]`;
      const s = String(a);
      if (type === "IPv4" && !IPV4.test(s)) out.push(invalidValue(at, a, "must be a valid IPv4 address"));
      if (type === "IPv6" && !isIPv6(s)) out.push(invalidValue(at, a, "must be a valid IPv6 address"));
    });
  });
  const ports = list(o.ports);
  if (ports.length > MAX_PORTS) out.push(tooMany("ports", ports.length, MAX_PORTS));
  ports.forEach((p, i) => {
    const port = p.port;
    if (port !== undefined && port !== null && !(typeof port === "number" && Number.isInteger(port) && port >= 0 && port <= 65535)) {
      out.push(invalidValue(`ports[${i}].port`, port, "must be between 0 and 65535, inclusive"));
    }
    if (p.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(String(p.protocol))) out.push(notSupported(`ports[${i}].protocol`, p.protocol, ["SCTP", "TCP", "UDP"]));
  });
  return out;
}

/** Up to three items, then "+ N more..."; "<unset>" when there are none (listWithMoreString). */
function listWithMore(items: string[]): string {
  if (items.length === 0) return "<unset>";
  const shown = items.slice(0, 3).join(",");
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

export function endpointSlicePorts(o: KubeObject): string {
  return listWithMore(list(o.ports).map((p) => (typeof p.port === "number" ? String(p.port) : typeof p.name === "string" && p.name !== "" ? p.name : "*")));
}

export function endpointSliceEndpoints(o: KubeObject): string {
  return listWithMore(list(o.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(String) : [])));
}

export const endpointslices: ResourceDefinition = defineKind({
  group: "discovery.k8s.io",
  version: "v1",
  kind: "EndpointSlice",
  resource: "endpointslices",
  namespaced: true,
  modelName: "V1EndpointSlice",
  strategy: {
    generation: "all-but-metadata-and-status",
    defaults: defaultEndpointSlice,
    validate: validateEndpointSlice,
    validateUpdate: (o, old) => [...validateEndpointSlice(o), ...(o.addressType === old.addressType ? [] : [immutable("addressType", o.addressType)])],
  },
  columns: [
    { name: "AddressType", description: "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.", cell: (o) => String(o.addressType ?? "") },
    { name: "Ports", description: "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports.", cell: endpointSlicePorts },
    { name: "Endpoints", description: "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.", cell: endpointSliceEndpoints },
  ],
});
