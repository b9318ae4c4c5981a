/**
 * Value encoding: CBOR (cbor-x), which keeps Uint8Array as bytes and is compact and fast.
 *
 * Imported through the `cbor-x/encode` entry on purpose: the package's main Node entry loads
 * the optional native `cbor-extract` addon, which crashes Deno 2 with a symbol lookup error
 * (it is linked against Node's V8). The pure-JS entry behaves the same on both runtimes.
 */
import { Encoder } from "cbor-x/encode";

// Plain maps, no records extension: the bytes stay readable by any CBOR decoder.
const codec = new Encoder({ useRecords: false, mapsAsObjects: true });

export function encodeValue(value: unknown): Uint8Array {
  return codec.encode(value);
}

export function decodeValue(bytes: Uint8Array): unknown {
  return codec.decode(bytes);
}
