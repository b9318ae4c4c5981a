/**
 * A protobuf wire-format reader: just what decoding Kubernetes' proto2 messages needs (varints,
 * length-delimited fields, fixed 32/64-bit values). Errors carry the byte offset so that a bad
 * request body can be answered with a useful 400.
 */

export const WireType = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const;

/** A varint split in two unsigned 32-bit halves, so that 64-bit values lose nothing until read. */
export interface Varint64 {
  lo: number;
  hi: number;
}

export class ProtobufError extends Error {
  override name = "ProtobufError";
}

const TWO_32 = 4294967296;

export class WireReader {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a field key; field numbers are positive and fit in 29 bits. */
  tag(): { field: number; wire: number } {
    const at = this.pos;
    const key = this.uint32();
    const field = key >>> 3;
    if (field === 0) throw new ProtobufError(`protobuf: field number 0 at offset ${at}`);
    return { field, wire: key & 7 };
  }

  varint64(): Varint64 {
    let lo = 0;
    let hi = 0;
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError(`protobuf: truncated varint at offset ${start}`);
      const b = this.bytes[this.pos++]!;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >> 4;
      } else hi |= bits << (7 * i - 32);
      if ((b & 0x80) === 0) return { lo: lo >>> 0, hi: hi >>> 0 };
    }
    throw new ProtobufError(`protobuf: varint longer than 10 bytes at offset ${start}`);
  }

  /** An unsigned value that must fit in 32 bits (keys, lengths). */
  uint32(): number {
    const at = this.pos;
    const { lo, hi } = this.varint64();
    if (hi !== 0) throw new ProtobufError(`protobuf: varint at offset ${at} exceeds 32 bits`);
    return lo;
  }

  /** int32 as Go writes it: negative values are sign-extended to 10 bytes; the low half holds them. */
  int32(): number {
    return this.varint64().lo | 0;
  }

  /** int64 as a JS number: exact within ±2^53, which covers every count, size and timestamp. */
  int64(): number {
    const { lo, hi } = this.varint64();
    return (hi | 0) * TWO_32 + lo;
  }

  uint64(): number {
    const { lo, hi } = this.varint64();
    return hi * TWO_32 + lo;
  }

  bool(): boolean {
    const { lo, hi } = this.varint64();
    return lo !== 0 || hi !== 0;
  }

  /** The bounds of a length-delimited payload; the reader moves past it. */
  lengthDelimited(): [start: number, end: number] {
    const at = this.pos;
    const len = this.uint32();
    const start = this.pos;
    if (len > this.end - start) {
      throw new ProtobufError(`protobuf: length ${len} at offset ${at} runs past the end of its message (${this.end})`);
    }
    this.pos = start + len;
    return [start, start + len];
  }

  bytesField(): Uint8Array {
    const [start, end] = this.lengthDelimited();
    return this.bytes.subarray(start, end);
  }

  string(): string {
    const at = this.pos;
    try {
      return utf8.decode(this.bytesField());
    } catch (e) {
      if (e instanceof ProtobufError) throw e;
      throw new ProtobufError(`protobuf: string at offset ${at} is not valid UTF-8`);
    }
  }

  double(): number {
    return this.fixed(8).getFloat64(0, true);
  }

  float(): number {
    return this.fixed(4).getFloat32(0, true);
  }

  private fixed(size: 4 | 8): DataView {
    if (this.end - this.pos < size) throw new ProtobufError(`protobuf: truncated fixed${size * 8} at offset ${this.pos}`);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, size);
    this.pos += size;
    return view;
  }

  /** Skips a field of the given wire type (unknown fields: newer clients may send them). */
  skip(wire: number): void {
    switch (wire) {
      case WireType.varint:
        this.varint64();
        return;
      case WireType.fixed64:
        this.fixed(8);
        return;
      case WireType.lengthDelimited:
        this.lengthDelimited();
        return;
      case WireType.fixed32:
        this.fixed(4);
        return;
      default:
        // Groups are proto1-era; no Kubernetes message has them.
        throw new ProtobufError(`protobuf: unsupported wire type ${wire} at offset ${this.pos}`);
    }
  }
}

// fatal: a string field that is not UTF-8 is a malformed body, not something to paper over.
const utf8 = new TextDecoder("utf-8", { fatal: true });
