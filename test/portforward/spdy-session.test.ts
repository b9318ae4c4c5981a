/**
 * SPDY sessions (protocols/spdy/session.ts) and the port-forward protocol's server side, client
 * and server in memory: streams with headers through real zlib contexts, data both ways with
 * FIN half-closes, pings echoed, resets, window updates as data is read, bytes cut at arbitrary
 * points (as a WebSocket tunnel may), and the error stream's message.
 */
import { describe, expect, it } from "vitest";
import {
  encodeFrame, type Frame, FrameReader, type ForwardedConnection, headerValue, servePortForward, SpdySession,
  type SpdyStream, type SpdyTransport,
} from "../../protocols/spdy/mod.ts";

/** Two sessions wired back to back; every chunk is cut into pieces of `cut` bytes. */
function pair(onServerStream: (s: SpdyStream) => void, cut = 0) {
  const sent: Frame[] = [];
  const spy = new FrameReader();
  let client!: SpdySession;
  let server!: SpdySession;
  const deliver = (to: () => SpdySession, bytes: Uint8Array) => {
    const copy = bytes.slice();
    queueMicrotask(() => {
      if (!cut) return to().receive(copy);
      for (let at = 0; at < copy.length; at += cut) to().receive(copy.subarray(at, at + cut));
    });
  };
  const toServer: SpdyTransport = { write: (b) => deliver(() => server, b), close: () => queueMicrotask(() => server.transportClosed()) };
  const toClient: SpdyTransport = {
    write: (b) => {
      sent.push(...spy.push(b.slice()));
      deliver(() => client, b);
    },
    close: () => queueMicrotask(() => client.transportClosed()),
  };
  client = new SpdySession(toServer, { role: "client" });
  server = new SpdySession(toClient, { role: "server", onStream: onServerStream });
  return { client, server, serverSent: sent };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  return text;
}

const enc = (s: string) => new TextEncoder().encode(s);

describe("SPDY session", () => {
  for (const cut of [0, 1, 5]) {
    it(`opens streams with headers and echoes data with half-closes (chunks of ${cut || "any"} bytes)`, async () => {
      const { client } = pair((s) => {
        s.reply({ echoed: headerValue(s.headers, "x-name") ?? "" });
        void readAll(s.readable).then((text) => {
          s.write(enc(`echo:${text}`));
          s.end();
        });
      }, cut);
      const streams = await Promise.all(["a", "b", "c"].map((n) => client.openStream({ "X-Name": n })));
      expect(streams.map((s) => s.id)).toEqual([1, 3, 5]);
      streams.forEach((s, i) => {
        s.write(enc(`hello ${i}`));
        s.end();
      });
      expect(await Promise.all(streams.map((s) => readAll(s.readable)))).toEqual(["echo:hello 0", "echo:hello 1", "echo:hello 2"]);
      expect(client.streamCount).toBe(0);
    });
  }

  it("echoes the peer's pings, resets refused streams, and grants window as data is read", async () => {
    let serverStream!: SpdyStream;
    const { client, server, serverSent } = pair((s) => {
      serverStream = s;
      s.reply();
    });
    const s = await client.openStream({ kind: "bulk" });
    // 100 KiB from the client: the server grants window back once its reader takes it.
    s.write(new Uint8Array(100 * 1024));
    s.end();
    const total = (await (async () => {
      let n = 0;
      for await (const c of serverStream.readable) n += c.length;
      return n;
    })());
    expect(total).toBe(100 * 1024);
    expect(serverSent.some((f) => f.type === "window_update" && f.streamId === 0)).toBe(true);
    expect(serverSent.some((f) => f.type === "window_update" && f.streamId === s.id)).toBe(true);
    // A client ping (odd id) comes back from the server unchanged.
    client.receive(new Uint8Array(0));
    server.receive(encodeFrame({ type: "ping", id: 7 }));
    await new Promise((r) => setTimeout(r, 10));
    expect(serverSent).toContainEqual({ type: "ping", id: 7 });
    // A stream the server resets rejects the opener.
    const refusing = pair((st) => st.reset());
    await expect(refusing.client.openStream({ a: "b" })).rejects.toThrow(/refused/);
    // Closing ends the peer's session too.
    client.close();
    await expect(server.closed).resolves.toBeUndefined();
  });

  it("ends every stream when the transport closes", async () => {
    const { client, server } = pair((s) => s.reply());
    const s = await client.openStream({ a: "1" });
    const reading = readAll(s.readable);
    server.transportClosed();
    client.transportClosed();
    expect(await reading).toBe("");
    await expect(client.openStream({})).rejects.toThrow(/closed/);
  });

  it("answers garbage with GOAWAY and ends", async () => {
    const written: Frame[] = [];
    const reader = new FrameReader();
    let closed = false;
    const server = new SpdySession({ write: (b) => written.push(...reader.push(b.slice())), close: () => void (closed = true) }, { role: "server", onStream: () => {} });
    // A SYN_STREAM whose header block is not zlib.
    server.receive(encodeFrame({ type: "syn_stream", streamId: 1, associatedToStreamId: 0, priority: 0, slot: 0, flags: 0, headerBlock: new Uint8Array([1, 2, 3, 4]) }));
    await server.closed;
    expect(closed).toBe(true);
    expect(written[0]).toMatchObject({ type: "goaway", status: 1 });
  });
});

