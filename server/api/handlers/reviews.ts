/**
 * The review endpoints: SelfSubjectAccessReview (`kubectl auth can-i`), SubjectAccessReview,
 * LocalSubjectAccessReview, SelfSubjectRulesReview (`kubectl auth can-i --list`), TokenReview
 * and SelfSubjectReview (`kubectl auth whoami`). Each POST is answered with the object it
 * carried and its status filled in (201), nothing is stored, as kube-apiserver's review REST
 * storages do. The authorizer, the token authenticator and the rules resolver are injected:
 * this file knows their contracts, not the server's assembly.
 */
import type { Attributes, Decision } from "../../auth/authorizer.ts";
import type { UserInfo } from "../../auth/user.ts";
import {
  localsubjectaccessreviews,
  selfsubjectaccessreviews,
  selfsubjectreviews,
  selfsubjectrulesreviews,
  subjectaccessreviews,
  tokenreviews,
} from "../../registry/builtin/reviews.ts";
import type { ResourceDefinition } from "../../registry/types.ts";
import type { KubeObject } from "../../storage/object.ts";
import { loadYaml } from "../lazy-yaml.ts";
import { chooseResponseFormat } from "../negotiate.ts";
import { respond } from "../respond.ts";
import { ApiError, badRequest, invalid, methodNotSupported, type StatusCause } from "../status.ts";
import { readObject } from "./body.ts";

