/**
 * ServiceAccount tokens: JWTs signed with the server's key, with the claims kube-apiserver puts
 * in them (pkg/serviceaccount/claims.go), verified the way its authenticator verifies them
 * (issuer, signature, time with a minute of leeway, audience). Whether the ServiceAccount (and a
 * bound Pod) still exists with the same uid is authenticate.ts's check, through a lookup.
 * Signing keys are ECDSA P-256 (ES256) or RSA PKCS#1 v1.5 (RS256) CryptoKeys.
 */
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import { serviceAccountUsername } from "./user.ts";

export interface ObjectRef {
  name: string;
  uid: string;
}

/** The private claims, under "kubernetes.io". */
export interface KubernetesClaims {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  "kubernetes.io": KubernetesClaims;
}

export interface ServiceAccountTokenSigner {
  /** --service-account-issuer; k3s's default is https://kubernetes.default.svc.cluster.local. */
  issuer: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export interface ServiceAccountTokenRequest {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  /** Lifetime; TokenRequest's default is one hour, its minimum ten minutes. */
  expirationSeconds: number;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  now?: Date;
}

/** Time-claim leeway, as go-jose's DefaultLeeway that kube-apiserver uses. */
const LEEWAY_SECONDS = 60;
const ALGORITHMS = {
  ES256: { sign: { name: "ECDSA", hash: "SHA-256" }, keyName: "ECDSA" },
  RS256: { sign: { name: "RSASSA-PKCS1-v1_5" }, keyName: "RSASSA-PKCS1-v1_5" },
} as const;
type Algorithm = keyof typeof ALGORITHMS;

function algorithmOf(key: CryptoKey): Algorithm {
  if (key.algorithm.name === "ECDSA" && (key.algorithm as EcKeyAlgorithm).namedCurve === "P-256") return "ES256";
  if (key.algorithm.name === "RSASSA-PKCS1-v1_5" && (key.algorithm as RsaHashedKeyAlgorithm).hash.name === "SHA-256") return "RS256";
  throw new Error(`unsupported signing key ${key.algorithm.name}`);
}

/** The key id upstream uses: base64url(SHA-256(SubjectPublicKeyInfo DER)), so issuers and verifiers agree without configuration. */
export async function keyId(publicKey: CryptoKey): Promise<string> {
  const spki = await crypto.subtle.exportKey("spki", publicKey);
  return encodeBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", spki)));
}

export async function signServiceAccountToken(
  signer: ServiceAccountTokenSigner,
  request: ServiceAccountTokenRequest,
): Promise<string> {
  const alg = algorithmOf(signer.privateKey);
  const now = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const kubernetes: KubernetesClaims = {
    namespace: request.namespace,
    serviceaccount: { name: request.name, uid: request.uid },
    ...(request.pod ? { pod: request.pod } : request.secret ? { secret: request.secret } : {}),
    ...(request.node ? { node: request.node } : {}),
  };
  const claims: ServiceAccountClaims = {
    aud: request.audiences,
    exp: now + request.expirationSeconds,
    iat: now,
    iss: signer.issuer,
    jti: crypto.randomUUID(),
    "kubernetes.io": kubernetes,
    nbf: now,
    sub: serviceAccountUsername(request.namespace, request.name),
  };
  const header = { alg, kid: await keyId(signer.publicKey) };
  const signingInput = `${encodeBase64Url(JSON.stringify(header))}.${encodeBase64Url(JSON.stringify(claims))}`;
  const signature = await crypto.subtle.sign(ALGORITHMS[alg].sign, signer.privateKey, new TextEncoder().encode(signingInput));
  return `${signingInput}.${encodeBase64Url(new Uint8Array(signature))}`;
}

export interface VerifyOptions {
  /** Issuers this server accepts (the first is the one it signs with). */
  issuers: string[];
  /** --api-audiences; a token must name at least one. Default: the issuers. */
  audiences?: string[];
  /** Public keys whose signatures are accepted (the current key, and old ones during rotation). */
  publicKeys: CryptoKey[];
  now?: Date;
}

export type TokenVerification =
  | { ok: true; claims: ServiceAccountClaims }
  /** `ours` is false when the token is not a JWT from our issuer, so other authenticators may try it. */
  | { ok: false; ours: boolean; reason: string };

export async function verifyServiceAccountToken(token: string, options: VerifyOptions): Promise<TokenVerification> {
  const notOurs = (reason: string): TokenVerification => ({ ok: false, ours: false, reason });
  const invalid = (reason: string): TokenVerification => ({ ok: false, ours: true, reason });
  const parts = token.split(".");
  if (parts.length !== 3) return notOurs("not a JWT");
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let payload: Partial<ServiceAccountClaims> & { aud?: unknown };
  let signature: Uint8Array<ArrayBuffer>;
  try {
    header = JSON.parse(new TextDecoder().decode(decodeBase64Url(headerPart)));
    payload = JSON.parse(new TextDecoder().decode(decodeBase64Url(payloadPart)));
    signature = decodeBase64Url(signaturePart);
  } catch {
    return notOurs("not a JWT");
  }
  if (typeof payload !== "object" || payload === null || !options.issuers.includes(payload.iss as string)) {
    return notOurs("issuer is not a service account issuer of this server");
  }

  // The algorithm comes from the key, never from the token alone (no "none", no HS256 confusion).
  const alg = header.alg;
  if (alg !== "ES256" && alg !== "RS256") return invalid(`unsupported signing algorithm ${JSON.stringify(alg)}`);
  let verified = false;
  for (const key of options.publicKeys) {
    if (algorithmOf(key) !== alg) continue;
    if (typeof header.kid === "string" && header.kid !== (await keyId(key))) continue;
    const input = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
    if (await crypto.subtle.verify(ALGORITHMS[alg].sign, key, signature, input)) {
      verified = true;
      break;
    }
  }
  if (!verified) return invalid("invalid signature");

  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (typeof payload.exp !== "number") return invalid("service account token has no expiry");
  if (now > payload.exp + LEEWAY_SECONDS) return invalid("service account token has expired");
  if (typeof payload.nbf === "number" && now < payload.nbf - LEEWAY_SECONDS) return invalid("service account token is not valid yet");
  if (typeof payload.iat === "number" && now < payload.iat - LEEWAY_SECONDS) return invalid("service account token was issued in the future");

  const tokenAudiences = typeof payload.aud === "string" ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
  const accepted = options.audiences ?? options.issuers;
  if (!tokenAudiences.some((a) => accepted.includes(a))) {
    return invalid(`token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${JSON.stringify(accepted)}`);
  }

  const kubernetes = payload["kubernetes.io"];
  if (
    !kubernetes || typeof kubernetes.namespace !== "string" || typeof kubernetes.serviceaccount?.name !== "string" ||
    typeof kubernetes.serviceaccount.uid !== "string" ||
    payload.sub !== serviceAccountUsername(kubernetes.namespace, kubernetes.serviceaccount.name)
  ) {
    return invalid("service account token claims are malformed");
  }
  return { ok: true, claims: { ...payload, aud: tokenAudiences } as ServiceAccountClaims };
}

/** The JWKS document served at /openid/v1/jwks. */
export async function serviceAccountJwks(publicKeys: CryptoKey[]): Promise<{ keys: Array<JsonWebKey & { kid: string }> }> {
  const keys = await Promise.all(publicKeys.map(async (key) => {
    const { kty, crv, x, y, n, e } = await crypto.subtle.exportKey("jwk", key);
    const material = kty === "EC" ? { crv, x, y } : { n, e };
    return { use: "sig", kty, kid: await keyId(key), alg: algorithmOf(key), ...material };
  }));
  return { keys };
}

/** The discovery document served at /.well-known/openid-configuration. */
export function openIdConfiguration(options: { issuer: string; jwksUri?: string; publicKeys: CryptoKey[] }) {
  return {
    issuer: options.issuer,
    jwks_uri: options.jwksUri ?? new URL("openid/v1/jwks", options.issuer.endsWith("/") ? options.issuer : options.issuer + "/").href,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [...new Set(options.publicKeys.map(algorithmOf))].sort(),
  };
}
