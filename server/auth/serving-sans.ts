/**
 * Which names the API server's serving certificate must carry, and IP address normalization so
 * that "::1" and "0:0:0:0:0:0:0:1" count as the same SAN when deciding whether to re-issue.
 */
import type { SubjectAltNames } from "./certificates.ts";

export interface ServingNameOptions {
  /** This host's name (the node name). */
  hostname: string;
  /** This host's addresses (IPv4 or IPv6). */
  addresses?: string[];
  /** --cluster-domain; default cluster.local. */
  clusterDomain?: string;
  /** --service-cidr, one CIDR or a comma-separated dual-stack pair; default 10.43.0.0/16. */
  serviceCidr?: string;
  /** --tls-san values: host names or IP addresses. */
  tlsSans?: string[];
}

/** The SANs in a stable order with duplicates removed. */
export function servingSubjectAltNames(options: ServingNameOptions): SubjectAltNames {
  const domain = options.clusterDomain ?? "cluster.local";
  const serviceIps = (options.serviceCidr ?? "10.43.0.0/16").split(",").map((cidr) => firstServiceIp(cidr.trim()));
  const candidates = [
    options.hostname,
    ...(options.addresses ?? []),
    "127.0.0.1",
    "::1",
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    `kubernetes.default.svc.${domain}`,
    ...serviceIps,
    ...(options.tlsSans ?? []),
  ];
  const dnsNames = new Set<string>();
  const ipAddresses = new Set<string>();
  for (const candidate of candidates) {
    const value = candidate.trim();
    if (value === "") continue;
    const ip = normalizeIp(value);
    if (ip !== undefined) ipAddresses.add(ip);
    else dnsNames.add(value.toLowerCase());
  }
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}

/** Whether two SAN sets hold the same names, regardless of order and IP spelling. */
export function sameSubjectAltNames(a: SubjectAltNames, b: SubjectAltNames): boolean {
  const key = (s: SubjectAltNames) =>
    JSON.stringify([
      [...new Set(s.dnsNames.map((n) => n.toLowerCase()))].sort(),
      [...new Set(s.ipAddresses.map((ip) => normalizeIp(ip) ?? ip))].sort(),
    ]);
  return key(a) === key(b);
}

/**
 * The canonical text of an IP address, or undefined if `value` is not one. The WHATWG URL parser
 * is the web-standard IP parser: it compresses IPv6 and rejects malformed addresses.
 */
export function normalizeIp(value: string): string | undefined {
  if (value.includes(":")) {
    try {
      return new URL(`http://[${value}]/`).hostname.slice(1, -1);
    } catch {
      return undefined;
    }
  }
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(value)) return undefined;
  const parts = value.split(".").map(Number);
  return parts.every((p) => p <= 255) ? parts.join(".") : undefined;
}

/** The first usable address of a Service CIDR (network + 1), where the `kubernetes` Service lives. */
export function firstServiceIp(cidr: string): string {
  const [address, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  const normalized = address === undefined ? undefined : normalizeIp(address);
  if (normalized === undefined || !Number.isInteger(bits)) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const v6 = normalized.includes(":");
  const width = v6 ? 128 : 32;
  if (bits < 0 || bits > width - 1) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const value = v6 ? ipv6ToBigInt(normalized) : BigInt(normalized.split(".").reduce((n, p) => n * 256 + Number(p), 0));
  const mask = ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  const first = (value & mask) + 1n;
  if (!v6) return [24n, 16n, 8n, 0n].map((shift) => String((first >> shift) & 255n)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => ((first >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return normalizeIp(groups.join(":"))!;
}

function ipv6ToBigInt(address: string): bigint {
  const [head = "", tail] = address.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const headGroups = parse(head);
  const tailGroups = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const expand = (groups: string[]) =>
    groups.flatMap((g) => {
      if (!g.includes(".")) return [g];
      const [a = 0, b = 0, c = 0, d = 0] = g.split(".").map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const h = expand(headGroups);
  const t = expand(tailGroups);
  const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}
