/**
 * Validation shared by the kinds that own pods through a template and a selector (apps/v1
 * workloads, batch/v1 Jobs and CronJobs), with upstream's field paths and messages
 * (pkg/apis/apps/validation, pkg/apis/batch/validation, apimachinery's ValidateLabelSelector).
 */
import { labelSelectorFromObject, type LabelSelectorObject } from "../../api/selectors/labels.ts";
import type { StatusCause } from "../../api/status.ts";
import { deepEqual } from "../rest/deep-equal.ts";
import { forbiddenField, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { qualifiedNameProblems, validateAnnotations, validateLabels } from "../validation/names.ts";
import { validatePodSpec } from "./core-pod-validation.ts";
import { goLabelSelector, goStringMap, invalidRendered } from "./go-values.ts";

type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

const MAX_INT32 = 2147483647;

/** ValidateNonnegativeField (an int32 field that may be absent). */
export function nonnegative(value: unknown, field: string): StatusCause[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "number" || !Number.isInteger(value) || value > MAX_INT32) return [invalidValue(field, value, "must be an integer")];
  return value < 0 ? [invalidValue(field, value, "must be greater than or equal to 0")] : [];
}

/** ValidatePositiveField. */
export function positive(value: unknown, field: string): StatusCause[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "number" || !Number.isInteger(value)) return [invalidValue(field, value, "must be an integer")];
  return value <= 0 ? [invalidValue(field, value, "must be greater than 0")] : [];
}

const PERCENT = /^[0-9]+%$/;

