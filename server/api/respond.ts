/**
 * Writing answers: an object (or Status) encoded as the client asked, with the HTTP code.
 * Errors of any kind become Status objects; unexpected ones are 500s that never leak a stack.
 */
import { encodeCbor } from "./cbor.ts";
import { loadedYaml, loadYaml } from "./lazy-yaml.ts";
import { CONTENT_TYPES, type Encoding } from "./negotiate.ts";
import { ApiError, internalError } from "./status.ts";

const YAML_OPTIONS = { aliasDuplicateObjects: false } as const;

/**
 * The body in `encoding`. YAML needs the yaml library loaded (`loadYaml()`, which the handlers do
 * when they negotiate a YAML answer); before that, the body is a stream written once it has.
 */
export function encodeBody(value: unknown, encoding: Encoding): string | Uint8Array | ReadableStream<Uint8Array> {
  switch (encoding) {
    case "json":
      return JSON.stringify(value);
    case "yaml": {
      const yaml = loadedYaml();
      if (yaml) return yaml.stringify(value, YAML_OPTIONS);
      return new ReadableStream({
        async start(controller) {
          const { stringify } = await loadYaml();
          controller.enqueue(new TextEncoder().encode(stringify(value, YAML_OPTIONS)));
          controller.close();
        },
      });
    }
    case "cbor":
      return encodeCbor(value);
  }
}

export function respond(value: unknown, code: number, encoding: Encoding = "json", headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("Content-Type", CONTENT_TYPES[encoding]);
  h.set("Cache-Control", "no-cache, private");
  const body = encodeBody(value, encoding);
  return new Response(body as BodyInit, { status: code, headers: h });
}

/** Adds `Warning: 299 - "<text>"` headers, as upstream's warning recorder writes them. */
export function warningHeaders(warnings: readonly string[]): Headers {
  const h = new Headers();
  for (const w of warnings) h.append("Warning", `299 - ${JSON.stringify(w)}`);
  return h;
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return internalError(message);
}

export function errorResponse(err: unknown, encoding: Encoding = "json"): Response {
  const e = toApiError(err);
  const h: Record<string, string> = {};
  if (e.details?.retryAfterSeconds) h["Retry-After"] = String(e.details.retryAfterSeconds);
  return respond(e.toStatus(), e.code, encoding, h);
}
