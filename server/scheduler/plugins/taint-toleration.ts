/**
 * TaintToleration: a node's NoSchedule and NoExecute taints keep off pods that do not tolerate
 * them (the first untolerated one names the reason); PreferNoSchedule taints only lower the
 * score, by how many of them the pod does not tolerate.
 */
import { defaultNormalize, type FilterPlugin, type ScorePlugin, unresolvable } from "../framework.ts";
import { effectiveTaints, tolerates } from "./tolerations.ts";

export const taintToleration: FilterPlugin = {
  name: "TaintToleration",
  filter(ctx, node) {
    const tolerations = ctx.pod.spec.tolerations;
    for (const taint of effectiveTaints(node.node)) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (!tolerates(tolerations, taint)) return unresolvable(this.name, `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`);
    }
    return undefined;
  },
};

export const taintTolerationScore: ScorePlugin = {
  name: "TaintToleration",
  weight: 3,
  score(ctx, node) {
    // Only tolerations that apply to PreferNoSchedule count (getAllTolerationPreferNoSchedule).
    const tolerations = (ctx.pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === "PreferNoSchedule");
    let count = 0;
    for (const taint of node.node.spec?.taints ?? []) {
      if (taint.effect === "PreferNoSchedule" && !tolerates(tolerations, taint)) count++;
    }
    return count;
  },
  normalize(_ctx, scores) {
    defaultNormalize(scores, true);
  },
};
