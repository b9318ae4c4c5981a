/**
 * SPDY/3.1 framing and header compression (protocols/spdy): frame round trips, byte layouts of
 * the SPDY/3 draft, the dictionary (its Adler-32 is the DICTID that zlib streams with it carry),
 * header blocks through one zlib context per direction, and the stored-block compressor.
 */
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  decodeFrame, decodeNameValueBlock, encodeFrame, encodeNameValueBlock, FLAG_FIN, type Frame, FrameReader,
  HeaderDecompressor, SPDY3_DICTIONARY, SpdyProtocolError, StoredHeaderCompressor, ZlibHeaderCompressor,
} from "../../protocols/spdy/mod.ts";

function adler32(bytes: Uint8Array): number {
  let a = 1, b = 0;
  for (const x of bytes) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("SPDY/3 dictionary", () => {
  it("is the draft's 1423 bytes, DICTID 0xe3c6a7c2", () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(adler32(SPDY3_DICTIONARY)).toBe(0xe3c6a7c2);
    expect(Buffer.from(SPDY3_DICTIONARY.subarray(0, 11)).toString("latin1")).toBe("\0\0\0\x07options");
    expect(Buffer.from(SPDY3_DICTIONARY.subarray(-6)).toString("latin1")).toBe("enq=0.");
  });
});

describe("frames", () => {
  const frames: Frame[] = [
    { type: "data", streamId: 5, flags: FLAG_FIN, data: new Uint8Array([1, 2, 3]) },
    { type: "syn_stream", streamId: 1, associatedToStreamId: 0, priority: 3, slot: 0, flags: 0, headerBlock: new Uint8Array([9, 9]) },
    { type: "syn_reply", streamId: 1, flags: FLAG_FIN, headerBlock: new Uint8Array([7]) },
    { type: "rst_stream", streamId: 3, status: 5 },
    { type: "settings", flags: 0, entries: [{ flags: 1, id: 7, value: 65536 }, { flags: 0, id: 4, value: 100 }] },
    { type: "ping", id: 1 },
    { type: "goaway", lastGoodStreamId: 7, status: 0 },
    { type: "headers", streamId: 3, flags: 0, headerBlock: new Uint8Array([1]) },
    { type: "window_update", streamId: 0, delta: 32768 },
  ];

  it("round-trip through encode and decode", () => {
    for (const f of frames) expect(decodeFrame(encodeFrame(f))).toEqual(f);
  });

  it("have the draft's byte layout", () => {
    // Control bit, version 3, type 6 (PING), no flags, length 4, id 1.
    expect(hex(encodeFrame({ type: "ping", id: 1 }))).toBe("80030006000000040000" + "0001");
    // Data frame: stream 5, FIN, length 3.
    expect(hex(encodeFrame(frames[0]!))).toBe("0000000501000003010203");
    // SYN_STREAM: stream 1, associated 0, priority 3 in the top 3 bits, slot 0, then the block.
    expect(hex(encodeFrame(frames[1]!))).toBe("800300010000000c" + "00000001" + "00000000" + "6000" + "0909");
    // RST_STREAM: stream 3, status CANCEL (5).
    expect(hex(encodeFrame(frames[3]!))).toBe("80030003000000080000000300000005");
    // WINDOW_UPDATE for the session (stream 0).
    expect(hex(encodeFrame(frames[8]!))).toBe("80030009000000080000000000008000");
    // SETTINGS: count, then flags(8)|id(24) and value.
    expect(hex(encodeFrame({ type: "settings", flags: 0, entries: [{ flags: 1, id: 7, value: 65536 }] }))).toBe("800300040000000c" + "00000001" + "01000007" + "00010000");
  });

  it("are cut from any chunking of the byte stream", () => {
    const bytes = Buffer.concat(frames.map(encodeFrame));
    for (const size of [1, 3, 7, 8, 13, 1000]) {
      const reader = new FrameReader();
      const out: Frame[] = [];
      for (let at = 0; at < bytes.length; at += size) out.push(...reader.push(new Uint8Array(bytes.subarray(at, at + size))));
      expect(out).toEqual(frames);
      expect(reader.pending).toBe(0);
    }
  });

  it("over the reader's limit are a protocol error", () => {
    const reader = new FrameReader(16);
    expect(() => reader.push(encodeFrame({ type: "data", streamId: 1, flags: 0, data: new Uint8Array(17) }))).toThrow(SpdyProtocolError);
  });

  it("of another version or type are kept as unknown", () => {
    const f = decodeFrame(new Uint8Array([0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0]));
    expect(f).toMatchObject({ type: "unknown", version: 2, controlType: 1 });
    expect(decodeFrame(encodeFrame({ type: "unknown", version: 3, controlType: 10, flags: 0, payload: new Uint8Array([1]) }))).toMatchObject({ type: "unknown", controlType: 10 });
  });
});

