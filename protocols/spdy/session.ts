/**
 * A SPDY/3.1 session over any byte transport (a TCP or TLS socket after an HTTP upgrade, or the
 * binary messages of a WebSocket that tunnels SPDY): stream multiplexing, header blocks, FIN
 * half-closes, RST_STREAM, PING echo, GOAWAY, and basic flow control.
 *
 * Flow control: we grant the peer window (WINDOW_UPDATE per stream and for the session, SPDY/3.1)
 * as our consumers read, half a window at a time. We track the window the peer grants us but do
 * not hold data back when it runs out: moby/spdystream — kubectl's, the kubelet's and containerd's
 * SPDY — neither enforces nor grants window, so waiting for it would stall after 64 KiB.
 *
 * Frames are handled strictly in order (header blocks share one zlib context per direction, and
 * decompressing is asynchronous with node:zlib); frames we write leave in the order we write them.
 */
import {
  type Frame, FLAG_FIN, FLAG_UNIDIRECTIONAL, FrameReader, encodeFrame, GOAWAY_OK, GOAWAY_PROTOCOL_ERROR,
  RST_CANCEL, RST_PROTOCOL_ERROR, RST_REFUSED_STREAM, SETTINGS_INITIAL_WINDOW_SIZE, SpdyProtocolError,
} from "./frames.ts";
import {
  decodeNameValueBlock, encodeNameValueBlock, type HeaderCompressor, HeaderDecompressor, type SpdyHeaders,
  ZlibHeaderCompressor,
} from "./headers.ts";

/** Where a session's bytes go, and how it ends the connection. */
export interface SpdyTransport {
  write(bytes: Uint8Array): void;
  close(): void;
}

export interface SpdySessionOptions {
  /** The client opens odd-numbered streams, the server even ones. */
  role: "client" | "server";
  /**
   * A stream the peer opened: answer it with `stream.reply()` (or refuse it with `reset()`).
   * Absent: every stream the peer opens is refused.
   */
  onStream?(stream: SpdyStream): void;
  /** Default: zlib with the SPDY/3 dictionary. */
  compressor?: HeaderCompressor;
  /** The session ended (transport closed, GOAWAY handled, or a protocol error). */
  onClose?(error?: Error): void;
}

/** The initial window of a stream and of the session in SPDY/3.1. */
export const INITIAL_WINDOW = 64 * 1024;
/** Data frames we write carry at most this much. */
const MAX_DATA_CHUNK = 32 * 1024;

export class SpdySession {
  readonly role: "client" | "server";
  readonly #transport: SpdyTransport;
  readonly #options: SpdySessionOptions;
  readonly #reader = new FrameReader();
  readonly #compressor: HeaderCompressor;
  readonly #decompressor = new HeaderDecompressor();
  readonly #streams = new Map<number, SpdyStream>();
  #nextStreamId: number;
  #lastPeerStreamId = 0;
  #incoming: Promise<void> = Promise.resolve();
  #outgoing: Promise<void> = Promise.resolve();
  #pendingWrites = 0;
  #closed = false;
  #goneAway = false;
  #sessionUnacked = 0;
  /** What the peer granted us (informational: see the note on flow control). */
  sendWindow = INITIAL_WINDOW;
  peerInitialWindow = INITIAL_WINDOW;
  readonly closed: Promise<Error | undefined>;
  #resolveClosed!: (error: Error | undefined) => void;

