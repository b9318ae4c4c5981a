/**
 * pods/exec and pods/attach over WebSocket (kubectl 1.30+: `v5.channel.k8s.io`; v4, v3, v2, the
 * unversioned and the base64 channel protocols are accepted too). The request is a GET with
 * Upgrade and the query of PodExecOptions / PodAttachOptions: command (repeated), container,
 * stdin, stdout, stderr, tty. The session comes from the node's kubelet (streams/mod.ts) and runs
 * over streams/remotecommand.ts; the exit Status goes on channel 3.
 *
 * SPDY/3.1 (kubectl's fallback when the WebSocket upgrade fails, and its only way with
 * KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false): a POST with `Upgrade: SPDY/3.1` and
 * `X-Stream-Protocol-Version` v4/v3/v2.channel.k8s.io, answered 101 and served by
 * streams/remotecommand-spdy.ts on the raw connection. Only the Node transport can: Deno.serve
 * has no raw upgrade (no Deno.upgradeHttp since Deno 2), so under Deno such a request reaches
 * the plain HTTP handler, which says so in a Status; kubectl's own SPDY request (with
 * Content-Length: 0) is refused by Deno's server before that, with an empty 400 (serve-deno.ts).
 *
 * A request without any upgrade gets 400 "Upgrade request required", as upstream's does.
 */
import { chooseRemoteCommandProtocol, serveSession } from "../../../streams/remotecommand.ts";
import {
  chooseSpdyRemoteCommandProtocol, offeredStreamProtocols, serveSpdySession, STREAM_PROTOCOL_HEADER,
} from "../../../streams/remotecommand-spdy.ts";
import type { UserInfo } from "../app.ts";
import type { ResourceRequestInfo } from "../request-info.ts";
import { errorResponse } from "../respond.ts";
import { ApiError, badRequest } from "../status.ts";
import { type AnyUpgradeAcceptance, isSpdyUpgrade, isWebSocketUpgrade, offeredProtocols, SPDY_UNSERVED_MESSAGE, type UpgradeAcceptance } from "../upgrade.ts";
import type { ApiServices, ResourceCall } from "./context.ts";
import { asApiError, type NodeStreamsResolver, streamTarget } from "./pod-stream-target.ts";

function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v === "" || v === "true" || v === "1" || v === "True";
}

/**
 * The plain HTTP answer for pods/exec and pods/attach: they only work upgraded. A SPDY upgrade
 * only lands here when the transport cannot switch a raw connection (Deno.serve).
 */
export async function podStreamWithoutUpgrade(call: ResourceCall, _user: UserInfo): Promise<Response> {
  if (isSpdyUpgrade(call.request)) throw badRequest(SPDY_UNSERVED_MESSAGE);
  throw badRequest("Upgrade request required");
}

export function podStreamUpgrade(kind: "exec" | "attach", services: ApiServices, resolve: NodeStreamsResolver) {
  return async (request: Request, info: ResourceRequestInfo, _user: UserInfo): Promise<Response | AnyUpgradeAcceptance> => {
    try {
      const url = new URL(request.url);
      const q = url.searchParams;
      const command = q.getAll("command");
      const tty = flag(q, "tty");
      const options = { stdin: flag(q, "stdin"), stdout: flag(q, "stdout"), stderr: flag(q, "stderr") && !tty, tty };
      if (kind === "exec" && command.length === 0) throw badRequest("you must specify at least 1 command");
      if (!options.stdin && !options.stdout && !flag(q, "stderr")) throw badRequest("you must specify at least one of stdin, stdout, stderr");
      const def = services.catalog.get("", "v1", "pods");
      if (!def) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
      const call: ResourceCall = {
        request,
        url,
        query: q,
        info,
        def,
        store: services.storeFor(def),
        format: { encoding: "json" } as ResourceCall["format"],
        services,
      };
      const target = await streamTarget(call);
      const podName = target.pod.metadata.name!;
      if (!target.nodeName) throw badRequest(`pod ${podName} does not have a host assigned`);
      const phase = target.pod.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") {
        throw badRequest(`cannot ${kind === "exec" ? "exec into" : "attach to"} a container in a completed pod; current phase is ${phase}`);
      }
      // Checked after the request itself: kubectl falls back to SPDY when the WebSocket upgrade
      // is refused, and shows the SPDY attempt's error, which must then say what was wrong.
      const websocket = isWebSocketUpgrade(request);
      if (!websocket && !isSpdyUpgrade(request)) throw badRequest("Upgrade request required");
      let protocol: string | undefined;
      if (websocket) {
        protocol = chooseRemoteCommandProtocol(offeredProtocols(request));
        if (protocol === undefined) throw badRequest(`unable to upgrade connection: none of the offered subprotocols ${JSON.stringify(offeredProtocols(request))} is supported`);
      } else {
        const choice = chooseSpdyRemoteCommandProtocol(offeredStreamProtocols(request.headers.get(STREAM_PROTOCOL_HEADER)));
        if ("refusal" in choice) {
          throw choice.refusal.code === 403 ? new ApiError(403, "Forbidden", choice.refusal.message) : badRequest(choice.refusal.message);
        }
        protocol = choice.protocol;
      }
      const streams = await resolve(target.nodeName, call);
      const ref = { namespace: target.pod.metadata.namespace!, name: podName, uid: target.pod.metadata.uid };
      let session;
      try {
        session = kind === "exec" ? await streams.exec(ref, target.container, { ...options, command }) : await streams.attach(ref, target.container, options);
      } catch (err) {
        throw asApiError(err);
      }
      const opened = session;
      const chosen = protocol;
      if (!websocket) {
        return {
          kind: "raw",
          upgrade: "SPDY/3.1",
          headers: { [STREAM_PROTOCOL_HEADER]: chosen },
          open(connection) {
            const spdy = serveSpdySession({ write: (bytes) => connection.write(bytes), close: () => connection.close() }, opened, {
              protocol: chosen,
              io: options,
              command: kind === "exec" ? command : undefined,
            });
            connection.onData((bytes) => spdy.receive(bytes));
            connection.onClose(() => spdy.transportClosed());
          },
        };
      }
      const acceptance: UpgradeAcceptance = {
        protocol: protocol || undefined,
        open(socket) {
          void serveSession(socket, opened, { protocol: chosen, command: kind === "exec" ? command : undefined });
        },
      };
      return acceptance;
    } catch (err) {
      if (!(err instanceof ApiError)) services.log.error(`pods/${kind} failed`, { error: err });
      return errorResponse(err);
    }
  };
}
