/**
 * GET pods/{name}/log: the container's log as `text/plain`, streamed (chunked) while `follow`
 * is set, from the node's kubelet (streams/mod.ts). Query (PodLogOptions): container, follow,
 * previous, sinceSeconds, sinceTime, tailLines, timestamps, limitBytes,
 * insecureSkipTLSVerifyBackend (accepted; the kubelet is always verified against the cluster CA).
 * Refusals as upstream: `container x is not valid for pod y`, `container "x" in pod "y" is
 * waiting to start: <reason>`, `previous terminated container "x" in pod "y" not found` (400).
 */
import type { UserInfo } from "../app.ts";
import { badRequest, methodNotSupported } from "../status.ts";
import type { ResourceCall } from "./context.ts";
import { asApiError, type NodeStreamsResolver, streamTarget } from "./pod-stream-target.ts";

function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  if (v === null) return false;
  if (v === "" || v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw badRequest(`invalid boolean value for ${name}: ${JSON.stringify(v)}`);
}

function integer(query: URLSearchParams, name: string, min: number): number | undefined {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  const n = Number(v);
  if (n < min) throw badRequest(`PodLogOptions "" is invalid: ${name}: Invalid value: ${n}: must be greater than ${min === 0 ? "or equal to 0" : min - 1}`);
  return n;
}

export function podLogHandler(resolve: NodeStreamsResolver) {
  return async (call: ResourceCall, _user: UserInfo): Promise<Response> => {
    if (call.info.verb !== "get") throw methodNotSupported({ group: "", resource: "pods/log" }, call.info.verb);
    const q = call.query;
    const follow = flag(q, "follow");
    const previous = flag(q, "previous");
    const timestamps = flag(q, "timestamps");
    flag(q, "insecureSkipTLSVerifyBackend");
    const tailLines = integer(q, "tailLines", 0);
    const limitBytes = integer(q, "limitBytes", 1);
    const sinceSeconds = integer(q, "sinceSeconds", 1);
    const sinceTime = q.get("sinceTime");
    if (sinceSeconds !== undefined && sinceTime) throw badRequest(`PodLogOptions "" is invalid: : Forbidden: at most one of \`sinceTime\` or \`sinceSeconds\` may be specified`);
    let since: number | undefined;
    if (sinceSeconds !== undefined) since = Date.now() - sinceSeconds * 1000;
    else if (sinceTime) {
      since = Date.parse(sinceTime);
      if (Number.isNaN(since)) throw badRequest(`invalid value for sinceTime: ${JSON.stringify(sinceTime)}`);
    }

    const target = await streamTarget(call);
    const podName = target.pod.metadata.name!;
    const state = target.status?.state;
    if (previous) {
      if (!target.status?.lastState?.terminated) throw badRequest(`previous terminated container "${target.container}" in pod "${podName}" not found`);
    } else if (!target.nodeName || !state || (!state.running && !state.terminated && !target.status?.lastState?.terminated)) {
      const reason = state?.waiting?.reason ?? (target.nodeName ? "ContainerCreating" : "PodInitializing");
      throw badRequest(`container "${target.container}" in pod "${podName}" is waiting to start: ${reason}`);
    }
    const streams = await resolve(target.nodeName!, call);
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    call.request.signal.addEventListener("abort", onAbort, { once: true });
    call.services.signal.addEventListener("abort", onAbort, { once: true });
    let body: ReadableStream<Uint8Array>;
    try {
      body = await streams.logs(
        { namespace: target.pod.metadata.namespace!, name: podName, uid: target.pod.metadata.uid },
        target.container,
        { follow, previous, timestamps, tailLines, limitBytes, since, signal: abort.signal },
      );
    } catch (err) {
      throw asApiError(err);
    }
    // The client going away (or the server stopping) ends the kubelet's stream too.
    return new Response(relay(body, abort), {
      status: 200,
      headers: { "Content-Type": "text/plain", "Cache-Control": "no-cache, private" },
    });
  };
}

/** Copies the kubelet's stream to the client; a cancel from the client aborts the kubelet's side. */
function relay(source: ReadableStream<Uint8Array>, abort: AbortController): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
      }
    },
    cancel() {
      abort.abort();
      void reader.cancel().catch(() => {});
    },
  });
}
