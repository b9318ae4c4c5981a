/**
 * Kubernetes `Status` errors: every failure a client sees is one of these, with the HTTP code
 * and reason the real API server gives (apimachinery pkg/api/errors), so that kubectl prints
 * `Error from server (<Reason>): <message>` and clients branch on the reason.
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, unknown>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** The resource an error is about: group and resource (plural) as the API names them. */
export interface QualifiedResource {
  group: string;
  resource: string;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
    this.name = "ApiError";
  }

  toStatus(): Status {
    const status: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** `pods`, or `deployments.apps`: how upstream names a resource in messages. */
export function qualifiedName(r: QualifiedResource): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export function notFound(r: QualifiedResource, name: string): ApiError {
  return new ApiError(404, "NotFound", `${qualifiedName(r)} "${name}" not found`, {
    name,
    group: r.group,
    kind: r.resource,
  });
}

export function alreadyExists(r: QualifiedResource, name: string): ApiError {
  return new ApiError(409, "AlreadyExists", `${qualifiedName(r)} "${name}" already exists`, {
    name,
    group: r.group,
    kind: r.resource,
  });
}

export const OPTIMISTIC_LOCK_MESSAGE =
  "the object has been modified; please apply your changes to the latest version and try again";

export function conflict(r: QualifiedResource, name: string, why: string = OPTIMISTIC_LOCK_MESSAGE, causes?: StatusCause[]): ApiError {
  return new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedName(r)} "${name}": ${why}`, {
    name,
    group: r.group,
    kind: r.resource,
    ...(causes ? { causes } : {}),
  });
}

/** 422 Invalid: `<Kind>.<group> "<name>" is invalid: <field>: <message>, ...` */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ");
  const message = causes.length === 1 ? `${qualifiedKind} "${name}" is invalid: ${list}` : `${qualifiedKind} "${name}" is invalid: [${list}]`;
  return new ApiError(422, "Invalid", message, { name, group, kind, causes });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, "BadRequest", message);
}

export function unauthorized(message = "Unauthorized"): ApiError {
  return new ApiError(401, "Unauthorized", message);
}

export function forbidden(message: string, details?: StatusDetails): ApiError {
  return new ApiError(403, "Forbidden", message, details);
}

export function methodNotSupported(r: QualifiedResource, verb: string): ApiError {
  return new ApiError(405, "MethodNotAllowed", `${verb} is not supported on resources of kind "${qualifiedName(r)}"`, {
    group: r.group,
    kind: r.resource,
  });
}

export function notAcceptable(message: string): ApiError {
  return new ApiError(406, "NotAcceptable", message);
}

export function gone(message: string): ApiError {
  return new ApiError(410, "Gone", message);
}

/** 410 Expired: a resourceVersion or continue token whose history was compacted. */
export function expired(message: string): ApiError {
  return new ApiError(410, "Expired", message);
}

export function requestEntityTooLarge(message: string): ApiError {
  return new ApiError(413, "RequestEntityTooLarge", message);
}

export function unsupportedMediaType(message: string): ApiError {
  return new ApiError(415, "UnsupportedMediaType", message);
}

export function tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
  return new ApiError(429, "TooManyRequests", message, { retryAfterSeconds });
}

export function internalError(message: string): ApiError {
  return new ApiError(500, "InternalError", `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

export function serviceUnavailable(message: string): ApiError {
  return new ApiError(503, "ServiceUnavailable", message);
}

/** 504 for a resourceVersion newer than the store has seen (storage.NewTooLargeResourceVersionError). */
export function tooLargeResourceVersion(requested: number, current: number, retryAfterSeconds = 1): ApiError {
  return new ApiError(504, "Timeout", `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds,
  });
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