  constructor(transport: SpdyTransport, options: SpdySessionOptions) {
    this.role = options.role;
    this.#transport = transport;
    this.#options = options;
    this.#compressor = options.compressor ?? new ZlibHeaderCompressor();
    this.#nextStreamId = options.role === "client" ? 1 : 2;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Streams open now. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Feeds bytes that arrived on the transport. */
  receive(chunk: Uint8Array): void {
    if (this.#closed) return;
    let frames: Frame[];
    try {
      frames = this.#reader.push(chunk);
    } catch (err) {
      this.#protocolError(err as Error);
      return;
    }
    for (const frame of frames) {
      this.#incoming = this.#incoming.then(() => (this.#closed ? undefined : this.#handle(frame))).catch((err: Error) => this.#protocolError(err));
    }
  }

  /** The transport ended (the peer closed it or it failed): every stream ends. */
  transportClosed(error?: Error): void {
    this.#shutdown(error);
  }

  /** Opens a stream; resolves once the peer's SYN_REPLY comes (rejects on RST_STREAM or close). */
  async openStream(headers: Record<string, string | string[]>, options: { fin?: boolean; priority?: number } = {}): Promise<SpdyStream> {
    if (this.#closed || this.#goneAway) throw new Error("the SPDY session is closed");
    const id = this.#nextStreamId;
    this.#nextStreamId += 2;
    const stream = new SpdyStream(this, id, lowerCased(headers), true);
    this.#streams.set(id, stream);
    if (options.fin) stream.localEnded = true;
    const block = this.#compressor.compress(encodeNameValueBlock(headers));
    this.#write(then(block, (b) => encodeFrame({ type: "syn_stream", streamId: id, associatedToStreamId: 0, priority: options.priority ?? 0, slot: 0, flags: options.fin ? FLAG_FIN : 0, headerBlock: b })));
    await stream.replied;
    return stream;
  }

  /** Sends GOAWAY and closes the transport once written. */
  close(): void {
    if (this.#closed) return;
    this.#write(encodeFrame({ type: "goaway", lastGoodStreamId: this.#lastPeerStreamId, status: GOAWAY_OK }));
    this.#goneAway = true;
    void this.#outgoing.then(() => this.#shutdown());
  }

  // --- internals used by SpdyStream

  /** @internal */
  sendHeaders(kind: "syn_reply" | "headers", streamId: number, headers: Record<string, string | string[]>, fin: boolean): void {
    const block = this.#compressor.compress(encodeNameValueBlock(headers));
    this.#write(then(block, (b) => encodeFrame({ type: kind, streamId, flags: fin ? FLAG_FIN : 0, headerBlock: b })));
  }

  /** @internal */
  sendData(streamId: number, data: Uint8Array, fin: boolean): void {
    for (let at = 0; at < data.length; at += MAX_DATA_CHUNK) {
      const last = at + MAX_DATA_CHUNK >= data.length;
      this.#write(encodeFrame({ type: "data", streamId, flags: fin && last ? FLAG_FIN : 0, data: data.subarray(at, at + MAX_DATA_CHUNK) }));
      this.sendWindow -= Math.min(MAX_DATA_CHUNK, data.length - at);
    }
    if (data.length === 0) this.#write(encodeFrame({ type: "data", streamId, flags: fin ? FLAG_FIN : 0, data }));
  }

  /** @internal */
  sendReset(streamId: number, status: number): void {
    this.#write(encodeFrame({ type: "rst_stream", streamId, status }));
  }

  /** @internal The consumer read `bytes` of a stream: grant window back, half a window at a time. */
  consumed(streamId: number, streamUnacked: number): number {
    if (this.#sessionUnacked >= INITIAL_WINDOW / 2) {
      this.#write(encodeFrame({ type: "window_update", streamId: 0, delta: this.#sessionUnacked }));
      this.#sessionUnacked = 0;
    }
    if (streamUnacked >= INITIAL_WINDOW / 2 && this.#streams.has(streamId)) {
      this.#write(encodeFrame({ type: "window_update", streamId, delta: streamUnacked }));
      return 0;
    }
    return streamUnacked;
  }

  /** @internal */
  forget(streamId: number): void {
    this.#streams.delete(streamId);
  }

  #write(bytes: Uint8Array | Promise<Uint8Array>): void {
    if (this.#closed) return;
    if (this.#pendingWrites === 0 && !(bytes instanceof Promise)) {
      this.#transport.write(bytes);
      return;
    }
    this.#pendingWrites++;
    this.#outgoing = this.#outgoing
      .then(async () => {
        const b = await bytes;
        if (!this.#closed) this.#transport.write(b);
      })
      .catch((err: Error) => this.#protocolError(err))
      .finally(() => void this.#pendingWrites--);
  }

  async #handle(frame: Frame): Promise<void> {
    switch (frame.type) {
      case "syn_stream": {
        // Decompress even a stream we refuse: the zlib context must follow every block.
        const headers = decodeNameValueBlock(await this.#decompressor.decompress(frame.headerBlock));
        const fromPeerParity = this.role === "server" ? 1 : 0;
        if (frame.streamId === 0 || frame.streamId % 2 !== fromPeerParity || frame.streamId <= this.#lastPeerStreamId) {
          this.sendReset(frame.streamId, RST_PROTOCOL_ERROR);
          return;
        }
        this.#lastPeerStreamId = frame.streamId;
        if (this.#goneAway || !this.#options.onStream) {
          this.sendReset(frame.streamId, RST_REFUSED_STREAM);
          return;
        }
        const stream = new SpdyStream(this, frame.streamId, headers, false);
        if (frame.flags & FLAG_FIN) stream.remoteFinished();
        if (frame.flags & FLAG_UNIDIRECTIONAL) stream.localEnded = true;
        this.#streams.set(frame.streamId, stream);
        this.#options.onStream(stream);
        return;
      }
      case "syn_reply": {
        const headers = decodeNameValueBlock(await this.#decompressor.decompress(frame.headerBlock));
        const stream = this.#streams.get(frame.streamId);
        stream?.gotReply(headers);
        if (stream && frame.flags & FLAG_FIN) stream.remoteFinished();
        return;
      }
      case "headers": {
        await this.#decompressor.decompress(frame.headerBlock);
        if (frame.flags & FLAG_FIN) this.#streams.get(frame.streamId)?.remoteFinished();
        return;
      }
      case "data": {
        this.#sessionUnacked += frame.data.length;
        const stream = this.#streams.get(frame.streamId);
        if (!stream) {
          // Data for a stream that is gone (we reset it, or it never was): drop it, as spdystream does.
          this.consumed(0, 0);
          return;
        }
        stream.gotData(frame.data, (frame.flags & FLAG_FIN) !== 0);
        return;
      }
      case "rst_stream":
        this.#streams.get(frame.streamId)?.gotReset(frame.status);
        return;
      case "settings":
        for (const e of frame.entries) if (e.id === SETTINGS_INITIAL_WINDOW_SIZE) this.peerInitialWindow = e.value;
        return;
      case "ping": {
        // Pings the peer started have the peer's parity (odd from a client): echo them.
        const ours = this.role === "client" ? 1 : 0;
        if ((frame.id & 1) !== ours) this.#write(encodeFrame(frame));
        return;
      }
      case "goaway":
        this.#goneAway = true;
        for (const [id, stream] of this.#streams) {
          // Streams we opened after the last one the peer accepted never ran.
          if (stream.initiatedLocally && id > frame.lastGoodStreamId) stream.gotReset(RST_REFUSED_STREAM);
        }
        return;
      case "window_update":
        if (frame.streamId === 0) this.sendWindow += frame.delta;
        else this.#streams.get(frame.streamId)?.addSendWindow(frame.delta);
        return;
      case "unknown":
        return;
    }
  }

  #protocolError(error: Error): void {
    if (this.#closed) return;
    if (error instanceof SpdyProtocolError || /zlib|inflate|header|incorrect|invalid/i.test(error.message)) {
      try {
        this.#transport.write(encodeFrame({ type: "goaway", lastGoodStreamId: this.#lastPeerStreamId, status: GOAWAY_PROTOCOL_ERROR }));
      } catch {
        // The transport may be gone already.
      }
    }
    this.#shutdown(error);
  }

  #shutdown(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of [...this.#streams.values()]) stream.sessionEnded(error);
    this.#streams.clear();
    this.#compressor.close();
    this.#decompressor.close();
    try {
      this.#transport.close();
    } catch {
      // Already closed.
    }
    this.#options.onClose?.(error);
    this.#resolveClosed(error);
  }
}

function then<T, U>(value: T | Promise<T>, f: (v: T) => U): U | Promise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

function lowerCased(headers: Record<string, string | string[]>): SpdyHeaders {
  const out: SpdyHeaders = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = Array.isArray(v) ? v : [v];
  return out;
}

/** One stream of a session: bytes in (readable), bytes out (write, end), half-closes and resets. */
export class SpdyStream {
  readonly id: number;
  /** The headers of its SYN_STREAM (lower-case names). */
  readonly headers: SpdyHeaders;
  readonly initiatedLocally: boolean;
  /** Bytes from the peer; ends at the peer's FIN (or when the session ends), errors on a reset. */
  readonly readable: ReadableStream<Uint8Array>;
  /** For a stream we opened: the SYN_REPLY's headers. */
  readonly replied: Promise<SpdyHeaders>;
  localEnded = false;
  remoteEnded = false;
  /** Set once the stream was reset, by either side, with the RST_STREAM status. */
  resetStatus: number | undefined;
  sendWindow = INITIAL_WINDOW;
  readonly #session: SpdySession;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #readableDone = false;
  #unacked = 0;
  #replySent = false;
  #settleReply!: { resolve(h: SpdyHeaders): void; reject(e: Error): void };

  constructor(session: SpdySession, id: number, headers: SpdyHeaders, initiatedLocally: boolean) {
    this.#session = session;
    this.id = id;
    this.headers = headers;
    this.initiatedLocally = initiatedLocally;
    this.replied = new Promise((resolve, reject) => (this.#settleReply = { resolve, reject }));
    this.replied.catch(() => {});
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => void (this.#controller = c),
      pull: () => {
        this.#unacked = this.#session.consumed(this.id, this.#unacked);
      },
      cancel: () => {
        this.#readableDone = true;
        if (!this.remoteEnded) this.reset(RST_CANCEL);
      },
    });
  }

  /** Accepts a stream the peer opened (SYN_REPLY). */
  reply(headers: Record<string, string | string[]> = {}, options: { fin?: boolean } = {}): void {
    if (this.#replySent || this.initiatedLocally || this.resetStatus !== undefined) return;
    this.#replySent = true;
    this.#session.sendHeaders("syn_reply", this.id, headers, options.fin ?? false);
    if (options.fin) this.#localFinished();
  }

  /** Sends bytes (after `reply` for a stream the peer opened). */
  write(data: Uint8Array): void {
    if (this.localEnded || this.resetStatus !== undefined || this.#session.isClosed) return;
    if (data.length === 0) return;
    this.#session.sendData(this.id, data, false);
  }

  /** Ends our half of the stream (FIN). */
  end(): void {
    if (this.localEnded || this.resetStatus !== undefined || this.#session.isClosed) return;
    this.#session.sendData(this.id, new Uint8Array(0), true);
    this.#localFinished();
  }

  /** Aborts the stream (RST_STREAM). */
  reset(status = RST_CANCEL): void {
    if (this.resetStatus !== undefined) return;
    this.resetStatus = status;
    if (!this.#session.isClosed) this.#session.sendReset(this.id, status);
    this.#endReadable(new Error(`SPDY stream ${this.id} reset`));
    this.#settleReply.reject(new Error(`SPDY stream ${this.id} reset`));
    this.#session.forget(this.id);
  }

  /** A writable side: each chunk is written, close() sends FIN. */
  writable(): WritableStream<Uint8Array> {
    return new WritableStream<Uint8Array>({
      write: (chunk) => this.write(chunk),
      close: () => this.end(),
      abort: () => this.reset(RST_CANCEL),
    });
  }

  // --- from the session

  /** @internal */
  gotReply(headers: SpdyHeaders): void {
    this.#settleReply.resolve(headers);
  }

  /** @internal */
  gotData(data: Uint8Array, fin: boolean): void {
    if (data.length > 0 && !this.#readableDone) {
      this.#unacked += data.length;
      this.#controller.enqueue(data);
    }
    if (fin) this.remoteFinished();
  }

  /** @internal */
  remoteFinished(): void {
    this.remoteEnded = true;
    this.#endReadable();
    if (this.localEnded) this.#session.forget(this.id);
  }

  /** @internal */
  gotReset(status: number): void {
    if (this.resetStatus !== undefined) return;
    this.resetStatus = status;
    this.remoteEnded = true;
    this.localEnded = true;
    this.#endReadable(new Error(`SPDY stream ${this.id} was reset by the peer (status ${status})`));
    this.#settleReply.reject(new Error(`the peer refused SPDY stream ${this.id} (status ${status})`));
    this.#session.forget(this.id);
  }

  /** @internal */
  sessionEnded(error?: Error): void {
    this.remoteEnded = true;
    this.localEnded = true;
    this.#endReadable();
    this.#settleReply.reject(error ?? new Error("the SPDY session closed"));
  }

  /** @internal */
  addSendWindow(delta: number): void {
    this.sendWindow += delta;
  }

  #localFinished(): void {
    this.localEnded = true;
    if (this.remoteEnded) this.#session.forget(this.id);
  }

  #endReadable(error?: Error): void {
    if (this.#readableDone) return;
    this.#readableDone = true;
    try {
      if (error) this.#controller.error(error);
      else this.#controller.close();
    } catch {
      // Already closed or errored.
    }
  }
}
