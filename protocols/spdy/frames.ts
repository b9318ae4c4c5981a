/**
 * SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00, with SPDY/3.1's session-level flow control):
 * every frame has an 8-byte header. A control frame: the control bit, a 15-bit version (3), a
 * 16-bit type, 8 bits of flags and a 24-bit length. A data frame: a 31-bit stream id (control bit
 * clear), flags and a 24-bit length. Header blocks (SYN_STREAM, SYN_REPLY, HEADERS) are carried
 * here compressed, as they are on the wire; headers.ts encodes and compresses them.
 */

export const SPDY_VERSION = 3;

export const TYPE_SYN_STREAM = 1;
export const TYPE_SYN_REPLY = 2;
export const TYPE_RST_STREAM = 3;
export const TYPE_SETTINGS = 4;
export const TYPE_PING = 6;
export const TYPE_GOAWAY = 7;
export const TYPE_HEADERS = 8;
export const TYPE_WINDOW_UPDATE = 9;

/** FIN on SYN_STREAM, SYN_REPLY, HEADERS and data frames: the sender's half of the stream ends. */
export const FLAG_FIN = 0x01;
/** SYN_STREAM only: the receiver may not send on the stream. */
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RST_PROTOCOL_ERROR = 1;
export const RST_INVALID_STREAM = 2;
export const RST_REFUSED_STREAM = 3;
export const RST_UNSUPPORTED_VERSION = 4;
export const RST_CANCEL = 5;
export const RST_INTERNAL_ERROR = 6;
export const RST_FLOW_CONTROL_ERROR = 7;
export const RST_STREAM_IN_USE = 8;
export const RST_STREAM_ALREADY_CLOSED = 9;

/** GOAWAY status codes. */
export const GOAWAY_OK = 0;
export const GOAWAY_PROTOCOL_ERROR = 1;
export const GOAWAY_INTERNAL_ERROR = 2;

/** SETTINGS id of the initial stream window (the only setting that changes what we do). */
export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

/** The largest payload a frame's 24-bit length can describe. */
export const MAX_FRAME_LENGTH = 0xffffff;

export interface DataFrame { type: "data"; streamId: number; flags: number; data: Uint8Array }
export interface SynStreamFrame {
  type: "syn_stream";
  streamId: number;
  associatedToStreamId: number;
  /** 0 (highest) to 7. */
  priority: number;
  slot: number;
  flags: number;
  headerBlock: Uint8Array;
}
export interface SynReplyFrame { type: "syn_reply"; streamId: number; flags: number; headerBlock: Uint8Array }
export interface RstStreamFrame { type: "rst_stream"; streamId: number; status: number }
export interface SettingsEntry { flags: number; id: number; value: number }
export interface SettingsFrame { type: "settings"; flags: number; entries: SettingsEntry[] }
export interface PingFrame { type: "ping"; id: number }
export interface GoAwayFrame { type: "goaway"; lastGoodStreamId: number; status: number }
export interface HeadersFrame { type: "headers"; streamId: number; flags: number; headerBlock: Uint8Array }
/** Stream id 0 updates the session's window (SPDY/3.1). */
export interface WindowUpdateFrame { type: "window_update"; streamId: number; delta: number }
/** A control frame of a type we do not know (CREDENTIAL, or another version's): skipped. */
export interface UnknownFrame { type: "unknown"; version: number; controlType: number; flags: number; payload: Uint8Array }

export type Frame =
  | DataFrame | SynStreamFrame | SynReplyFrame | RstStreamFrame | SettingsFrame | PingFrame
  | GoAwayFrame | HeadersFrame | WindowUpdateFrame | UnknownFrame;

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpdyProtocolError";
  }
}

function put32(out: Uint8Array, at: number, n: number): void {
  out[at] = (n >>> 24) & 0xff;
  out[at + 1] = (n >>> 16) & 0xff;
  out[at + 2] = (n >>> 8) & 0xff;
  out[at + 3] = n & 0xff;
}