/** The caller as the HTTP layer knows it (extra may be missing). */
export interface Caller {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface TokenReviewResult {
  authenticated: boolean;
  user?: Caller;
  /** The audiences the token is valid for, when the authenticator knows them. */
  audiences?: string[];
  /** Why the token was refused (status.error). */
  error?: string;
}

/** authorizationv1 SubjectRulesReviewStatus. */
export interface SubjectRules {
  resourceRules: { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }[];
  nonResourceRules: { verbs: string[]; nonResourceURLs?: string[] }[];
  incomplete: boolean;
  evaluationError?: string;
}

export interface ReviewDependencies {
  /** The server's authorizer chain. */
  authorize(attributes: Attributes): Promise<Decision>;
  /** Authenticates a bearer token, for `audiences` (the API server's when the review names none). */
  authenticateToken(token: string, audiences: string[]): Promise<TokenReviewResult>;
  /** What `user` may do in `namespace`; without it, rules reviews answer incomplete. */
  rulesFor?(user: UserInfo, namespace: string): Promise<SubjectRules>;
  /** --api-audiences; TokenReviews without audiences are checked against these. */
  apiAudiences?: string[];
  now?(): Date;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function userOf(caller: Caller): UserInfo {
  return { username: caller.username, uid: caller.uid, groups: [...caller.groups], extra: caller.extra ?? {} };
}

/** The user as authorization/authentication v1 UserInfo shows it (empty parts left out). */
function userInfoJson(user: UserInfo): Obj {
  const out: Obj = { username: user.username };
  if (user.uid) out.uid = user.uid;
  if (user.groups.length) out.groups = user.groups;
  if (Object.keys(user.extra ?? {}).length) out.extra = user.extra;
  return out;
}

function specOf(review: KubeObject): Obj {
  return isObj(review.spec) ? review.spec : {};
}

/** authorizationutil.ResourceAttributesFrom / NonResourceAttributesFrom. */
function attributesFrom(user: UserInfo, spec: Obj): Attributes {
  if (isObj(spec.resourceAttributes)) {
    const r = spec.resourceAttributes;
    return {
      user,
      verb: String(r.verb ?? ""),
      isResourceRequest: true,
      path: "",
      namespace: String(r.namespace ?? ""),
      apiGroup: String(r.group ?? ""),
      // An empty version means every version.
      apiVersion: r.version ? String(r.version) : "*",
      resource: String(r.resource ?? ""),
      subresource: String(r.subresource ?? ""),
      name: String(r.name ?? ""),
    };
  }
  const n = isObj(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {};
  return { user, verb: String(n.verb ?? ""), isResourceRequest: false, path: String(n.path ?? "") };
}

/** ValidateSelfSubjectAccessReviewSpec (also the attribute part of the other access reviews). */
function validateAttributes(spec: Obj): StatusCause[] {
  const hasResource = isObj(spec.resourceAttributes);
  const hasNonResource = isObj(spec.nonResourceAttributes);
  if (hasResource && hasNonResource) {
    return [{ reason: "FieldValueInvalid", field: "spec.nonResourceAttributes", message: `Invalid value: ${JSON.stringify(spec.nonResourceAttributes)}: cannot be specified in combination with resourceAttributes` }];
  }
  if (!hasResource && !hasNonResource) {
    return [{ reason: "FieldValueInvalid", field: "spec.resourceAttributes", message: "Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified" }];
  }
  return [];
}

/** Review objects carry no identity: upstream refuses any metadata but its zero value. */
function validateEmptyMetadata(review: KubeObject, allowNamespace: boolean): StatusCause[] {
  const meta = review.metadata as Obj;
  const set = Object.entries(meta).filter(([k, v]) => v !== undefined && v !== null && !(allowNamespace && k === "namespace") && !(Array.isArray(v) && v.length === 0) && !(isObj(v) && Object.keys(v).length === 0));
  if (set.length === 0) return [];
  return [{ reason: "FieldValueInvalid", field: "metadata", message: `Invalid value: ${JSON.stringify(Object.fromEntries(set))}: must be empty` }];
}

async function decide(deps: ReviewDependencies, attributes: Attributes): Promise<Obj> {
  try {
    const decision = await deps.authorize(attributes);
    const status: Obj = { allowed: decision.decision === "allow" };
    if (decision.decision === "deny") status.denied = true;
    if (decision.reason) status.reason = decision.reason;
    return status;
  } catch (err) {
    return { allowed: false, evaluationError: (err as Error).message };
  }
}

type ReviewHandler = (deps: ReviewDependencies, review: KubeObject, caller: Caller, namespace: string) => Promise<KubeObject>;

function fail(def: ResourceDefinition, causes: StatusCause[]): void {
  if (causes.length) throw invalid(def.kind, def.group, "", causes);
}

const selfSubjectAccessReview: ReviewHandler = async (deps, review, caller) => {
  const spec = specOf(review);
  fail(selfsubjectaccessreviews, [...validateEmptyMetadata(review, false), ...validateAttributes(spec)]);
  review.status = await decide(deps, attributesFrom(userOf(caller), spec));
  return review;
};

/** SubjectAccessReview and LocalSubjectAccessReview: about the user the spec names. */
function specUser(spec: Obj): UserInfo {
  const extra: Record<string, string[]> = {};
  if (isObj(spec.extra)) for (const [k, v] of Object.entries(spec.extra)) extra[k] = strings(v);
  return { username: String(spec.user ?? ""), uid: spec.uid ? String(spec.uid) : undefined, groups: strings(spec.groups), extra };
}

function validateSubject(spec: Obj): StatusCause[] {
  if (!spec.user && strings(spec.groups).length === 0) {
    return [{ reason: "FieldValueInvalid", field: "spec.user", message: `Invalid value: ${JSON.stringify(String(spec.user ?? ""))}: at least one of user or group must be specified` }];
  }
  return [];
}

const subjectAccessReview: ReviewHandler = async (deps, review) => {
  const spec = specOf(review);
  fail(subjectaccessreviews, [...validateEmptyMetadata(review, false), ...validateAttributes(spec), ...validateSubject(spec)]);
  review.status = await decide(deps, attributesFrom(specUser(spec), spec));
  return review;
};

const localSubjectAccessReview: ReviewHandler = async (deps, review, _caller, namespace) => {
  const spec = specOf(review);
  if (review.metadata.namespace && review.metadata.namespace !== namespace) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  const causes = [...validateEmptyMetadata(review, true), ...validateAttributes(spec), ...validateSubject(spec)];
  if (isObj(spec.nonResourceAttributes)) causes.push({ reason: "FieldValueInvalid", field: "spec.nonResourceAttributes", message: `Invalid value: ${JSON.stringify(spec.nonResourceAttributes)}: disallowed on this kind of request` });
  fail(localsubjectaccessreviews, causes);
  const attributes = isObj(spec.resourceAttributes) ? spec.resourceAttributes : {};
  if (String(attributes.namespace ?? "") !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
  review.metadata.namespace = namespace;
  review.status = await decide(deps, attributesFrom(specUser(spec), spec));
  return review;
};

const selfSubjectRulesReview: ReviewHandler = async (deps, review, caller) => {
  const namespace = String(specOf(review).namespace ?? "");
  if (!deps.rulesFor) {
    review.status = { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: "rules review is not supported by this server" };
    return review;
  }
  try {
    const rules = await deps.rulesFor(userOf(caller), namespace);
    const status: Obj = { resourceRules: rules.resourceRules, nonResourceRules: rules.nonResourceRules, incomplete: rules.incomplete };
    if (rules.evaluationError) status.evaluationError = rules.evaluationError;
    review.status = status;
  } catch (err) {
    review.status = { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: (err as Error).message };
  }
  return review;
};

const tokenReview: ReviewHandler = async (deps, review) => {
  const spec = specOf(review);
  const token = typeof spec.token === "string" ? spec.token : "";
  if (!token) throw badRequest("token is required for TokenReview in authentication");
  const wanted = strings(spec.audiences).length ? strings(spec.audiences) : (deps.apiAudiences ?? []);
  const result = await deps.authenticateToken(token, wanted);
  const status: Obj = { authenticated: result.authenticated, user: {} };
  if (result.error) status.error = result.error;
  let user = result.authenticated ? result.user : undefined;
  // A token for other audiences is not one for these (authenticator.Audiences.Intersect).
  if (user && wanted.length && result.audiences && !result.audiences.some((a) => wanted.includes(a))) {
    status.error = `token audiences ${JSON.stringify(result.audiences)} is invalid for the target audiences ${JSON.stringify(wanted)}`;
    status.authenticated = false;
    user = undefined;
  }
  if (user) {
    status.user = userInfoJson(userOf(user));
    status.audiences = result.audiences ?? wanted;
  }
  review.status = status;
  return review;
};

const selfSubjectReview: ReviewHandler = async (deps, review, caller) => {
  const now = deps.now?.() ?? new Date();
  review.metadata = { creationTimestamp: now.toISOString().replace(/\.\d+Z$/, "Z") };
  review.status = { userInfo: userInfoJson(userOf(caller)) };
  return review;
};

const HANDLERS = new Map<ResourceDefinition, ReviewHandler>([
  [selfsubjectaccessreviews, selfSubjectAccessReview],
  [subjectaccessreviews, subjectAccessReview],
  [localsubjectaccessreviews, localSubjectAccessReview],
  [selfsubjectrulesreviews, selfSubjectRulesReview],
  [tokenreviews, tokenReview],
  [selfsubjectreviews, selfSubjectReview],
]);

/** Answers a POST of a review of kind `def` (one of the six in registry/builtin/reviews.ts). */
export async function handleReview(deps: ReviewDependencies, def: ResourceDefinition, request: Request, caller: Caller, namespace = ""): Promise<Response> {
  const handler = HANDLERS.get(def);
  if (!handler) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  if (request.method !== "POST") throw methodNotSupported({ group: def.group, resource: def.resource }, request.method.toLowerCase() === "get" ? "get" : request.method.toLowerCase());
  const format = chooseResponseFormat(request.headers.get("accept"), false);
  if (format.encoding === "yaml") await loadYaml();
  const { object } = await readObject(request, def);
  const answered = await handler(deps, object, caller, namespace);
  return respond(answered, 201, format.encoding);
}

/**
 * The review endpoints as extra routes of the API app (`extraRoutes` in createApiApp), by path:
 * they are matched before the generic resource routes, behind the same authentication and
 * authorization. LocalSubjectAccessReviews take the namespaced prefix of their group.
 */
export function reviewRoutes(deps: ReviewDependencies): Record<string, (request: Request, user: Caller) => Promise<Response>> {
  const at = (def: ResourceDefinition) => `/apis/${def.group}/${def.version}/${def.resource}`;
  const routes: Record<string, (request: Request, user: Caller) => Promise<Response>> = {};
  for (const def of [selfsubjectaccessreviews, subjectaccessreviews, selfsubjectrulesreviews, tokenreviews, selfsubjectreviews]) {
    routes[at(def)] = (request, user) => handleReview(deps, def, request, user);
  }
  const lsar = localsubjectaccessreviews;
  routes[`/apis/${lsar.group}/${lsar.version}/namespaces/`] = (request, user) => {
    const rest = new URL(request.url).pathname.slice(`/apis/${lsar.group}/${lsar.version}/namespaces/`.length).split("/");
    if (rest.length !== 2 || rest[1] !== lsar.resource || !rest[0]) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
    return handleReview(deps, lsar, request, user, decodeURIComponent(rest[0]));
  };
  return routes;
}
