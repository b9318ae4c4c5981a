/**
 * metav1.LabelSelector as text in table cells: upstream's FormatLabelSelector ("<none>" for an
 * empty selector, "<error>" for a bad one) and the plain selector string Deployments print.
 */
import { labelSelectorFromObject, type LabelSelectorObject } from "../../api/selectors/labels.ts";

/** The selector string (`app=web,tier in (a,b)`), "" for an empty one, undefined when invalid. */
export function selectorText(selector: unknown): string | undefined {
  if (selector === undefined || selector === null) return "";
  try {
    return labelSelectorFromObject(selector as LabelSelectorObject).toString();
  } catch {
    return undefined;
  }
}

/** metav1.FormatLabelSelector, as the SELECTOR columns of workloads and NetworkPolicy show it. */
export function formatLabelSelector(selector: unknown): string {
  const text = selectorText(selector);
  if (text === undefined) return "<error>";
  return text === "" ? "<none>" : text;
}
