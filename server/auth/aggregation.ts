/**
 * ClusterRole aggregation: a ClusterRole with an aggregationRule holds the union of the rules of
 * the ClusterRoles its selectors match (upstream's clusterroleaggregation controller). This
 * computes that union; the controller that writes it back is separate, and the authorizer uses
 * it directly so that admin/edit/view work before the controller has run.
 */
import { labelSelectorFromObject } from "../api/selectors/labels.ts";
import type { ClusterRole, LabelSelector, PolicyRule } from "./rbac-types.ts";

/**
 * The rules `role` should have. Selected roles are taken in name order and may aggregate in
 * turn (admin <- edit <- view); duplicates are dropped, and cycles end at a role already visited.
 */
export function aggregatedRules(role: ClusterRole, all: ClusterRole[], visiting = new Set<string>()): PolicyRule[] {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors) return role.rules ?? [];
  visiting.add(role.metadata.name);
  const selected = all
    .filter((other) => other.metadata.name !== role.metadata.name && !visiting.has(other.metadata.name))
    .filter((other) => selectors.some((selector) => selects(selector, other.metadata.labels)))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const other of selected) {
    for (const rule of aggregatedRules(other, all, new Set(visiting))) {
      const key = ruleKey(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push(rule);
    }
  }
  return rules;
}

function ruleKey(rule: PolicyRule): string {
  const list = (values: string[] | null | undefined) => values ?? [];
  return JSON.stringify([rule.verbs, list(rule.apiGroups), list(rule.resources), list(rule.resourceNames), list(rule.nonResourceURLs)]);
}

/** Whether a clusterRoleSelector selects these labels; a malformed selector selects nothing. */
function selects(selector: LabelSelector, labels: Record<string, string> | null | undefined): boolean {
  try {
    return labelSelectorFromObject(selector).matches(labels);
  } catch {
    return false;
  }
}