describe("port-forward protocol (server side)", () => {
  /** An in-memory "pod port": answers each request with its reversed text, then ends. */
  function reverser(): ForwardedConnection {
    let out!: ReadableStreamDefaultController<Uint8Array>;
    let text = "";
    return {
      readable: new ReadableStream({ start: (c) => void (out = c) }),
      writable: new WritableStream({
        write: (c) => void (text += new TextDecoder().decode(c)),
        close: () => {
          out.enqueue(enc([...text].reverse().join("")));
          out.close();
        },
      }),
      close: () => {},
    };
  }

  function forwarding(forward: (port: number) => Promise<ForwardedConnection>) {
    let server!: SpdySession;
    let client!: SpdySession;
    client = new SpdySession({ write: (b) => { const c = b.slice(); queueMicrotask(() => server.receive(c)); }, close: () => {} }, { role: "client" });
    server = servePortForward({ write: (b) => { const c = b.slice(); queueMicrotask(() => client.receive(c)); }, close: () => {} }, {
      forward,
      describeError: (port, err) => `error forwarding port ${port} to pod p_ns, uid u: ${(err as Error).message}`,
      streamCreationTimeoutMs: 200,
    });
    return { client, server };
  }

  async function connect(client: SpdySession, port: number, requestId: string, payload: string) {
    // As client-go: the error stream first, half-closed at once, then the data stream.
    const error = await client.openStream({ streamType: "error", port: String(port), requestID: requestId });
    error.end();
    const data = await client.openStream({ streamType: "data", port: String(port), requestID: requestId });
    data.write(enc(payload));
    data.end();
    const [answer, errorText] = await Promise.all([readAll(data.readable), readAll(error.readable)]);
    return { answer, errorText };
  }

  it("pairs the streams of each request and forwards both ways", async () => {
    const ports: number[] = [];
    const { client } = forwarding(async (port) => (ports.push(port), reverser()));
    const results = await Promise.all([connect(client, 8080, "0", "abc"), connect(client, 9090, "1", "hello"), connect(client, 8080, "2", "xyz")]);
    expect(results).toEqual([{ answer: "cba", errorText: "" }, { answer: "olleh", errorText: "" }, { answer: "zyx", errorText: "" }]);
    expect(ports.sort()).toEqual([8080, 8080, 9090]);
  });

  it("writes the forwarding error on the error stream and finishes both streams", async () => {
    const { client } = forwarding(async () => {
      throw new Error("connection refused");
    });
    expect(await connect(client, 7777, "0", "x")).toEqual({ answer: "", errorText: "error forwarding port 7777 to pod p_ns, uid u: connection refused" });
  });

  it("refuses streams without a valid port or type, and times out a lone stream", async () => {
    const { client } = forwarding(async () => reverser());
    await expect(client.openStream({ streamType: "data", port: "0", requestID: "9" })).rejects.toThrow();
    await expect(client.openStream({ streamType: "bogus", port: "80", requestID: "9" })).rejects.toThrow();
    const lonely = await client.openStream({ streamType: "error", port: "80", requestID: "5" });
    expect(await readAll(lonely.readable)).toMatch(/timed out waiting for streams of request 5/);
  });
});
