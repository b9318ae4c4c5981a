/**
 * List continuation tokens, in upstream's format (apiserver pkg/storage/continue.go):
 * base64url (no padding) of {"v":"meta.k8s.io/v1","rv":<int>,"start":"<key after prefix>\u0000"}.
 * The same shape means a token from kube-apiserver and one from us look alike to clients that
 * peek (none should), and our tests can use upstream's examples.
 */
import { badRequest } from "../api/status.ts";

export interface ContinuePosition {
  /** The revision the list is read at; -1 means "continue at the latest revision". */
  revision: number;
  /** The key (relative to the list prefix) to start from, inclusive. */
  start: string;
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(token: string): string {
  const b64 = token.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** A token that resumes after `lastKey` (relative to the prefix) at `revision`. */
export function encodeContinue(revision: number, lastKeyRelative: string): string {
  return toBase64Url(JSON.stringify({ v: "meta.k8s.io/v1", rv: revision, start: `${lastKeyRelative}\u0000` }));
}

export function decodeContinue(token: string): ContinuePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(token));
  } catch {
    throw badRequest(`continue key is not valid: illegal base64 data or JSON`);
  }
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (p.v !== "meta.k8s.io/v1") throw badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  if (typeof p.rv !== "number" || !Number.isInteger(p.rv)) throw badRequest("continue key is not valid: incorrect encoded start resourceVersion");
  if (typeof p.start !== "string" || p.start === "") throw badRequest("continue key is not valid: encoded start key empty");
  if (p.start.includes("..") || p.start.startsWith("/")) throw badRequest("continue key is not valid: start key must not escape the list prefix");
  return { revision: p.rv, start: p.start };
}

/** The datastore's `after` (exclusive) for a token's `start`: the key it follows, plus NUL. */
export function startToAfter(prefix: string, start: string): string {
  if (!start.endsWith("\u0000")) throw badRequest("continue key is not valid: start key does not follow a listed key");
  return prefix + start.slice(0, -1);
}
