/**
 * Protobuf field numbers of admissionregistration.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const admissionregistrationV1: SchemaTable = {
  "admissionregistration.v1.AuditAnnotation": { 1: ["key", "string"], 2: ["valueExpression", "string"] },
  "admissionregistration.v1.ExpressionWarning": { 2: ["fieldRef", "string"], 3: ["warning", "string"] },
  "admissionregistration.v1.MatchCondition": { 1: ["name", "string"], 2: ["expression", "string"] },
  "admissionregistration.v1.MatchResources": { 1: ["namespaceSelector", "meta.v1.LabelSelector", "p"], 2: ["objectSelector", "meta.v1.LabelSelector", "p"], 3: ["resourceRules", "admissionregistration.v1.NamedRuleWithOperations", "r"], 4: ["excludeResourceRules", "admissionregistration.v1.NamedRuleWithOperations", "r"], 7: ["matchPolicy", "string", "p"] },
  "admissionregistration.v1.MutatingWebhook": { 1: ["name", "string"], 2: ["clientConfig", "admissionregistration.v1.WebhookClientConfig"], 3: ["rules", "admissionregistration.v1.RuleWithOperations", "r"], 4: ["failurePolicy", "string", "p"], 5: ["namespaceSelector", "meta.v1.LabelSelector", "p"], 6: ["sideEffects", "string"], 7: ["timeoutSeconds", "int32", "p"], 8: ["admissionReviewVersions", "string", "r"], 9: ["matchPolicy", "string", "p"], 10: ["reinvocationPolicy", "string", "p"], 11: ["objectSelector", "meta.v1.LabelSelector", "p"], 12: ["matchConditions", "admissionregistration.v1.MatchCondition", "r"] },
  "admissionregistration.v1.MutatingWebhookConfiguration": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["webhooks", "admissionregistration.v1.MutatingWebhook", "r"] },
  "admissionregistration.v1.MutatingWebhookConfigurationList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "admissionregistration.v1.MutatingWebhookConfiguration", "r"] },
  "admissionregistration.v1.NamedRuleWithOperations": { 1: ["resourceNames", "string", "r"], 2: ["ruleWithOperations", "admissionregistration.v1.RuleWithOperations", "i"] },
  "admissionregistration.v1.ParamKind": { 1: ["apiVersion", "string"], 2: ["kind", "string"] },
  "admissionregistration.v1.ParamRef": { 1: ["name", "string"], 2: ["namespace", "string"], 3: ["selector", "meta.v1.LabelSelector", "p"], 4: ["parameterNotFoundAction", "string", "p"] },
  "admissionregistration.v1.Rule": { 1: ["apiGroups", "string", "r"], 2: ["apiVersions", "string", "r"], 3: ["resources", "string", "r"], 4: ["scope", "string", "p"] },
  "admissionregistration.v1.RuleWithOperations": { 1: ["operations", "string", "r"], 2: ["rule", "admissionregistration.v1.Rule", "i"] },
  "admissionregistration.v1.ServiceReference": { 1: ["namespace", "string"], 2: ["name", "string"], 3: ["path", "string", "p"], 4: ["port", "int32", "p"] },
  "admissionregistration.v1.TypeChecking": { 1: ["expressionWarnings", "admissionregistration.v1.ExpressionWarning", "r"] },
  "admissionregistration.v1.ValidatingAdmissionPolicy": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "admissionregistration.v1.ValidatingAdmissionPolicySpec"], 3: ["status", "admissionregistration.v1.ValidatingAdmissionPolicyStatus"] },
  "admissionregistration.v1.ValidatingAdmissionPolicyBinding": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec"] },
  "admissionregistration.v1.ValidatingAdmissionPolicyBindingList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "admissionregistration.v1.ValidatingAdmissionPolicyBinding", "r"] },
  "admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec": { 1: ["policyName", "string"], 2: ["paramRef", "admissionregistration.v1.ParamRef", "p"], 3: ["matchResources", "admissionregistration.v1.MatchResources", "p"], 4: ["validationActions", "string", "r"] },
  "admissionregistration.v1.ValidatingAdmissionPolicyList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "admissionregistration.v1.ValidatingAdmissionPolicy", "r"] },
  "admissionregistration.v1.ValidatingAdmissionPolicySpec": { 1: ["paramKind", "admissionregistration.v1.ParamKind", "p"], 2: ["matchConstraints", "admissionregistration.v1.MatchResources", "p"], 3: ["validations", "admissionregistration.v1.Validation", "r"], 4: ["failurePolicy", "string", "p"], 5: ["auditAnnotations", "admissionregistration.v1.AuditAnnotation", "r"], 6: ["matchConditions", "admissionregistration.v1.MatchCondition", "r"], 7: ["variables", "admissionregistration.v1.Variable", "r"] },
  "admissionregistration.v1.ValidatingAdmissionPolicyStatus": { 1: ["observedGeneration", "int64", "z"], 2: ["typeChecking", "admissionregistration.v1.TypeChecking", "p"], 3: ["conditions", "meta.v1.Condition", "r"] },
  "admissionregistration.v1.ValidatingWebhook": { 1: ["name", "string"], 2: ["clientConfig", "admissionregistration.v1.WebhookClientConfig"], 3: ["rules", "admissionregistration.v1.RuleWithOperations", "r"], 4: ["failurePolicy", "string", "p"], 5: ["namespaceSelector", "meta.v1.LabelSelector", "p"], 6: ["sideEffects", "string"], 7: ["timeoutSeconds", "int32", "p"], 8: ["admissionReviewVersions", "string", "r"], 9: ["matchPolicy", "string", "p"], 10: ["objectSelector", "meta.v1.LabelSelector", "p"], 11: ["matchConditions", "admissionregistration.v1.MatchCondition", "r"] },
  "admissionregistration.v1.ValidatingWebhookConfiguration": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["webhooks", "admissionregistration.v1.ValidatingWebhook", "r"] },
  "admissionregistration.v1.ValidatingWebhookConfigurationList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "admissionregistration.v1.ValidatingWebhookConfiguration", "r"] },
  "admissionregistration.v1.Validation": { 1: ["expression", "string"], 2: ["message", "string"], 3: ["reason", "string", "p"], 4: ["messageExpression", "string"] },
  "admissionregistration.v1.Variable": { 1: ["name", "string"], 2: ["expression", "string"] },
  "admissionregistration.v1.WebhookClientConfig": { 1: ["service", "admissionregistration.v1.ServiceReference", "p"], 2: ["caBundle", "bytes"], 3: ["url", "string", "p"] },
};
