/**
 * The errors the patch engines raise, as the API's ApiError (server/api/status.ts), with the codes
 * and wording upstream's patch handler (apiserver endpoints/handlers/patch.go) gives.
 */
import { ApiError, badRequest, requestEntityTooLarge } from "../status.ts";

export { ApiError, badRequest };

/**
 * 422 for a patch that is well-formed but cannot be applied (a failed JSON-patch `test`, a path
 * that does not exist, a list element without its merge key). Upstream builds it with
 * NewGenericServerResponse: a fixed message, the real reason in the one cause.
 */
export function patchNotApplicable(reason: string): ApiError {
  return new ApiError(422, "Invalid", "the server rejected our request due to an error in our request", {
    causes: [{ reason: "UnexpectedServerResponse", message: reason }],
  });
}

export const MAX_JSON_PATCH_OPERATIONS = 10_000;

export function tooManyOperations(count: number): ApiError {
  return requestEntityTooLarge(
    `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${count}`,
  );
}

/** A patch body that is not JSON at all: 400, as upstream's decode failures. */
export function parsePatchJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}
