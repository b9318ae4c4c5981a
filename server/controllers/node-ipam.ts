/**
 * Node IPAM (upstream pkg/controller/nodeipam, the RangeAllocator): every Node gets
 * spec.podCIDR and spec.podCIDRs, one block per cluster CIDR (--cluster-cidr, comma-separated for
 * dual stack), /24 per node by default for IPv4 (nodeCidrMaskSize) and /64 for IPv6.
 *
 * The allocation lives in memory and is rebuilt from the Nodes at every start, before anything
 * is handed out, so that a restart never gives a block twice. Blocks are taken synchronously
 * (one JavaScript turn), so concurrent node creations cannot race for one; a block is given back
 * when its node is deleted, or when writing it to the node failed.
 */
import type { KubeObject } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";
import { Controller } from "../../plugins/kit/controller.ts";
import type { ControllerModule } from "./types.ts";

const NODES = { apiVersion: "v1", resource: "nodes" };
const IPV6_NODE_MASK = 64;

type Node = KubeObject & { spec?: { podCIDR?: string; podCIDRs?: string[] } };

interface ParsedCidr {
  v6: boolean;
  base: bigint;
  prefix: number;
}

function parseIp(text: string): { v6: boolean; value: bigint } | undefined {
  if (text.includes(":")) {
    const [head, tail] = text.split("::");
    if (text.split("::").length > 2) return undefined;
    const h = head ? head.split(":") : [];
    const t = tail !== undefined ? (tail ? tail.split(":") : []) : [];
    const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
    if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return { v6: true, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
  }
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return { v6: false, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n) };
}

function formatIp(value: bigint, v6: boolean): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  // The longest run of zero groups becomes "::" (RFC 5952).
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

export function parseCidr(text: string): ParsedCidr | undefined {
  const [ip, bits] = text.trim().split("/");
  const parsed = parseIp(ip ?? "");
  const prefix = Number(bits);
  if (!parsed || !/^\d+$/.test(bits ?? "") || prefix > (parsed.v6 ? 128 : 32)) return undefined;
  const width = parsed.v6 ? 128n : 32n;
  const hostBits = width - BigInt(prefix);
  return { v6: parsed.v6, base: (parsed.value >> hostBits) << hostBits, prefix };
}

/** The blocks of one cluster CIDR: block i is base + i << (width - nodeMask). */
export class CidrSet {
  readonly cluster: ParsedCidr;
  readonly nodeMask: number;
  readonly size: number;
  readonly #used = new Set<number>();
  #next = 0;

  constructor(clusterCidr: string, nodeMask: number) {
    const cluster = parseCidr(clusterCidr);
    if (!cluster) throw new Error(`invalid cluster CIDR ${JSON.stringify(clusterCidr)}`);
    if (nodeMask < cluster.prefix) throw new Error(`node CIDR mask /${nodeMask} is larger than the cluster CIDR ${clusterCidr}`);
    if (nodeMask - cluster.prefix > 24) throw new Error(`cluster CIDR ${clusterCidr} holds too many /${nodeMask} blocks (at most 2^24)`);
    this.cluster = cluster;
    this.nodeMask = nodeMask;
    this.size = 2 ** (nodeMask - cluster.prefix);
  }

  get used(): number {
    return this.#used.size;
  }

  #shift(): bigint {
    return BigInt((this.cluster.v6 ? 128 : 32) - this.nodeMask);
  }

  format(index: number): string {
    return `${formatIp(this.cluster.base + (BigInt(index) << this.#shift()), this.cluster.v6)}/${this.nodeMask}`;
  }

  /** The block index of a CIDR, if it is one of this set's blocks. */
  indexOf(cidr: string): number | undefined {
    const c = parseCidr(cidr);
    if (!c || c.v6 !== this.cluster.v6 || c.prefix !== this.nodeMask) return undefined;
    const offset = (c.base - this.cluster.base) >> this.#shift();
    if (offset < 0n || offset >= BigInt(this.size)) return undefined;
    return Number(offset);
  }

  /** Marks a block taken (a node already has it); false if it is not one of ours. */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    this.#used.add(i);
    return true;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.#used.delete(i);
  }

  /** The next free block after the last one given (upstream's round robin), or undefined when full. */
  allocate(): string | undefined {
    for (let n = 0; n < this.size; n++) {
      const i = (this.#next + n) % this.size;
      if (this.#used.has(i)) continue;
      this.#used.add(i);
      this.#next = (i + 1) % this.size;
      return this.format(i);
    }
    return undefined;
  }
}

export const nodeIpamController: ControllerModule = {
  name: "node-ipam-controller",
  async start(ctx) {
    const sets = ctx.config.clusterCidr.split(",").filter((c) => c.trim()).map((c) => {
      const parsed = parseCidr(c);
      return new CidrSet(c, parsed?.v6 ? IPV6_NODE_MASK : ctx.config.nodeCidrMaskSize);
    });
    const nodes = ctx.client.informer<Node>(NODES);
    const resource = ctx.client.resource<Node>(NODES);
    /** What this controller believes each node holds (released when the node goes). */
    const held = new Map<string, string[]>();

    const occupy = (node: Node) => {
      const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
      if (!cidrs.length) return false;
      for (const cidr of cidrs) {
        if (!sets.some((s) => s.occupy(cidr))) ctx.log.warn("a node's pod CIDR is outside the cluster CIDR", { node: node.metadata.name, cidr });
      }
      held.set(node.metadata.name!, cidrs);
      return true;
    };
    const release = (name: string) => {
      for (const cidr of held.get(name) ?? []) for (const s of sets) s.release(cidr);
      held.delete(name);
    };

    const controller = new Controller({
      name: "node-ipam",
      log: ctx.log,
      async reconcile(name) {
        const node = nodes.get(name);
        if (!node || node.metadata.deletionTimestamp) return;
        if (held.has(name) || occupy(node)) return;
        const cidrs: string[] = [];
        for (const s of sets) {
          const cidr = s.allocate();
          if (!cidr) {
            for (const c of cidrs) for (const t of sets) t.release(c);
            ctx.events.event(node, "Normal", "CIDRNotAvailable", `Node ${name} status is now: CIDRNotAvailable`);
            throw new Error(`no pod CIDR left in ${s.format(0)}'s cluster CIDR for node ${name}`);
          }
          cidrs.push(cidr);
        }
        held.set(name, cidrs);
        try {
          // A merge patch with the resourceVersion: the write fails if someone set one meanwhile.
          await resource.patch(name, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { podCIDR: cidrs[0], podCIDRs: cidrs } }, { type: "merge" });
          ctx.log.debug("pod CIDR allocated", { node: name, cidrs });
        } catch (err) {
          release(name);
          if (isClientError(err, 404)) return;
          throw err;
        }
      },
    });

    await nodes.start(ctx.signal);
    // Rebuild first: every block a node holds is taken before any is handed out.
    for (const node of nodes.list()) occupy(node);
    nodes.on({
      add: (n) => controller.enqueue(n.metadata.name!),
      update: (_, n) => {
        if (!held.has(n.metadata.name!)) controller.enqueue(n.metadata.name!);
      },
      delete: (n) => release(n.metadata.name!),
    });
    void controller.start(ctx.signal);
  },
};