/** ValidatePositiveIntOrPercent, and IsNotMoreThan100Percent when `max100`. */
export function intOrPercent(value: unknown, field: string, max100 = false): StatusCause[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") {
    if (!PERCENT.test(value)) {
      return [invalidValue(field, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    }
    return max100 && Number(value.slice(0, -1)) > 100 ? [invalidValue(field, value, "must not be greater than 100%")] : [];
  }
  if (typeof value === "number" && Number.isInteger(value)) return nonnegative(value, field);
  return [invalidValue(field, value, "must be an integer or percentage (e.g '5%')")];
}

/** Whether an int-or-percent is zero ("0%" or 0). */
export function isZeroIntOrPercent(value: unknown): boolean {
  return value === 0 || value === "0%";
}

const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

/** unversioned ValidateLabelSelector: matchLabels and matchExpressions. */
export function validateLabelSelector(selector: unknown, field: string): StatusCause[] {
  if (!isObj(selector)) return [invalidValue(field, selector, "must be a label selector")];
  const out = validateLabels(selector.matchLabels, `${field}.matchLabels`);
  const expressions = selector.matchExpressions;
  if (expressions !== undefined && expressions !== null) {
    if (!Array.isArray(expressions)) return [...out, invalidValue(`${field}.matchExpressions`, expressions, "must be a list")];
    expressions.forEach((e: unknown, i) => {
      const at = `${field}.matchExpressions[${i}]`;
      const expr = isObj(e) ? e : {};
      const values = Array.isArray(expr.values) ? expr.values : [];
      if (expr.operator === "In" || expr.operator === "NotIn") {
        if (values.length === 0) out.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      } else if (expr.operator === "Exists" || expr.operator === "DoesNotExist") {
        if (values.length > 0) out.push(forbiddenField(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      } else {
        out.push(invalidValue(`${at}.operator`, expr.operator, "not a valid selector operator"));
      }
      for (const p of qualifiedNameProblems(String(expr.key ?? ""))) out.push(invalidValue(`${at}.key`, expr.key, p));
    });
  }
  return out;
}

function hasTerms(selector: Obj): boolean {
  const labels = isObj(selector.matchLabels) ? Object.keys(selector.matchLabels).length : 0;
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.length : 0;
  return labels + expressions > 0;
}

export interface TemplateRules {
  /** "deployment", "daemonset", "statefulset": the word in "empty selector is invalid for ...". */
  emptySelectorKind?: string;
  /** Whether spec.selector must be given (Jobs generate theirs before validation). */
  selectorRequired: boolean;
  /** The restart policies the template may have; Always only for apps workloads. */
  restartPolicies: "Always" | "OnFailureOrNever";
  /** Kind named in "activeDeadlineSeconds in ReplicaSet is not Supported" (apps workloads). */
  noActiveDeadlineFor?: string;
}

/**
 * A workload's selector and pod template at `path` (`spec`, or `spec.jobTemplate.spec`): the
 * selector is valid and non-empty, selects the template's labels, and the template is a valid
 * pod template with the restart policy the kind allows.
 */
export function validateSelectorAndTemplate(spec: Obj, path: string, rules: TemplateRules): StatusCause[] {
  const out: StatusCause[] = [];
  const selector = spec.selector;
  if (selector === undefined || selector === null) {
    if (rules.selectorRequired) out.push(required(`${path}.selector`));
  } else {
    out.push(...validateLabelSelector(selector, `${path}.selector`));
    if (rules.emptySelectorKind && isObj(selector) && !hasTerms(selector)) {
      out.push(invalidRendered(`${path}.selector`, goLabelSelector(selector), `empty selector is invalid for ${rules.emptySelectorKind}`));
    }
  }
  const template = spec.template;
  if (!isObj(template)) {
    out.push(required(`${path}.template`));
    return out;
  }
  const metadata = isObj(template.metadata) ? template.metadata : {};
  out.push(...validateLabels(metadata.labels, `${path}.template.metadata.labels`));
  out.push(...validateAnnotations(metadata.annotations, `${path}.template.metadata.annotations`));
  // A nil selector selects nothing, so a missing selector also fails to match (as upstream reports it).
  if (rules.selectorRequired || (selector !== undefined && selector !== null)) {
    let matches = false;
    let parsed = true;
    try {
      const s = labelSelectorFromObject((selector ?? null) as LabelSelectorObject | null);
      matches = s.requirements.length === 0 && !s.nothing ? true : s.matches(metadata.labels as Record<string, string> | undefined);
    } catch {
      parsed = false;
    }
    if (!parsed) out.push(invalidRendered(`${path}.selector`, goLabelSelector(selector), "invalid label selector"));
    else if (!matches) out.push(invalidRendered(`${path}.template.metadata.labels`, goStringMap(metadata.labels), "`selector` does not match template `labels`"));
  }
  const podSpec = template.spec;
  out.push(...validatePodSpec(podSpec, `${path}.template.spec`));
  if (!isObj(podSpec)) return out;
  const policy = podSpec.restartPolicy;
  if (rules.restartPolicies === "Always") {
    if (policy !== "Always") out.push(notSupported(`${path}.template.spec.restartPolicy`, policy ?? "", ["Always"]));
  } else if (policy === "Always" || policy === undefined || policy === "") {
    // The pod spec defaults restartPolicy to Always, so unset and Always get the same answer.
    out.push(required(`${path}.template.spec.restartPolicy`, `valid values: "OnFailure", "Never"`));
  } else if (policy !== "OnFailure" && policy !== "Never") {
    out.push(notSupported(`${path}.template.spec.restartPolicy`, policy, ["OnFailure", "Never"]));
  }
  if (rules.noActiveDeadlineFor && podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    out.push(forbiddenField(`${path}.template.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${rules.noActiveDeadlineFor} is not Supported`));
  }
  return out;
}

/** The selector may not change once set (apps/v1 and batch/v1). */
export function selectorImmutable(spec: unknown, oldSpec: unknown, path = "spec.selector"): StatusCause[] {
  const now = isObj(spec) ? spec.selector : undefined;
  const before = isObj(oldSpec) ? oldSpec.selector : undefined;
  if (deepEqual(now, before)) return [];
  return [invalidRendered(path, goLabelSelector(now), "field is immutable")];
}
