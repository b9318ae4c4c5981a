/**
 * NodeStreams of a node in another process: HTTPS to its kubelet endpoint
 * (agent/kubelet/server/https.ts) at the node's InternalIP and kubelet port, the API server
 * authenticating with its client certificate (CN kube-apiserver-kubelet-client). The kubelet's
 * serving certificate is verified against `kubeletCa` when one is given; without it, as
 * kube-apiserver without --kubelet-certificate-authority, it is not verified.
 * Exec and attach speak v5.channel.k8s.io over WebSocket (streams/remotecommand.ts) to the kubelet;
 * each port-forwarded connection is a WebSocket of its own to /portForward
 * (streams/portforward-channels.ts).
 */
import type { IncomingMessage } from "node:http";
import { Agent, request } from "node:https";
import WebSocket from "ws";
import {
  type AttachOptions,
  type ContainerLogOptions,
  type ExecOptions,
  type NodeEndpoint,
  type NodeStreams,
  NodeStreamsError,
  type PodRef,
  type PortForwardConnection,
  type StreamSession,
  type Summary,
} from "./mod.ts";
import { ChannelCodec, type ChannelSocket, CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT } from "./remotecommand.ts";
import { PORT_FORWARD_CHANNEL_PROTOCOLS, portForwardChannelsClient } from "./portforward-channels.ts";

export interface RemoteNodeStreamsOptions {
  /** The API server's client certificate and key (PEM). */
  cert: string;
  key: string;
  /** The CA the kubelets' serving certificates chain to; absent: not verified. */
  kubeletCa?: string;
  /** Override the node's address and kubelet port (tests). */
  address?: string;
  port?: number;
}

const DEFAULT_PORT = 10250;

/** A kubelet's refusal (its Status message, or the plain text it sent) as the NodeStreamsError the API server passes on. */
function rejectWithKubeletError(res: IncomingMessage, reject: (err: Error) => void): void {
  let text = "";
  res.on("data", (d: Buffer) => (text += d.toString()));
  res.on("end", () => {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // plain text
    }
    reject(new NodeStreamsError(res.statusCode ?? 502, message));
  });
}

function addressOf(node: NodeEndpoint): string {
  const a = node.addresses.find((x) => x.type === "InternalIP") ?? node.addresses.find((x) => x.type === "ExternalIP") ?? node.addresses.find((x) => x.type === "Hostname");
  if (!a) throw new NodeStreamsError(502, `node "${node.name}" has no address to reach its kubelet at`);
  return a.address.includes(":") ? `[${a.address}]` : a.address;
}

export function remoteNodeStreams(options: RemoteNodeStreamsOptions): (node: NodeEndpoint) => NodeStreams {
  const agent = new Agent({ cert: options.cert, key: options.key, ca: options.kubeletCa, rejectUnauthorized: options.kubeletCa !== undefined, keepAlive: true });
  return (node) => new RemoteNodeStreams(node, options, agent);
}

class RemoteNodeStreams implements NodeStreams {
  readonly #base: string;
  readonly #options: RemoteNodeStreamsOptions;
  readonly #agent: Agent;

  constructor(node: NodeEndpoint, options: RemoteNodeStreamsOptions, agent: Agent) {
    this.#base = `https://${options.address ?? addressOf(node)}:${options.port ?? (node.port || DEFAULT_PORT)}`;
    this.#options = options;
    this.#agent = agent;
  }

