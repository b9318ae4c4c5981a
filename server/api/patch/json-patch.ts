/**
 * JSON patch (RFC 6902, `application/json-patch+json`) through the rfc6902 library, with the
 * checks and error codes of upstream's handler: a body that is not a list of operations is 400,
 * more than 10,000 operations is 413, an operation that cannot apply (failed `test`, missing
 * path) is 422, and the patch is atomic — the first failure discards every earlier operation.
 */
import { apply as applyOperation } from "rfc6902/patch.js";
import type { Operation } from "rfc6902";
import { badRequest, MAX_JSON_PATCH_OPERATIONS, patchNotApplicable, tooManyOperations } from "./errors.ts";
import { clone, isObject, type Json } from "./json-value.ts";

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Checks the shape of a decoded patch body and returns it as operations (400 if malformed). */
export function decodeJsonPatch(body: unknown): Operation[] {
  if (!Array.isArray(body)) throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  if (body.length > MAX_JSON_PATCH_OPERATIONS) throw tooManyOperations(body.length);
  body.forEach((op, i) => {
    if (!isObject(op)) throw badRequest(`invalid JSON patch operation at index ${i}: not an object`);
    if (typeof op.op !== "string" || !OPS.has(op.op)) throw badRequest(`Unexpected kind: ${String(op.op)}`);
    if (typeof op.path !== "string") throw badRequest(`invalid JSON patch operation at index ${i}: missing "path"`);
    if ((op.op === "move" || op.op === "copy") && typeof op.from !== "string") {
      throw badRequest(`invalid JSON patch operation at index ${i}: "${op.op}" needs "from"`);
    }
    if ((op.op === "add" || op.op === "replace" || op.op === "test") && !Object.hasOwn(op, "value")) {
      throw badRequest(`invalid JSON patch operation at index ${i}: "${op.op}" needs "value"`);
    }
  });
  return body as Operation[];
}

// Operations run against `{"doc": target}` with every pointer prefixed by /doc, so that the
// operations addressing the whole document (path "") work like any other: the library edits
// in place and cannot replace the root it was given.
const prefix = (pointer: string): string => `/doc${pointer}`;

/** Applies a decoded-or-raw patch body to `target` (not mutated). Throws ApiError. */
export function applyJsonPatch(target: unknown, body: unknown): Json {
  const ops = decodeJsonPatch(body);
  const holder = { doc: clone(target) };
  for (const op of ops) {
    const moved = { ...op, path: prefix(op.path) } as Operation;
    if ("from" in op && typeof op.from === "string") (moved as { from: string }).from = prefix(op.from);
    const err = applyOperation(holder, moved);
    if (err) throw patchNotApplicable(describe(op, err));
  }
  return holder.doc as Json;
}

function describe(op: Operation, err: Error): string {
  switch (err.name) {
    case "TestError":
      return `testing value ${op.path} failed: test failed`;
    case "MissingError":
      return `${op.op} operation does not apply: doc is missing path: "${"from" in op ? op.from : op.path}": missing value`;
    default:
      return `${op.op} operation does not apply: ${err.message}`;
  }
}
