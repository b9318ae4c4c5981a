/**
 * The hash that names a Deployment's ReplicaSets (`web-5d9c7f6b8`, label pod-template-hash) and
 * a StatefulSet's ControllerRevisions, as upstream builds it: FNV-32a over the template, then the
 * collision count (4 little-endian bytes padded to 8), printed in decimal and passed through
 * SafeEncodeString (a vowel-free alphabet, so that no name spells a word).
 *
 * Upstream hashes spew's dump of the Go struct, which cannot be reproduced outside Go; we hash
 * the template's canonical JSON (sorted keys) instead. Nothing outside the controller recomputes
 * the hash — kubectl reads the label and compares templates ignoring it — so only the format and
 * the stability across restarts matter, and both hold.
 */

const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

/** rand.SafeEncodeString: each byte of s mapped into the vowel-free alphabet. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-32a, continuing from `hash` (so that data can be fed in pieces, like hash.Hash32.Write). */
export function fnv32a(bytes: Uint8Array, hash = FNV_OFFSET): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** FNV-32 (multiply, then xor): what controller_history.HashControllerRevision uses. */
export function fnv32(bytes: Uint8Array, hash = FNV_OFFSET): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h = Math.imul(h, FNV_PRIME) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h >>> 0;
}

/** JSON with object keys sorted at every level, so that equal objects hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(",")}}`;
}

const encoder = new TextEncoder();

/** Hashes raw bytes plus the collision count (controller_history.HashControllerRevision's tail). */
export function hashBytes(bytes: Uint8Array, collisionCount?: number): string {
  let h = fnv32a(bytes);
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return safeEncodeString(String(h));
}

/** controller.ComputeHash: the pod-template-hash of a pod template. */
export function computeHash(template: unknown, collisionCount?: number): string {
  return hashBytes(encoder.encode(canonicalJson(template ?? {})), collisionCount);
}
