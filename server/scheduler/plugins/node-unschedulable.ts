/**
 * NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate the
 * node.kubernetes.io/unschedulable:NoSchedule taint (DaemonSet pods do).
 */
import { type FilterPlugin, unresolvable } from "../framework.ts";
import { tolerates } from "./tolerations.ts";

export const ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";
const UNSCHEDULABLE_TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

export const nodeUnschedulable: FilterPlugin = {
  name: "NodeUnschedulable",
  filter(ctx, node) {
    if (!node.node.spec?.unschedulable) return undefined;
    if (tolerates(ctx.pod.spec.tolerations, UNSCHEDULABLE_TAINT)) return undefined;
    return unresolvable(this.name, ERR_REASON_UNSCHEDULABLE);
  },
};
