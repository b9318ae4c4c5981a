/**
 * CBOR for the Kubernetes API (KEP-4222, `application/cbor`; watch as `application/cbor-seq`),
 * with cbor-x: maps with text keys decoded as plain objects, no record extension, byte strings
 * as Uint8Array, and the self-described CBOR tag (55799) in front of every top-level item as
 * Kubernetes' serializer writes it and expects it.
 */
// The pure-JS entry: the package's main entry loads a native addon that crashes Deno 2.
import { Encoder } from "cbor-x/encode";

const SELF_DESCRIBED = new Uint8Array([0xd9, 0xd9, 0xf7]);

const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, largeBigIntToFloat: false });
const decoder = new Encoder({ useRecords: false, mapsAsObjects: true });

export function encodeCbor(value: unknown): Uint8Array {
  const body = encoder.encode(value);
  const out = new Uint8Array(SELF_DESCRIBED.length + body.length);
  out.set(SELF_DESCRIBED, 0);
  out.set(body, SELF_DESCRIBED.length);
  return out;
}

export function decodeCbor(bytes: Uint8Array): unknown {
  const start = bytes.length >= 3 && bytes[0] === 0xd9 && bytes[1] === 0xd9 && bytes[2] === 0xf7 ? 3 : 0;
  return decoder.decode(bytes.subarray(start));
}
