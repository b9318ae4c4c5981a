/**
 * Bootstrap tokens (`<id>.<secret>`, kubeadm's and `k3s token create`'s), stored as Secrets
 * kube-system/bootstrap-token-<id> of type bootstrap.kubernetes.io/token, checked as upstream's
 * bootstrap authenticator does: the secret matches, the token is not expired, and it is meant
 * for authentication.
 */
import { constantTimeEqual } from "../auth/constant-time.ts";

export const BOOTSTRAP_TOKEN_TYPE = "bootstrap.kubernetes.io/token";
export const BOOTSTRAP_NAMESPACE = "kube-system";
export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export function bootstrapSecretName(id: string): string {
  return `bootstrap-token-${id}`;
}

export interface BootstrapSecret {
  type?: string;
  metadata: { deletionTimestamp?: string };
  data?: Record<string, string>;
}

/** The Secret's value for `key`, decoded. */
export function secretValue(secret: BootstrapSecret, key: string): string | undefined {
  const v = secret.data?.[key];
  return v === undefined ? undefined : atob(v);
}

/** Whether `id.secret` is a live bootstrap token, given its Secret (or undefined). */
export async function bootstrapTokenValid(secret: BootstrapSecret | undefined, id: string, tokenSecret: string, now: Date = new Date()): Promise<boolean> {
  if (!secret || secret.type !== BOOTSTRAP_TOKEN_TYPE || secret.metadata.deletionTimestamp) return false;
  if (secretValue(secret, "token-id") !== id) return false;
  if (!(await constantTimeEqual(secretValue(secret, "token-secret") ?? "", tokenSecret))) return false;
  const expiration = secretValue(secret, "expiration");
  if (expiration && !(Date.parse(expiration) > now.getTime())) return false;
  return secretValue(secret, "usage-bootstrap-authentication") === "true";
}