function get32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function header(out: Uint8Array, control: boolean, typeOrId: number, flags: number, length: number): void {
  if (length > MAX_FRAME_LENGTH) throw new SpdyProtocolError(`frame payload of ${length} bytes is over SPDY's limit`);
  if (control) {
    out[0] = 0x80 | (SPDY_VERSION >> 8);
    out[1] = SPDY_VERSION & 0xff;
    out[2] = (typeOrId >> 8) & 0xff;
    out[3] = typeOrId & 0xff;
  } else put32(out, 0, typeOrId & 0x7fffffff);
  out[4] = flags & 0xff;
  out[5] = (length >> 16) & 0xff;
  out[6] = (length >> 8) & 0xff;
  out[7] = length & 0xff;
}

function control(type: number, flags: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  header(out, true, type, flags, payload.length);
  out.set(payload, 8);
  return out;
}

/** The bytes of one frame. */
export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.type) {
    case "data": {
      const out = new Uint8Array(8 + frame.data.length);
      header(out, false, frame.streamId, frame.flags, frame.data.length);
      out.set(frame.data, 8);
      return out;
    }
    case "syn_stream": {
      const p = new Uint8Array(10 + frame.headerBlock.length);
      put32(p, 0, frame.streamId & 0x7fffffff);
      put32(p, 4, frame.associatedToStreamId & 0x7fffffff);
      p[8] = (frame.priority & 0x7) << 5;
      p[9] = frame.slot & 0xff;
      p.set(frame.headerBlock, 10);
      return control(TYPE_SYN_STREAM, frame.flags, p);
    }
    case "syn_reply":
    case "headers": {
      const p = new Uint8Array(4 + frame.headerBlock.length);
      put32(p, 0, frame.streamId & 0x7fffffff);
      p.set(frame.headerBlock, 4);
      return control(frame.type === "syn_reply" ? TYPE_SYN_REPLY : TYPE_HEADERS, frame.flags, p);
    }
    case "rst_stream": {
      const p = new Uint8Array(8);
      put32(p, 0, frame.streamId & 0x7fffffff);
      put32(p, 4, frame.status);
      return control(TYPE_RST_STREAM, 0, p);
    }
    case "settings": {
      const p = new Uint8Array(4 + 8 * frame.entries.length);
      put32(p, 0, frame.entries.length);
      frame.entries.forEach((e, i) => {
        // Flags (8 bits) then the id (24 bits), then the value.
        put32(p, 4 + 8 * i, ((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0);
        put32(p, 8 + 8 * i, e.value);
      });
      return control(TYPE_SETTINGS, frame.flags, p);
    }
    case "ping": {
      const p = new Uint8Array(4);
      put32(p, 0, frame.id);
      return control(TYPE_PING, 0, p);
    }
    case "goaway": {
      const p = new Uint8Array(8);
      put32(p, 0, frame.lastGoodStreamId & 0x7fffffff);
      put32(p, 4, frame.status);
      return control(TYPE_GOAWAY, 0, p);
    }
    case "window_update": {
      const p = new Uint8Array(8);
      put32(p, 0, frame.streamId & 0x7fffffff);
      put32(p, 4, frame.delta & 0x7fffffff);
      return control(TYPE_WINDOW_UPDATE, 0, p);
    }
    case "unknown":
      return control(frame.controlType, frame.flags, frame.payload);
  }
}

function need(payload: Uint8Array, n: number, what: string): void {
  if (payload.length < n) throw new SpdyProtocolError(`${what} frame too short (${payload.length} bytes)`);
}

/** Decodes one whole frame (its 8-byte header and its payload). */
export function decodeFrame(bytes: Uint8Array): Frame {
  const length = (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!;
  const flags = bytes[4]!;
  const payload = bytes.subarray(8, 8 + length);
  if ((bytes[0]! & 0x80) === 0) return { type: "data", streamId: get32(bytes, 0) & 0x7fffffff, flags, data: payload };
  const version = ((bytes[0]! & 0x7f) << 8) | bytes[1]!;
  const type = (bytes[2]! << 8) | bytes[3]!;
  if (version !== SPDY_VERSION) return { type: "unknown", version, controlType: type, flags, payload };
  switch (type) {
    case TYPE_SYN_STREAM:
      need(payload, 10, "SYN_STREAM");
      return {
        type: "syn_stream",
        streamId: get32(payload, 0) & 0x7fffffff,
        associatedToStreamId: get32(payload, 4) & 0x7fffffff,
        priority: payload[8]! >> 5,
        slot: payload[9]!,
        flags,
        headerBlock: payload.subarray(10),
      };
    case TYPE_SYN_REPLY:
    case TYPE_HEADERS:
      need(payload, 4, type === TYPE_SYN_REPLY ? "SYN_REPLY" : "HEADERS");
      return { type: type === TYPE_SYN_REPLY ? "syn_reply" : "headers", streamId: get32(payload, 0) & 0x7fffffff, flags, headerBlock: payload.subarray(4) };
    case TYPE_RST_STREAM:
      need(payload, 8, "RST_STREAM");
      return { type: "rst_stream", streamId: get32(payload, 0) & 0x7fffffff, status: get32(payload, 4) };
    case TYPE_SETTINGS: {
      need(payload, 4, "SETTINGS");
      const count = get32(payload, 0);
      need(payload, 4 + 8 * count, "SETTINGS");
      const entries: SettingsEntry[] = [];
      for (let i = 0; i < count; i++) {
        const idFlags = get32(payload, 4 + 8 * i);
        entries.push({ flags: idFlags >>> 24, id: idFlags & 0xffffff, value: get32(payload, 8 + 8 * i) });
      }
      return { type: "settings", flags, entries };
    }
    case TYPE_PING:
      need(payload, 4, "PING");
      return { type: "ping", id: get32(payload, 0) };
    case TYPE_GOAWAY:
      need(payload, 4, "GOAWAY");
      // SPDY/2 had no status; be lenient.
      return { type: "goaway", lastGoodStreamId: get32(payload, 0) & 0x7fffffff, status: payload.length >= 8 ? get32(payload, 4) : GOAWAY_OK };
    case TYPE_WINDOW_UPDATE:
      need(payload, 8, "WINDOW_UPDATE");
      return { type: "window_update", streamId: get32(payload, 0) & 0x7fffffff, delta: get32(payload, 4) & 0x7fffffff };
    default:
      return { type: "unknown", version, controlType: type, flags, payload };
  }
}

/**
 * Cuts a byte stream into frames: push what the transport delivers (any chunking: WebSocket
 * messages of a tunnel need not align with frames), get the whole frames it completes.
 */
export class FrameReader {
  #buffer: Uint8Array = new Uint8Array(0);
  readonly #maxLength: number;

  /** `maxLength` bounds one frame's payload (SPDY allows 16 MiB; a peer may not make us hold more). */
  constructor(maxLength = MAX_FRAME_LENGTH) {
    this.#maxLength = maxLength;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.#buffer.length === 0) this.#buffer = chunk;
    else {
      const joined = new Uint8Array(this.#buffer.length + chunk.length);
      joined.set(this.#buffer, 0);
      joined.set(chunk, this.#buffer.length);
      this.#buffer = joined;
    }
    const frames: Frame[] = [];
    let at = 0;
    while (this.#buffer.length - at >= 8) {
      const length = (this.#buffer[at + 5]! << 16) | (this.#buffer[at + 6]! << 8) | this.#buffer[at + 7]!;
      if (length > this.#maxLength) throw new SpdyProtocolError(`frame of ${length} bytes is over the limit of ${this.#maxLength}`);
      if (this.#buffer.length - at < 8 + length) break;
      // Copy out: the frame must not alias a buffer that a later push replaces or that the transport reuses.
      frames.push(decodeFrame(this.#buffer.slice(at, at + 8 + length)));
      at += 8 + length;
    }
    this.#buffer = at === 0 ? this.#buffer.slice() : this.#buffer.slice(at);
    return frames;
  }

  /** Bytes of an incomplete frame held back. */
  get pending(): number {
    return this.#buffer.length;
  }
}
