/**
 * The remote node streams (streams/remote.ts), loaded on first use: node:https, ws and the
 * client certificate cost nothing in a server whose nodes are all in its process.
 */
import { type NodeEndpoint, type NodeStreams, NodeStreamsError } from "./mod.ts";
import type { RemoteNodeStreamsOptions } from "./remote.ts";

/**
 * remoteNodeStreams with options made on first use (the API server issues its kubelet client
 * certificate only when a node outside its process is first reached: issuing loads the X.509 code).
 */
export function lazyRemoteNodeStreams(load: () => Promise<RemoteNodeStreamsOptions>): (node: NodeEndpoint) => NodeStreams {
  let factory: Promise<(node: NodeEndpoint) => NodeStreams> | undefined;
  const get = (node: NodeEndpoint) => {
    factory ??= Promise.all([load(), import("./remote.ts")]).then(([options, m]) => m.remoteNodeStreams(options)).catch((err) => {
      factory = undefined;
      throw err;
    });
    return factory.then((f) => f(node));
  };
  return (node) => ({
    logs: async (pod, container, o) => (await get(node)).logs(pod, container, o),
    exec: async (pod, container, o) => (await get(node)).exec(pod, container, o),
    attach: async (pod, container, o) => (await get(node)).attach(pod, container, o),
    stats: async () => (await get(node)).stats(),
    portForward: async (pod, port) => {
      const streams = await get(node);
      if (!streams.portForward) throw new NodeStreamsError(502, `the kubelet of node "${node.name}" does not serve port-forward`);
      return streams.portForward(pod, port);
    },
  });
}
