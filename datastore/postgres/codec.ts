/**
 * Values are stored CBOR-encoded (cbor-x) in bytea columns: compact, fast, and unlike JSON it
 * keeps Uint8Array values as bytes.
 */
import { Encoder } from "cbor-x";

// Plain CBOR: no record extension (other readers of the database should be able to decode it)
// and maps come back as plain objects.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });

export function encodeValue(value: unknown): Uint8Array {
  return encoder.encode(value);
}

export function decodeValue(bytes: Uint8Array): unknown {
  return encoder.decode(bytes);
}
