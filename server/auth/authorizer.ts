/**
 * The authorization contract (apiserver's authorizer.Attributes and Decision) and the chain
 * kube-apiserver builds: the first authorizer with an opinion decides, and nobody's opinion is a denial.
 * Attributes are shaped so that server/api's RequestInfo spreads into them: `{ user, ...info }`.
 */
import { SYSTEM_MASTERS, type UserInfo } from "./user.ts";

export interface Attributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  /** Non-resource requests: the URL path. */
  path: string;
  apiGroup?: string;
  apiVersion?: string;
  /** "" for cluster-scoped requests. */
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface Decision {
  decision: "allow" | "deny" | "noOpinion";
  reason: string;
}

export type Authorizer = (attributes: Attributes) => Promise<Decision>;

export function chainAuthorizers(...authorizers: Authorizer[]): Authorizer {
  return async (attributes) => {
    const reasons: string[] = [];
    for (const authorizer of authorizers) {
      const result = await authorizer(attributes);
      if (result.decision !== "noOpinion") return result;
      if (result.reason) reasons.push(result.reason);
    }
    return { decision: "noOpinion", reason: reasons.join(", ") };
  };
}

/** system:masters may do anything, before RBAC is even consulted (as kube-apiserver's first authorizer). */
export function privilegedGroupAuthorizer(groups: string[] = [SYSTEM_MASTERS]): Authorizer {
  return async ({ user }) =>
    user.groups.some((g) => groups.includes(g)) ? { decision: "allow", reason: "" } : { decision: "noOpinion", reason: "" };
}
