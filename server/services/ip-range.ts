/**
 * The service CIDR as an allocation range, after upstream's ipallocator (pkg/registry/core/
 * service/ipallocator): the network address is never handed out, nor the IPv4 broadcast
 * address; an IPv6 range is capped at 65,536 addresses. Addresses are bigints so that IPv4 and
 * IPv6 share the arithmetic.
 */
export type IPFamily = "IPv4" | "IPv6";

export interface ParsedIP {
  family: IPFamily;
  value: bigint;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseIP(text: string): ParsedIP | undefined {
  if (IPV4.test(text)) {
    return { family: "IPv4", value: text.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  }
  if (!text.includes(":") || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIP(p);
        if (!v4 || v4.family !== "IPv4") return undefined;
        out.push(Number(v4.value >> 16n), Number(v4.value & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return { family: "IPv6", value: all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

/** Canonical text: dotted quad, or RFC 5952 (the longest run of zero groups as "::"). */
export function formatIP(value: bigint, family: IPFamily): string {
  if (family === "IPv4") return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

export interface IPRange {
  /** The CIDR as configured (canonical), for messages. */
  cidr: string;
  family: IPFamily;
  /** How many addresses can be handed out. */
  size: number;
  /** The lower band kept for requested addresses: dynamic allocation takes it last. */
  staticSize: number;
  /** The offset of `ip` within the range, or undefined when it is not in it. */
  offsetOf(ip: string): number | undefined;
  /** The address at `offset`. */
  at(offset: number): string;
}

/** upstream's calculateRangeOffset: min(max(16, size/16), 256); 0 for tiny ranges. */
function staticBand(cidrSize: bigint): number {
  if (cidrSize <= 16n) return 0;
  const offset = cidrSize / 16n;
  return Number(offset < 16n ? 16n : offset > 256n ? 256n : offset);
}

/** Parses "10.43.0.0/16"; throws with the reason when it is not a usable CIDR. */
export function serviceIPRange(text: string): IPRange {
  const slash = text.indexOf("/");
  const ip = slash > 0 ? parseIP(text.slice(0, slash)) : undefined;
  const prefix = slash > 0 && /^\d{1,3}$/.test(text.slice(slash + 1)) ? Number(text.slice(slash + 1)) : NaN;
  const bits = ip?.family === "IPv4" ? 32 : 128;
  if (!ip || !(prefix >= 0 && prefix <= bits)) throw new Error(`invalid CIDR address: ${text}`);
  const hostBits = BigInt(bits - prefix);
  const network = (ip.value >> hostBits) << hostBits;
  const cidrSize = 1n << hostBits;
  // The network address is never used; nor the IPv4 broadcast address.
  let size = cidrSize - 1n - (ip.family === "IPv4" ? 1n : 0n);
  if (ip.family === "IPv6" && size > 65536n) size = 65536n;
  if (size < 1n) throw new Error(`the service CIDR ${text} has no addresses to allocate`);
  const base = network + 1n;
  const family = ip.family;
  const end = base + size;
  return {
    cidr: `${formatIP(network, family)}/${prefix}`,
    family,
    size: Number(size),
    staticSize: staticBand(cidrSize),
    offsetOf(candidate) {
      const p = parseIP(candidate);
      if (!p || p.family !== family || p.value < base || p.value >= end) return undefined;
      return Number(p.value - base);
    },
    at: (offset) => formatIP(base + BigInt(offset), family),
  };
}

/** The first address of the range: the `kubernetes` Service's (10.43.0.1 for 10.43.0.0/16). */
export function firstServiceIP(range: IPRange): string {
  return range.at(0);
}
