/**
 * SPDY/3 header blocks: a name/value block (a 32-bit count, then each name and value as a 32-bit
 * length and bytes; names lower-case; several values of one name joined by NUL), compressed with
 * zlib. One compression context per direction lasts the whole connection, primed with the SPDY/3
 * dictionary, and each block ends with a sync flush, so that each frame's block can be read as it
 * comes. node:zlib's streams do that (asynchronously: the session keeps frames in order).
 *
 * Under Deno, node:zlib's deflate ignores the `dictionary` option and writes a stream without
 * one (FDICT clear); that is still a valid zlib stream, and readers (Go's compress/zlib in
 * spdystream, node's inflate) take it. Its inflate does use the dictionary when the peer's
 * stream asks for it, which is what interoperating needs.
 */
import { Buffer } from "node:buffer";
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from "node:zlib";
import { SPDY3_DICTIONARY } from "./dictionary.ts";
import { SpdyProtocolError } from "./frames.ts";

/** Header names (lower-case) to their values. */
export type SpdyHeaders = Record<string, string[]>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The name/value block of headers (names lower-cased; a string value is one value). */
export function encodeNameValueBlock(headers: Record<string, string | string[]>): Uint8Array {
  const entries = Object.entries(headers).map(([name, value]) => [
    encoder.encode(name.toLowerCase()),
    encoder.encode(Array.isArray(value) ? value.join("\0") : value),
  ] as const);
  let size = 4;
  for (const [n, v] of entries) size += 8 + n.length + v.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, entries.length);
  let at = 4;
  for (const [n, v] of entries) {
    view.setUint32(at, n.length);
    out.set(n, at + 4);
    at += 4 + n.length;
    view.setUint32(at, v.length);
    out.set(v, at + 4);
    at += 4 + v.length;
  }
  return out;
}

/** Reads a (decompressed) name/value block. */
export function decodeNameValueBlock(block: Uint8Array): SpdyHeaders {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const fail = () => new SpdyProtocolError("malformed SPDY header block");
  if (block.length < 4) throw fail();
  const count = view.getUint32(0);
  const headers: SpdyHeaders = {};
  let at = 4;
  const take = (): string => {
    if (at + 4 > block.length) throw fail();
    const length = view.getUint32(at);
    if (at + 4 + length > block.length) throw fail();
    const text = decoder.decode(block.subarray(at + 4, at + 4 + length));
    at += 4 + length;
    return text;
  };
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    const values = take().split("\0");
    headers[name] = [...(headers[name] ?? []), ...values];
  }
  return headers;
}

/** The first value of a header (names are matched case-insensitively). */
export function headerValue(headers: SpdyHeaders, name: string): string | undefined {
  return headers[name.toLowerCase()]?.[0];
}

/** Compresses the header blocks of one direction of one connection. */
export interface HeaderCompressor {
  compress(block: Uint8Array): Uint8Array | Promise<Uint8Array>;
  close(): void;
}

/** Runs a node:zlib stream one sync-flushed chunk at a time, in order. */
class ZlibPump {
  readonly #z: Deflate | Inflate;
  #chain: Promise<unknown> = Promise.resolve();
  #error: Error | undefined;

  constructor(z: Deflate | Inflate) {
    this.#z = z;
    z.on("error", (err: Error) => void (this.#error ??= err));
  }

  run(input: Uint8Array): Promise<Uint8Array> {
    const next = this.#chain.then(() => new Promise<Uint8Array>((resolve, reject) => {
      if (this.#error) return reject(this.#error);
      const z = this.#z;
      const onError = (err: Error) => reject(err);
      z.once("error", onError);
      z.write(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
      z.flush(constants.Z_SYNC_FLUSH, () => {
        z.off("error", onError);
        if (this.#error) return reject(this.#error);
        // The output of the write and the flush is buffered (paused mode) by now.
        const parts: Buffer[] = [];
        for (let chunk: Buffer | null; (chunk = z.read() as Buffer | null) !== null;) parts.push(chunk);
        const out = Buffer.concat(parts);
        resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      });
    }));
    this.#chain = next.catch(() => {});
    return next;
  }

  close(): void {
    this.#z.close();
  }
}

/** zlib with the SPDY/3 dictionary, as Go's spdy framer writes (best compression). */
export class ZlibHeaderCompressor implements HeaderCompressor {
  readonly #pump = new ZlibPump(createDeflate({ dictionary: SPDY3_DICTIONARY, level: constants.Z_BEST_COMPRESSION }));
  compress(block: Uint8Array): Promise<Uint8Array> {
    return this.#pump.run(block);
  }
  close(): void {
    this.#pump.close();
  }
}

/**
 * Stored (uncompressed) deflate blocks in a zlib stream without a dictionary: valid for any
 * reader, synchronous, and a few bytes larger than the block. Each block is followed by an empty
 * stored block, as a sync flush writes: Go's inflater hands out a stored block's bytes only when
 * it meets the next block header, which must be inside the same frame.
 */
export class StoredHeaderCompressor implements HeaderCompressor {
  #started = false;
  compress(block: Uint8Array): Uint8Array {
    const chunks: Uint8Array[] = [];
    if (!this.#started) chunks.push(new Uint8Array([0x78, 0x01]));
    this.#started = true;
    for (let at = 0; at < block.length || at === 0; at += 0xffff) {
      chunks.push(stored(block.subarray(at, at + 0xffff)));
      if (block.length === 0) break;
    }
    chunks.push(stored(new Uint8Array(0)));
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
  close(): void {}
}

function stored(bytes: Uint8Array): Uint8Array {
  // BFINAL 0, BTYPE 00 (stored), then LEN and its one's complement, little-endian.
  const out = new Uint8Array(5 + bytes.length);
  out[1] = bytes.length & 0xff;
  out[2] = (bytes.length >> 8) & 0xff;
  out[3] = ~bytes.length & 0xff;
  out[4] = (~bytes.length >> 8) & 0xff;
  out.set(bytes, 5);
  return out;
}

/** Decompresses the header blocks the peer sends on one connection (dictionary or not). */
export class HeaderDecompressor {
  readonly #pump = new ZlibPump(createInflate({ dictionary: SPDY3_DICTIONARY }));
  decompress(block: Uint8Array): Promise<Uint8Array> {
    return this.#pump.run(block);
  }
  close(): void {
    this.#pump.close();
  }
}
