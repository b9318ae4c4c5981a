/**
 * Checks for flag values: each returns undefined for a good value, or what was expected (the
 * caller names the flag and quotes the bad value). Addresses use node:net, which Deno has too.
 */
import { isIP } from "node:net";

export type ValueCheck = (value: string) => string | undefined;

export const ipAddress: ValueCheck = (value) =>
  isIP(value) ? undefined : "expected an IP address like 10.0.0.5 or fd00::5";

/** One CIDR (10.42.0.0/16), or an IPv4 and an IPv6 one separated by a comma for dual stack. */
export const cidrList: ValueCheck = (value) => {
  const parts = value.split(",");
  if (parts.length > 2 || !parts.every(isCidr)) {
    return "expected a CIDR like 10.42.0.0/16 (or an IPv4 and an IPv6 one, comma-separated)";
  }
  return undefined;
};

/** One IP, or an IPv4 and an IPv6 one separated by a comma for dual stack. */
export const ipList: ValueCheck = (value) => {
  const parts = value.split(",");
  if (parts.length > 2 || !parts.every((p) => isIP(p) !== 0)) {
    return "expected an IP address like 10.43.0.10 (or an IPv4 and an IPv6 one, comma-separated)";
  }
  return undefined;
};

function isCidr(value: string): boolean {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!match) return false;
  const version = isIP(match[1]!);
  const bits = Number(match[2]);
  return version !== 0 && bits <= (version === 4 ? 32 : 128);
}

export function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

export const portRange: ValueCheck = (value) => {
  const match = /^(\d+)-(\d+)$/.exec(value);
  const low = Number(match?.[1]);
  const high = Number(match?.[2]);
  if (!match || !isPort(low) || !isPort(high) || low > high) {
    return "expected a port range like 30000-32767 (ports 1-65535, low to high)";
  }
  return undefined;
};

/** A file mode in octal, as chmod takes it: 600, 0644. */
export const fileMode: ValueCheck = (value) =>
  /^0?[0-7]{3}$/.test(value) ? undefined : "expected an octal file mode like 600 or 0644";

/** Kubernetes node names are DNS subdomains (RFC 1123): lower case, digits, `-` and `.`. */
export const nodeName: ValueCheck = (value) =>
  value.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)
    ? undefined
    : "expected a DNS subdomain: lower case letters, digits, '-' and '.', starting and ending with a letter or digit";

/** `key=value` (the value may be empty), as --node-label takes it. */
export const nodeLabel: ValueCheck = (value) =>
  /^[^=\s]+=[^\s]*$/.test(value) ? undefined : "expected key=value, e.g. zone=edge";

/** `key[=value]:Effect`, as --node-taint takes it. */
export const nodeTaint: ValueCheck = (value) =>
  /^[^=:\s]+(=[^:\s]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/.test(value)
    ? undefined
    : "expected key=value:Effect with Effect one of NoSchedule, PreferNoSchedule, NoExecute";

export const httpsUrl: ValueCheck = (value) => {
  try {
    const url = new URL(value);
    if (url.protocol === "https:") return undefined;
  } catch {
    // fall through to the message
  }
  return "expected an https URL like https://server:6443";
};

/** sqlite://PATH (sqlite:// alone: the default file under the data dir) or postgres://… */
export const datastoreEndpoint: ValueCheck = (value) =>
  /^(sqlite:\/\/|postgres:\/\/|postgresql:\/\/)/.test(value)
    ? undefined
    : "expected sqlite://PATH or postgres://user:password@host:port/database";
