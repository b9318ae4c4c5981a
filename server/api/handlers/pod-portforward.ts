/**
 * pods/portforward: kubectl port-forward's two ways in, both SPDY/3.1 with the port-forward
 * protocol (protocols/spdy/portforward.ts) on top:
 * - kubectl 1.31+: a WebSocket GET with the subprotocol `SPDY/3.1+portforward.k8s.io`, whose
 *   binary messages carry the SPDY byte stream (client-go tools/portforward/tunneling_dialer.go;
 *   upstream's API server tunnels it to the kubelet, apiserver util/proxy/streamtunnel.go);
 * - the fallback (and kubectl 1.30): POST with `Upgrade: SPDY/3.1` and
 *   `X-Stream-Protocol-Version: portforward.k8s.io`, answered 101 with the chosen version, then
 *   SPDY on the socket itself. The Node transport serves it; Deno.serve has no raw socket.
 *
 * Each forwarded connection is a call to the node's `portForward(pod, port)`: an in-process
 * kubelet's runtime, or a remote kubelet. Failures reach kubectl on the error stream as the
 * kubelet writes them: `error forwarding port 8080 to pod NAME_NAMESPACE, uid UID: <reason>`.
 * Problems found before the upgrade (no such pod, not running, no node) are plain HTTP Status
 * answers, which kubectl prints.
 */
import {
  choosePortForwardProtocol, type ForwardedConnection, PORT_FORWARD_PROTOCOL, servePortForward, SPDY_TUNNELING_PREFIX,
} from "../../../protocols/spdy/portforward.ts";
import type { UserInfo } from "../app.ts";
import type { ResourceRequestInfo } from "../request-info.ts";
import { errorResponse } from "../respond.ts";
import { ApiError, badRequest } from "../status.ts";
import {
  isSpdyUpgrade, isWebSocketUpgrade, offeredProtocols, SPDY_UNSERVED_MESSAGE, type AnyUpgradeAcceptance, type UpgradeAcceptance,
} from "../upgrade.ts";
import type { ApiServices, ResourceCall } from "./context.ts";
import { NodeStreamsError } from "../../../streams/mod.ts";
import type { NodeStreamsResolver, PodView } from "./pod-stream-target.ts";

/** The pod a port-forward is for (the shape of streams/mod.ts's PodRef). */
export interface PortForwardPodRef {
  namespace: string;
  name: string;
  uid?: string;
}

/** A node's side of port-forward (streams/mod.ts's NodeStreams gains it as `portForward`). */
export interface PortForwarder {
  portForward(pod: PortForwardPodRef, port: number): Promise<ForwardedConnection>;
}

/** The node's forwarder; throws an ApiError (502) when the node cannot be reached. */
export type PortForwarderResolver = (nodeName: string, call: ResourceCall) => Promise<PortForwarder>;

/** The node's forwarder from its NodeStreams (streams/mod.ts), if it serves port-forward. */
export function portForwarderOf(resolve: NodeStreamsResolver): PortForwarderResolver {
  return async (nodeName, call) => {
    const streams = await resolve(nodeName, call);
    if (!streams.portForward) throw new ApiError(502, "InternalError", `the kubelet of node "${nodeName}" does not serve port-forward`);
    return {
      portForward: async (pod, port) => {
        try {
          return await streams.portForward!(pod, port);
        } catch (err) {
          // The node's refusal, as its message (it goes on the error stream).
          throw err instanceof NodeStreamsError ? new Error(err.message) : err;
        }
      },
    };
  };
}

/**
 * The plain HTTP answer for pods/portforward: it only works upgraded (as upstream says). A SPDY
 * upgrade only lands here when the transport cannot switch a raw connection (Deno.serve).
 */
export async function podPortForwardWithoutUpgrade(call: ResourceCall): Promise<Response> {
  if (isSpdyUpgrade(call.request)) throw badRequest(SPDY_UNSERVED_MESSAGE);
  throw badRequest("Upgrade request required");
}

function reason(err: unknown): string {
  return String((err as Error)?.message ?? err);
}

export function podPortForwardUpgrade(services: ApiServices, resolve: PortForwarderResolver) {
  return async (request: Request, info: ResourceRequestInfo, _user: UserInfo): Promise<Response | AnyUpgradeAcceptance> => {
    try {
      const websocket = isWebSocketUpgrade(request);
      if (!websocket && !isSpdyUpgrade(request)) throw badRequest("Upgrade request required");
      const offered = websocket
        ? offeredProtocols(request)
        : (request.headers.get("x-stream-protocol-version") ?? "").split(",").map((p) => p.trim()).filter(Boolean);
      const protocol = choosePortForwardProtocol(offered, websocket);
      if (protocol === undefined) {
        const wanted = websocket ? SPDY_TUNNELING_PREFIX + PORT_FORWARD_PROTOCOL : PORT_FORWARD_PROTOCOL;
        throw badRequest(`unable to upgrade: none of the offered protocols ${JSON.stringify(offered)} is ${wanted}`);
      }
      const url = new URL(request.url);
      const def = services.catalog.get("", "v1", "pods");
      if (!def) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
      const call: ResourceCall = {
        request, url, query: url.searchParams, info, def,
        store: services.storeFor(def),
        format: { encoding: "json" } as ResourceCall["format"],
        services,
      };
      const pod = (await call.store.get(info.namespace || undefined, info.name, { signal: request.signal })) as PodView;
      const name = pod.metadata.name!;
      const namespace = pod.metadata.namespace!;
      const nodeName = pod.spec?.nodeName;
      if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
      const phase = pod.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") throw badRequest(`cannot port-forward to a completed pod; current phase is ${phase}`);
      const forwarder = await resolve(nodeName, call);
      const ref: PortForwardPodRef = { namespace, name, uid: pod.metadata.uid };
      const fullName = `${name}_${namespace}`;
      const options = {
        forward: (port: number) => forwarder.portForward(ref, port),
        describeError: (port: number, err: unknown) => `error forwarding port ${port} to pod ${fullName}, uid ${ref.uid ?? ""}: ${reason(err)}`,
        onError: (port: number, err: unknown) => services.log.debug("port-forward failed", { pod: `${namespace}/${name}`, port, error: reason(err) }),
      };
      if (websocket) {
        const acceptance: UpgradeAcceptance = {
          protocol,
          open(socket) {
            const session = servePortForward({
              write: (bytes) => socket.send(bytes),
              close: () => socket.close(1000),
            }, options);
            socket.onMessage((data) => {
              // The tunnel carries binary messages only (client-go's TunnelingConnection).
              if (typeof data === "string") session.transportClosed(new Error("text message in a SPDY tunnel"));
              else session.receive(data);
            });
            socket.onClose(() => session.transportClosed());
          },
        };
        return acceptance;
      }
      return {
        kind: "raw",
        upgrade: "SPDY/3.1",
        headers: { "X-Stream-Protocol-Version": protocol },
        open(connection) {
          const session = servePortForward({ write: (bytes) => connection.write(bytes), close: () => connection.close() }, options);
          connection.onData((bytes) => session.receive(bytes));
          connection.onClose(() => session.transportClosed());
        },
      };
    } catch (err) {
      if (!(err instanceof ApiError)) services.log.error("pods/portforward failed", { error: err });
      return errorResponse(err);
    }
  };
}