  #get(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    return new Promise((resolve, reject) => {
      const req = request(this.#base + path, { agent: this.#agent, method: "GET", signal }, (res) => {
        if (res.statusCode !== 200) {
          rejectWithKubeletError(res, reject);
          return;
        }
        resolve(new ReadableStream<Uint8Array>({
          start(controller) {
            res.on("data", (d: Buffer) => controller.enqueue(new Uint8Array(d)));
            res.on("end", () => controller.close());
            res.on("error", () => controller.close());
            res.on("close", () => {
              try {
                controller.close();
              } catch {
                // closed already
              }
            });
          },
          cancel() {
            res.destroy();
          },
        }));
      });
      req.on("error", (err) => reject(signal?.aborted ? err : new NodeStreamsError(502, `error dialing the kubelet at ${this.#base}: ${err.message}`)));
      req.end();
    });
  }

  async logs(pod: PodRef, container: string, o: ContainerLogOptions): Promise<ReadableStream<Uint8Array>> {
    const q = new URLSearchParams();
    if (o.follow) q.set("follow", "true");
    if (o.previous) q.set("previous", "true");
    if (o.timestamps) q.set("timestamps", "true");
    if (o.tailLines !== undefined) q.set("tailLines", String(o.tailLines));
    if (o.limitBytes !== undefined) q.set("limitBytes", String(o.limitBytes));
    if (o.since !== undefined) q.set("sinceTime", new Date(o.since).toISOString());
    if (pod.uid) q.set("podUID", pod.uid);
    return this.#get(`/containerLogs/${encodeURIComponent(pod.namespace)}/${encodeURIComponent(pod.name)}/${encodeURIComponent(container)}?${q}`, o.signal);
  }

  async stats(): Promise<Summary> {
    const body = await this.#get("/stats/summary");
    return JSON.parse(await new Response(body).text()) as Summary;
  }

  exec(pod: PodRef, container: string, o: ExecOptions): Promise<StreamSession> {
    const q = new URLSearchParams();
    for (const c of o.command) q.append("command", c);
    return this.#session("exec", pod, container, o, q);
  }

  attach(pod: PodRef, container: string, o: AttachOptions): Promise<StreamSession> {
    return this.#session("attach", pod, container, o, new URLSearchParams());
  }

  /** One connection to `port` in the pod: a WebSocket to the kubelet's /portForward for that port. */
  portForward(pod: PodRef, port: number): Promise<PortForwardConnection> {
    const q = new URLSearchParams({ port: String(port) });
    if (pod.uid) q.set("podUID", pod.uid);
    const url = `${this.#base.replace(/^https/, "wss")}/portForward/${encodeURIComponent(pod.namespace)}/${encodeURIComponent(pod.name)}?${q}`;
    const ws = this.#dial(url, [...PORT_FORWARD_CHANNEL_PROTOCOLS]);
    return new Promise((resolve, reject) => {
      this.#refusals(ws, reject);
      ws.on("open", () => {
        const socket: ChannelSocket = {
          send: (data) => {
            if (ws.readyState === WebSocket.OPEN) ws.send(data);
          },
          close: (code, reason) => ws.close(code, reason),
          onMessage: (listener) => ws.on("message", (data: Buffer, isBinary: boolean) => listener(isBinary ? new Uint8Array(data) : String(data))),
          onClose: (listener) => ws.on("close", listener),
        };
        resolve(portForwardChannelsClient(socket, ws.protocol));
      });
    });
  }

  #dial(url: string, protocols: string[]): WebSocket {
    return new WebSocket(url, protocols, { agent: this.#agent, cert: this.#options.cert, key: this.#options.key, ca: this.#options.kubeletCa, rejectUnauthorized: this.#options.kubeletCa !== undefined });
  }

  /** A refused upgrade or a failed dial, as the NodeStreamsError the API server passes on. */
  #refusals(ws: WebSocket, reject: (err: Error) => void): void {
    ws.on("unexpected-response", (_req, res) => rejectWithKubeletError(res, reject));
    ws.on("error", (err) => reject(new NodeStreamsError(502, `error dialing the kubelet: ${err.message}`)));
  }

  #session(kind: string, pod: PodRef, container: string, o: AttachOptions, q: URLSearchParams): Promise<StreamSession> {
    for (const k of ["stdin", "stdout", "stderr", "tty"] as const) if (o[k]) q.set(k, "true");
    if (pod.uid) q.set("podUID", pod.uid);
    const url = `${this.#base.replace(/^https/, "wss")}/${kind}/${encodeURIComponent(pod.namespace)}/${encodeURIComponent(pod.name)}/${encodeURIComponent(container)}?${q}`;
    const ws = this.#dial(url, ["v5.channel.k8s.io"]);
    const codec = new ChannelCodec("v5.channel.k8s.io");
    return new Promise((resolve, reject) => {
      this.#refusals(ws, reject);
      ws.on("open", () => {
        const outs = new Map<number, ReadableStreamDefaultController<Uint8Array>>();
        const stream = (channel: number) => new ReadableStream<Uint8Array>({ start: (c) => void outs.set(channel, c) });
        const stdout = o.stdout || o.tty ? stream(STDOUT) : undefined;
        const stderr = o.stderr && !o.tty ? stream(STDERR) : undefined;
        let status = "";
        let settle!: (code: number) => void;
        let fail!: (err: Error) => void;
        const exit = new Promise<number>((res, rej) => ((settle = res), (fail = rej)));
        ws.on("message", (data: Buffer, isBinary: boolean) => {
          const m = codec.decode(isBinary ? new Uint8Array(data) : String(data));
          if (!m) return;
          if (m.channel === ERROR) status += new TextDecoder().decode(m.payload);
          else outs.get(m.channel)?.enqueue(m.payload.slice());
        });
        ws.on("close", () => {
          for (const c of outs.values()) {
            try {
              c.close();
            } catch {
              // closed already
            }
          }
          if (!status) return settle(0);
          try {
            const s = JSON.parse(status) as { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };
            if (s.status === "Success") return settle(0);
            const code = s.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
            if (s.reason === "NonZeroExitCode" && code !== undefined) return settle(Number(code));
            fail(new Error(s.message ?? status));
          } catch {
            fail(new Error(status));
          }
        });
        const send = (channel: number, payload: Uint8Array) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(codec.encode(channel, payload));
        };
        resolve({
          stdin: o.stdin
            ? new WritableStream<Uint8Array>({ write: (chunk) => send(STDIN, chunk), close: () => send(CLOSE, new Uint8Array([STDIN])) })
            : undefined,
          stdout,
          stderr,
          resize: (size) => send(RESIZE, new TextEncoder().encode(JSON.stringify({ Width: size.width, Height: size.height }))),
          exit,
          close: () => ws.close(),
        });
      });
    });
  }
}

