/**
 * Protobuf field numbers of authentication.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const authenticationV1: SchemaTable = {
  "authentication.v1.BoundObjectReference": { 1: ["kind", "string"], 2: ["apiVersion", "string"], 3: ["name", "string"], 4: ["uid", "string"] },
  "authentication.v1.ExtraValue": { 1: ["items", "string", "r"] },
  "authentication.v1.SelfSubjectReview": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["status", "authentication.v1.SelfSubjectReviewStatus"] },
  "authentication.v1.SelfSubjectReviewStatus": { 1: ["userInfo", "authentication.v1.UserInfo"] },
  "authentication.v1.TokenRequest": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "authentication.v1.TokenRequestSpec"], 3: ["status", "authentication.v1.TokenRequestStatus"] },
  "authentication.v1.TokenRequestSpec": { 1: ["audiences", "string", "r"], 3: ["boundObjectRef", "authentication.v1.BoundObjectReference", "p"], 4: ["expirationSeconds", "int64", "p"] },
  "authentication.v1.TokenRequestStatus": { 1: ["token", "string"], 2: ["expirationTimestamp", "meta.v1.Time"] },
  "authentication.v1.TokenReview": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "authentication.v1.TokenReviewSpec"], 3: ["status", "authentication.v1.TokenReviewStatus"] },
  "authentication.v1.TokenReviewSpec": { 1: ["token", "string"], 2: ["audiences", "string", "r"] },
  "authentication.v1.TokenReviewStatus": { 1: ["authenticated", "bool", "z"], 2: ["user", "authentication.v1.UserInfo"], 3: ["error", "string"], 4: ["audiences", "string", "r"] },
  "authentication.v1.UserInfo": { 1: ["username", "string"], 2: ["uid", "string"], 3: ["groups", "string", "r"], 4: ["extra", "authentication.v1.ExtraValue", "m"] },
};
