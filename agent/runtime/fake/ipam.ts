/**
 * Pod IPs for a simulated node, as CNI's host-local plugin hands them out: from the node's pod
 * CIDR, the first address kept for the bridge (gateway), the network and broadcast addresses
 * never used, allocation continuing after the last address given out (so that a released IP is
 * not reused at once), and release on sandbox teardown. IPv4 only: a simulated node needs no more.
 */
export class HostLocalIpam {
  readonly cidr: string;
  readonly #base: number;
  readonly #size: number;
  readonly #used = new Map<number, string>();
  #last: number;

  constructor(cidr: string) {
    const [ip, bitsText] = cidr.split("/");
    const bits = Number(bitsText);
    const base = parseIPv4(ip);
    if (base === undefined || !Number.isInteger(bits) || bits < 1 || bits > 30) {
      throw new Error(`the fake runtime's IPAM takes an IPv4 CIDR of /1 to /30, not ${JSON.stringify(cidr)}`);
    }
    this.cidr = cidr;
    this.#size = 2 ** (32 - bits);
    this.#base = base - (base % this.#size);
    // Offsets 0 (network), 1 (gateway) and size-1 (broadcast) are never allocated.
    this.#last = 1;
  }

  get gateway(): string {
    return formatIPv4(this.#base + 1);
  }

  get allocated(): number {
    return this.#used.size;
  }

  /** The next free address for `owner` (a sandbox ID); throws when the range is full. */
  allocate(owner: string): string {
    const usable = this.#size - 3;
    for (let i = 0; i < usable; i++) {
      let offset = this.#last + 1 + i;
      offset = 2 + ((offset - 2) % usable);
      if (!this.#used.has(offset)) {
        this.#used.set(offset, owner);
        this.#last = offset;
        return formatIPv4(this.#base + offset);
      }
    }
    throw new Error(`no IP addresses available in range set: ${this.cidr}`);
  }

  release(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined) this.#used.delete(n - this.#base);
  }
}

export function parseIPv4(text: string | undefined): number | undefined {
  const parts = (text ?? "").split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}
