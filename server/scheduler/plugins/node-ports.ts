/** NodePorts: a host port (protocol, port, IP) can be held by one pod per node. */
import { type FilterPlugin, unschedulable } from "../framework.ts";
import { type HostPort, podHostPorts } from "../node-info.ts";

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

export const nodePorts: FilterPlugin = {
  name: "NodePorts",
  preFilter(ctx) {
    const ports = podHostPorts(ctx.pod);
    if (!ports.length) return "skip";
    ctx.state.set(this.name, ports);
    return undefined;
  },
  filter(ctx, node) {
    const ports = ctx.state.get(this.name) as HostPort[];
    for (const p of ports) if (node.portConflicts(p)) return unschedulable(this.name, ERR_REASON_PORTS);
    return undefined;
  },
};
