/**
 * Port-forward over WebSocket channels (streams/portforward-channels.ts), client against server
 * over an in-memory socket pair: the port prefix on each channel, bytes both ways, the client's
 * end of input reaching the pod's side (v5's close message), and a failure on the error channel.
 */
import { describe, expect, it } from "vitest";
import type { PortForwardConnection } from "../../streams/mod.ts";
import { parsePortForwardPorts, portForwardChannelsClient, servePortForwardChannels } from "../../streams/portforward-channels.ts";
import type { ChannelSocket } from "../../streams/remotecommand.ts";

/** Two ends of a message socket, delivering asynchronously as a network would. */
function socketPair(): [ChannelSocket, ChannelSocket] {
  const listeners = [[], []] as ((data: string | Uint8Array) => void)[][];
  const closers = [[], []] as (() => void)[][];
  let closed = false;
  const end = (me: number): ChannelSocket => ({
    send: (data) => {
      if (closed) throw new Error("closed");
      const copy = typeof data === "string" ? data : data.slice();
      queueMicrotask(() => listeners[1 - me].forEach((l) => l(copy)));
    },
    close: () => {
      if (closed) return;
      closed = true;
      setTimeout(() => closers.flat().forEach((l) => l()), 0);
    },
    onMessage: (l) => void listeners[me].push(l),
    onClose: (l) => void closers[me].push(l),
  });
  return [end(0), end(1)];
}

/** A pod connection that answers once its input has ended: "got: <input>". */
function answerAfterInput(): PortForwardConnection {
  let input = "";
  const out = new TransformStream<Uint8Array, Uint8Array>();
  const writer = out.writable.getWriter();
  return {
    readable: out.readable,
    writable: new WritableStream({
      write: (chunk) => void (input += new TextDecoder().decode(chunk)),
      close: async () => {
        await writer.write(new TextEncoder().encode(`got: ${input}`));
        await writer.close();
      },
    }),
    close: () => void writer.close().catch(() => {}),
  };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("port-forward channels", () => {
  it("carries bytes both ways and passes the client's end of input on (v5)", async () => {
    const [server, client] = socketPair();
    const served = servePortForwardChannels(server, { protocol: "v5.channel.k8s.io", ports: [8080], forward: async () => answerAfterInput(), describeError: () => "" });
    const conn = portForwardChannelsClient(client, "v5.channel.k8s.io");
    const writer = conn.writable.getWriter();
    await writer.write(new TextEncoder().encode("hello "));
    await writer.write(new TextEncoder().encode("pod"));
    await writer.close();
    expect(await readAll(conn.readable)).toBe("got: hello pod");
    await served;
  });

  it("errors the client's side with the kubelet's reason, without its prefix", async () => {
    const [server, client] = socketPair();
    void servePortForwardChannels(server, {
      protocol: "v4.channel.k8s.io",
      ports: [7777],
      forward: async () => {
        throw new Error("connection refused");
      },
      describeError: (port, err) => `error forwarding port ${port} to pod p_default, uid u-1: ${(err as Error).message}`,
    });
    const conn = portForwardChannelsClient(client, "v4.channel.k8s.io");
    await expect(readAll(conn.readable)).rejects.toThrow(/^connection refused$/);
  });

  it("parses the port query as upstream's kubelet", () => {
    expect(parsePortForwardPorts(["8080,9090", "1"])).toEqual({ ports: [8080, 9090, 1] });
    expect(parsePortForwardPorts([])).toEqual({ error: `query parameter "port" is required` });
    expect(parsePortForwardPorts(["x"])).toEqual({ error: `unable to parse "x" as a port` });
    expect(parsePortForwardPorts(["0"])).toEqual({ error: `port "0" must be > 0` });
  });
});
