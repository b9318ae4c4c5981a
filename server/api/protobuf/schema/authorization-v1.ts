/**
 * Protobuf field numbers of authorization.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const authorizationV1: SchemaTable = {
  "authorization.v1.ExtraValue": { 1: ["items", "string", "r"] },
  "authorization.v1.FieldSelectorAttributes": { 1: ["rawSelector", "string"], 2: ["requirements", "meta.v1.FieldSelectorRequirement", "r"] },
  "authorization.v1.LabelSelectorAttributes": { 1: ["rawSelector", "string"], 2: ["requirements", "meta.v1.LabelSelectorRequirement", "r"] },
  "authorization.v1.LocalSubjectAccessReview": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "authorization.v1.SubjectAccessReviewSpec"], 3: ["status", "authorization.v1.SubjectAccessReviewStatus"] },
  "authorization.v1.NonResourceAttributes": { 1: ["path", "string"], 2: ["verb", "string"] },
  "authorization.v1.NonResourceRule": { 1: ["verbs", "string", "r"], 2: ["nonResourceURLs", "string", "r"] },
  "authorization.v1.ResourceAttributes": { 1: ["namespace", "string"], 2: ["verb", "string"], 3: ["group", "string"], 4: ["version", "string"], 5: ["resource", "string"], 6: ["subresource", "string"], 7: ["name", "string"], 8: ["fieldSelector", "authorization.v1.FieldSelectorAttributes", "p"], 9: ["labelSelector", "authorization.v1.LabelSelectorAttributes", "p"] },
  "authorization.v1.ResourceRule": { 1: ["verbs", "string", "r"], 2: ["apiGroups", "string", "r"], 3: ["resources", "string", "r"], 4: ["resourceNames", "string", "r"] },
  "authorization.v1.SelfSubjectAccessReview": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "authorization.v1.SelfSubjectAccessReviewSpec"], 3: ["status", "authorization.v1.SubjectAccessReviewStatus"] },
  "authorization.v1.SelfSubjectAccessReviewSpec": { 1: ["resourceAttributes", "authorization.v1.ResourceAttributes", "p"], 2: ["nonResourceAttributes", "authorization.v1.NonResourceAttributes", "p"] },
  "authorization.v1.SelfSubjectRulesReview": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "authorization.v1.SelfSubjectRulesReviewSpec"], 3: ["status", "authorization.v1.SubjectRulesReviewStatus"] },
  "authorization.v1.SelfSubjectRulesReviewSpec": { 1: ["namespace", "string"] },
  "authorization.v1.SubjectAccessReview": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "authorization.v1.SubjectAccessReviewSpec"], 3: ["status", "authorization.v1.SubjectAccessReviewStatus"] },
  "authorization.v1.SubjectAccessReviewSpec": { 1: ["resourceAttributes", "authorization.v1.ResourceAttributes", "p"], 2: ["nonResourceAttributes", "authorization.v1.NonResourceAttributes", "p"], 3: ["user", "string"], 4: ["groups", "string", "r"], 5: ["extra", "authorization.v1.ExtraValue", "m"], 6: ["uid", "string"] },
  "authorization.v1.SubjectAccessReviewStatus": { 1: ["allowed", "bool"], 2: ["reason", "string"], 3: ["evaluationError", "string"], 4: ["denied", "bool", "z"] },
  "authorization.v1.SubjectRulesReviewStatus": { 1: ["resourceRules", "authorization.v1.ResourceRule", "r"], 2: ["nonResourceRules", "authorization.v1.NonResourceRule", "r"], 3: ["incomplete", "bool"], 4: ["evaluationError", "string"] },
};
