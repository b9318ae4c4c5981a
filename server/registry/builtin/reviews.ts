/**
 * The review kinds of authorization.k8s.io/v1 and authentication.k8s.io/v1: create-only and
 * never stored — a POST answers with the object and its status filled in. These definitions
 * give discovery, OpenAPI and body decoding what they need; the answers come from
 * server/api/handlers/reviews.ts, which the assembly routes ahead of the generic handlers.
 */
import type { ResourceDefinition } from "../types.ts";
import { defineKind } from "./define.ts";

function reviewKind(group: string, kind: string, resource: string, namespaced = false): ResourceDefinition {
  return defineKind({ group, version: "v1", kind, resource, namespaced, verbs: ["create"], modelName: `V1${kind}`, strategy: { generation: "none" } });
}

const AUTHZ = "authorization.k8s.io";
const AUTHN = "authentication.k8s.io";

export const selfsubjectaccessreviews = reviewKind(AUTHZ, "SelfSubjectAccessReview", "selfsubjectaccessreviews");
export const subjectaccessreviews = reviewKind(AUTHZ, "SubjectAccessReview", "subjectaccessreviews");
export const localsubjectaccessreviews = reviewKind(AUTHZ, "LocalSubjectAccessReview", "localsubjectaccessreviews", true);
export const selfsubjectrulesreviews = reviewKind(AUTHZ, "SelfSubjectRulesReview", "selfsubjectrulesreviews");
export const tokenreviews = reviewKind(AUTHN, "TokenReview", "tokenreviews");
export const selfsubjectreviews = reviewKind(AUTHN, "SelfSubjectReview", "selfsubjectreviews");

export const authenticationResources: ResourceDefinition[] = [selfsubjectreviews, tokenreviews];
export const authorizationResources: ResourceDefinition[] = [localsubjectaccessreviews, selfsubjectaccessreviews, selfsubjectrulesreviews, subjectaccessreviews];
