/**
 * Content negotiation as kube-apiserver does it: the request body's Content-Type decides how it
 * is decoded (JSON, YAML, CBOR, and the patch types), the Accept header how the answer is
 * encoded (JSON, YAML, CBOR; `as=Table` and `as=PartialObjectMetadata[List]` transforms).
 */
import { loadYaml } from "./lazy-yaml.ts";
import { loadProtobufDecoder, PROTOBUF_CONTENT_TYPE } from "./protobuf/lazy.ts";
import { badRequest, notAcceptable, unsupportedMediaType } from "./status.ts";

export type Encoding = "json" | "yaml" | "cbor";

export interface ResponseFormat {
  encoding: Encoding;
  /** The object is transformed into a meta.k8s.io Table (kubectl get). */
  as?: "Table" | "PartialObjectMetadata" | "PartialObjectMetadataList";
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

/** Splits an Accept header into media ranges, in the order given (upstream ignores q weights). */
export function parseAccept(accept: string | null | undefined): MediaRange[] {
  if (!accept) return [];
  const out: MediaRange[] = [];
  for (const part of accept.split(",")) {
    const [type, ...paramParts] = part.trim().split(";");
    if (!type) continue;
    const params: Record<string, string> = {};
    for (const p of paramParts) {
      const eq = p.indexOf("=");
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, "");
    }
    out.push({ type: type.trim().toLowerCase(), params });
  }
  return out;
}

const ENCODINGS: Record<string, Encoding> = {
  "application/json": "json",
  "application/yaml": "yaml",
  "application/cbor": "cbor",
  "*/*": "json",
  "application/*": "json",
};

/**
 * Picks the first Accept entry we can produce. `transforms` says whether this endpoint can
 * answer with a Table or partial metadata (object reads can; discovery and status cannot).
 */
export function chooseResponseFormat(accept: string | null | undefined, transforms: boolean): ResponseFormat {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return { encoding: "json" };
  for (const r of ranges) {
    const encoding = ENCODINGS[r.type];
    if (!encoding) continue;
    const as = r.params.as;
    if (!as) return { encoding };
    if (!transforms) continue;
    const group = r.params.g;
    const version = r.params.v;
    if (group !== "meta.k8s.io" || (version !== "v1" && version !== "v1beta1")) continue;
    if (as === "Table" || as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") return { encoding, as };
  }
  throw notAcceptable(`only the following media types are accepted: application/json, application/yaml, application/cbor`);
}

export const CONTENT_TYPES: Record<Encoding, string> = {
  json: "application/json",
  yaml: "application/yaml",
  cbor: "application/cbor",
};

export type PatchType = "json" | "merge" | "strategic" | "apply";

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+cbor": "apply",
};

export function mediaTypeOf(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/** The body as text for the text encodings (JSON, YAML). */
function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

export interface DecodedBody {
  value: unknown;
  /** The raw JSON text, when the body was JSON (duplicate-field checks need it). */
  json?: string;
}

/**
 * Decodes an object body (POST, PUT). CBOR goes through `decodeCbor`, given by the caller so that
 * this file has no dependency on the CBOR library.
 */
export async function decodeObjectBody(contentType: string | null, bytes: Uint8Array, decodeCbor: (b: Uint8Array) => unknown): Promise<DecodedBody> {
  const type = mediaTypeOf(contentType) || "application/json";
  if (bytes.length === 0) throw badRequest("Object 'Kind' is missing in ''");
  switch (type) {
    case "application/json": {
      const json = text(bytes);
      try {
        return { value: JSON.parse(json), json };
      } catch (err) {
        throw badRequest(`error decoding request body: ${(err as Error).message}`);
      }
    }
    case "application/yaml":
    case "application/apply-patch+yaml": {
      const { parse: parseYaml } = await loadYaml();
      try {
        const doc = text(bytes);
        return { value: parseYaml(doc, { schema: "core", uniqueKeys: true }) };
      } catch (err) {
        throw badRequest(`error decoding YAML: ${(err as Error).message}`);
      }
    }
    case "application/cbor":
    case "application/apply-patch+cbor":
      try {
        return { value: decodeCbor(bytes) };
      } catch (err) {
        throw badRequest(`error decoding CBOR: ${(err as Error).message}`);
      }
    case PROTOBUF_CONTENT_TYPE: {
      // kubectl's typed clients send Kubernetes protobuf; we decode it to the JSON shape.
      const { protobufBodyDecoder } = await loadProtobufDecoder();
      try {
        return { value: protobufBodyDecoder(bytes) };
      } catch (err) {
        throw badRequest(`error decoding protobuf: ${(err as Error).message}`);
      }
    }
    default:
      throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/cbor, application/vnd.kubernetes.protobuf`);
  }
}
