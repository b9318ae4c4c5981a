/**
 * ServiceAccount tokens for projected volumes, after upstream's token manager
 * (pkg/kubelet/token): one TokenRequest per (account, audience, expiry, pod), bound to the pod,
 * kept until 80% of its life has passed or it is 24 hours old, then requested again. The kubelet
 * writes the fresh token into the volume; the old one stays valid until it expires.
 */
import type { Client, KubeObject } from "../../../plugins/client.ts";

export interface TokenRequestJson extends KubeObject {
  spec: { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: { kind: string; apiVersion: string; name: string; uid: string } };
  status?: { token: string; expirationTimestamp: string };
}

interface Entry {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

const MAX_TTL_MS = 24 * 3600_000;

export interface TokenKey {
  namespace: string;
  serviceAccount: string;
  audience?: string;
  expirationSeconds: number;
  podName: string;
  podUid: string;
}

export class TokenManager {
  readonly #client: Client;
  readonly #now: () => number;
  readonly #cache = new Map<string, Entry>();

  constructor(client: Client, now: () => number = Date.now) {
    this.#client = client;
    this.#now = now;
  }

  static #key(k: TokenKey): string {
    return [k.namespace, k.serviceAccount, k.audience ?? "", k.expirationSeconds, k.podUid].join("/");
  }

  /** When the cached token for `k` must be replaced (epoch ms); 0 when there is none. */
  refreshAt(k: TokenKey): number {
    const e = this.#cache.get(TokenManager.#key(k));
    if (!e) return 0;
    return Math.min(e.issuedAt + 0.8 * (e.expiresAt - e.issuedAt), e.issuedAt + MAX_TTL_MS);
  }

  /** A token for `k`: the cached one while it is fresh enough, else a new one. */
  async token(k: TokenKey): Promise<string> {
    const key = TokenManager.#key(k);
    const cached = this.#cache.get(key);
    if (cached && this.#now() < this.refreshAt(k)) return cached.token;
    const body: TokenRequestJson = {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: { name: k.serviceAccount, namespace: k.namespace },
      spec: {
        ...(k.audience ? { audiences: [k.audience] } : {}),
        expirationSeconds: k.expirationSeconds,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: k.podName, uid: k.podUid },
      },
    };
    const issuedAt = this.#now();
    const answer = (await this.#client.resource({ apiVersion: "v1", resource: "serviceaccounts" })
      .createSubresource(k.serviceAccount, "token", body, k.namespace)) as TokenRequestJson;
    const token = answer.status?.token;
    if (!token) throw new Error(`TokenRequest for ${k.namespace}/${k.serviceAccount} returned no token`);
    const expiresAt = Date.parse(answer.status!.expirationTimestamp) || issuedAt + k.expirationSeconds * 1000;
    this.#cache.set(key, { token, issuedAt, expiresAt });
    return token;
  }

  /** Forgets the tokens of a pod that is gone. */
  forgetPod(podUid: string): void {
    for (const key of this.#cache.keys()) if (key.endsWith(`/${podUid}`)) this.#cache.delete(key);
  }
}
