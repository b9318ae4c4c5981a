/**
 * ClientError from an API answer: the Status the server sent (code, reason, message), or what
 * can be said about an answer that is not a Status.
 */
import type { ClientError } from "../../plugins/client.ts";

export class RemoteClientError extends Error implements ClientError {
  override name = "ClientError";
  readonly code: number;
  readonly reason: string;
  readonly details?: unknown;

  constructor(code: number, reason: string, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

const REASONS: Record<number, string> = {
  400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
  409: "Conflict", 410: "Expired", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType",
  422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout",
};

/** The error for an answer with status >= 300, from its body (a Status, or anything else). */
export function errorFromAnswer(status: number, body: string): RemoteClientError {
  try {
    const s = JSON.parse(body) as { kind?: string; code?: number; reason?: string; message?: string; details?: unknown };
    if (s && s.kind === "Status") {
      return new RemoteClientError(s.code ?? status, s.reason || REASONS[status] || "Unknown", s.message || `the server answered ${status}`, s.details);
    }
  } catch {
    // Not JSON: a proxy's page, or a truncated answer.
  }
  const text = body.trim().slice(0, 200);
  return new RemoteClientError(status, REASONS[status] ?? "Unknown", `the server answered ${status}${text ? `: ${text}` : ""}`);
}

/** The error a watch's ERROR event carries (its object is a Status). */
export function errorFromStatus(status: { code?: number; reason?: string; message?: string }): RemoteClientError {
  const code = status.code ?? 500;
  return new RemoteClientError(code, status.reason || REASONS[code] || "Unknown", status.message || "watch failed");
}
