/**
 * spec.podFailurePolicy, as matchPodFailurePolicy applies it to a failed pod: the first rule that
 * matches decides — FailJob fails the Job with a message naming the pod, Ignore does not count the
 * failure against backoffLimit, Count (and FailIndex, which needs backoffLimitPerIndex, not served
 * here) counts it. No matching rule: counted.
 */
import type { ContainerStatus, Pod } from "../pod-status.ts";
import type { PodFailurePolicyRule } from "./types.ts";

export interface PolicyOutcome {
  /** Set when a FailJob rule matched. */
  failJobMessage?: string;
  countFailed: boolean;
  action?: PodFailurePolicyRule["action"];
}

function terminatedStatuses(pod: Pod): ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].filter((s) => s.state?.terminated);
}

function matchExitCodes(rule: PodFailurePolicyRule, pod: Pod): ContainerStatus | undefined {
  const req = rule.onExitCodes!;
  for (const s of terminatedStatuses(pod)) {
    if (req.containerName && req.containerName !== s.name) continue;
    const code = s.state!.terminated!.exitCode ?? 0;
    // Exit code 0 is a success: it never matches, whichever the operator.
    if (code === 0) continue;
    const listed = req.values.includes(code);
    if ((req.operator === "In" && listed) || (req.operator === "NotIn" && !listed)) return s;
  }
  return undefined;
}

function matchConditions(rule: PodFailurePolicyRule, pod: Pod): string | undefined {
  for (const pattern of rule.onPodConditions ?? []) {
    const c = pod.status?.conditions?.find((x) => x.type === pattern.type);
    if (c && c.status === (pattern.status ?? "True")) return c.type;
  }
  return undefined;
}

export function matchPodFailurePolicy(rules: PodFailurePolicyRule[], pod: Pod): PolicyOutcome {
  const podName = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const [index, rule] of rules.entries()) {
    let what: string | undefined;
    if (rule.onExitCodes) {
      const s = matchExitCodes(rule, pod);
      if (s) what = `Container ${s.name} for pod ${podName} failed with exit code ${s.state!.terminated!.exitCode} matching ${rule.action} rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const type = matchConditions(rule, pod);
      if (type) what = `Pod ${podName} has condition ${type} matching ${rule.action} rule at index ${index}`;
    }
    if (what === undefined) continue;
    switch (rule.action) {
      case "FailJob":
        return { failJobMessage: what, countFailed: true, action: rule.action };
      case "Ignore":
        return { countFailed: false, action: rule.action };
      default:
        return { countFailed: true, action: rule.action };
    }
  }
  return { countFailed: true };
}
