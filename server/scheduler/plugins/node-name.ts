/** NodeName: a pod that names its node fits only there (pods that do are not queued, but a dry run may ask). */
import { type FilterPlugin, unresolvable } from "../framework.ts";

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export const nodeName: FilterPlugin = {
  name: "NodeName",
  filter(ctx, node) {
    const wanted = ctx.pod.spec.nodeName;
    return wanted && wanted !== node.name ? unresolvable(this.name, ERR_REASON_NODE_NAME) : undefined;
  },
};