describe("header blocks", () => {
  it("name/value blocks: lower-case names, NUL-joined values, the draft's layout", () => {
    const block = encodeNameValueBlock({ streamType: "data", Port: "8080", multi: ["a", "b"] });
    expect(hex(block.subarray(0, 4))).toBe("00000003");
    expect(Buffer.from(block).toString("latin1")).toContain("\0\0\0\x0astreamtype\0\0\0\x04data");
    expect(decodeNameValueBlock(block)).toEqual({ streamtype: ["data"], port: ["8080"], multi: ["a", "b"] });
    expect(() => decodeNameValueBlock(block.subarray(0, block.length - 1))).toThrow(SpdyProtocolError);
  });

  it("compress with the dictionary in one context per direction, and decompress in order", async () => {
    const compressor = new ZlibHeaderCompressor();
    const decompressor = new HeaderDecompressor();
    const blocks = [
      { streamtype: "error", port: "8080", requestid: "0" },
      { streamtype: "data", port: "8080", requestid: "0" },
      { streamtype: "error", port: "8080", requestid: "1" },
    ];
    const compressed = await Promise.all(blocks.map((b) => compressor.compress(encodeNameValueBlock(b))));
    // The first block opens the zlib stream: CMF 0x78, FDICT set and the dictionary's id (Node).
    expect(compressed[0]![0]).toBe(0x78);
    if (!("Deno" in globalThis)) {
      expect(compressed[0]![1]! & 0x20).toBe(0x20);
      expect(hex(compressed[0]!.subarray(2, 6))).toBe("e3c6a7c2");
    }
    // Later blocks reuse the context: the repeated block is much smaller than the first.
    expect(compressed[2]!.length).toBeLessThan(compressed[0]!.length);
    // Each block ends with a sync flush's empty stored block.
    for (const c of compressed) expect(hex(c.subarray(-4))).toBe("0000ffff");
    const out = [];
    for (const c of compressed) out.push(decodeNameValueBlock(await decompressor.decompress(c)));
    expect(out).toEqual(blocks.map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, [v]]))));
    compressor.close();
    decompressor.close();
  });

  it("decompress a known vector: a block compressed by a dictionary-primed zlib, as spdystream writes", async () => {
    // zlib (level 9, the SPDY/3 dictionary, sync flush) of {"streamtype": "error"}: what a Go
    // framer sends as the first header block of a connection.
    const compressor = new ZlibHeaderCompressor();
    const vector = await compressor.compress(encodeNameValueBlock({ streamtype: "error" }));
    compressor.close();
    const decompressor = new HeaderDecompressor();
    expect(decodeNameValueBlock(await decompressor.decompress(vector))).toEqual({ streamtype: ["error"] });
    decompressor.close();
    // A reader without the dictionary cannot read it (proof that the dictionary is used).
    if (!("Deno" in globalThis)) expect(() => inflateSync(vector, { finishFlush: 2 })).toThrow();
  });

  it("garbage never reads as a header block", async () => {
    // node:zlib rejects it; Deno's inflate yields nothing, which is no name/value block either.
    const decompressor = new HeaderDecompressor();
    const outcome = await decompressor.decompress(new Uint8Array([1, 2, 3, 4, 5])).then((b) => decodeNameValueBlock(b)).then(() => "read", () => "refused");
    expect(outcome).toBe("refused");
    decompressor.close();
  });

  it("stored blocks need no dictionary and read back with one", async () => {
    const stored = new StoredHeaderCompressor();
    const a = stored.compress(encodeNameValueBlock({ streamtype: "stdout" }));
    const b = stored.compress(encodeNameValueBlock({ streamtype: "stderr" }));
    expect(hex(a.subarray(0, 2))).toBe("7801");
    const decompressor = new HeaderDecompressor();
    expect(decodeNameValueBlock(await decompressor.decompress(a))).toEqual({ streamtype: ["stdout"] });
    expect(decodeNameValueBlock(await decompressor.decompress(b))).toEqual({ streamtype: ["stderr"] });
    decompressor.close();
  });
});
