/**
 * Per-group-version OpenAPI v3 documents and the `/openapi/v3` index, as kubectl reads them
 * (client-go openapi3: the index's `serverRelativeURL` carries `?hash=`, documents are fetched as
 * JSON). A document is a pure function of its inputs, so it is built on first request,
 * serialized once and hashed (SHA-512, upper-case hex like kube-apiserver). Only the hash is kept
 * for every group-version; the bytes of the few most recently served documents are kept, the
 * others rebuilt on demand (the core/v1 document is about a megabyte).
 */
import type { ModelGraph } from "../../registry/schema/model.ts";
import { buildPaths, type ResolvedResource } from "./paths.ts";
import { resolveBuiltin, resolveCustom, type ApiResourceSpec, type CustomResourceSpec } from "./resources.ts";
import { SchemaCollector, type Schema } from "./schemas.ts";

export interface GroupVersionInput {
  readonly group: string;
  readonly version: string;
  readonly builtins?: readonly ApiResourceSpec[];
  readonly custom?: readonly CustomResourceSpec[];
}

/** `api/v1`, `apis/apps/v1`: the index key and the URL path below /openapi/v3/. */
export function groupVersionPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

/** Builds one group-version's document as a plain object. */
export function buildGroupVersionDocument(graph: ModelGraph, input: GroupVersionInput, serverVersion = "v1.32.0"): Schema {
  const collector = new SchemaCollector(graph);
  const resolved: ResolvedResource[] = [];
  for (const spec of input.builtins ?? []) {
    const r = resolveBuiltin(graph, collector, spec);
    if (r) resolved.push(r);
  }
  for (const spec of input.custom ?? []) resolved.push(resolveCustom(graph, collector, spec));
  if (resolved.length > 0) {
    // Bodies every group-version's operations refer to.
    collector.add("V1Status");
    collector.add("V1DeleteOptions");
    collector.addSpecial("io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: serverVersion },
    paths: buildPaths(resolved),
    components: {
      schemas: collector.finish(),
      securitySchemes: { BearerToken: { type: "apiKey", description: "Bearer Token authentication", name: "authorization", in: "header" } },
    },
    security: [{ BearerToken: [] }],
  };
}

export async function sha512Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

export interface ServedDocument {
  readonly bytes: Uint8Array;
  readonly hash: string;
}

export interface OpenApiV3Options {
  /** The model graph (loaded lazily on the first request). */
  readonly graph: () => Promise<ModelGraph>;
  /** kube version to report in `info.version`. */
  readonly serverVersion?: string;
  /** How many serialized documents to keep (default 4). */
  readonly cacheSize?: number;
}

/** The OpenAPI v3 documents of a server: inputs per group-version, hashes, a small byte cache. */
export class OpenApiV3 {
  readonly #inputs = new Map<string, GroupVersionInput>();
  readonly #hashes = new Map<string, string>();
  /** Insertion-ordered: the first entry is the least recently used. */
  readonly #bytes = new Map<string, ServedDocument>();
  readonly #building = new Map<string, Promise<ServedDocument>>();
  readonly #options: OpenApiV3Options;

  constructor(options: OpenApiV3Options) {
    this.#options = options;
  }

  /** Sets (or replaces) what a group-version serves; its document is rebuilt on next request. */
  setGroupVersion(input: GroupVersionInput): void {
    const key = groupVersionPath(input.group, input.version);
    this.#inputs.set(key, input);
    this.#forget(key);
  }

  removeGroupVersion(group: string, version: string): void {
    const key = groupVersionPath(group, version);
    this.#inputs.delete(key);
    this.#forget(key);
  }

  #forget(key: string): void {
    this.#hashes.delete(key);
    this.#bytes.delete(key);
    this.#building.delete(key);
  }

  /** The `/openapi/v3` index: `{paths: {"api/v1": {serverRelativeURL: "/openapi/v3/api/v1?hash=..."}}}`. */
  async index(): Promise<{ paths: Record<string, { serverRelativeURL: string }> }> {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const key of [...this.#inputs.keys()].sort()) {
      const hash = this.#hashes.get(key) ?? (await this.document(key))?.hash;
      if (hash) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
    }
    return { paths };
  }

  /** A group-version's serialized document and hash, or undefined if not served. */
  async document(key: string): Promise<ServedDocument | undefined> {
    const input = this.#inputs.get(key);
    if (!input) return undefined;
    const cached = this.#bytes.get(key);
    if (cached) {
      this.#bytes.delete(key);
      this.#bytes.set(key, cached);
      return cached;
    }
    const inflight = this.#building.get(key);
    if (inflight) return inflight;
    const build = (async () => {
      const graph = await this.#options.graph();
      const bytes = new TextEncoder().encode(JSON.stringify(buildGroupVersionDocument(graph, input, this.#options.serverVersion)));
      const doc = { bytes, hash: await sha512Hex(bytes) };
      // Inputs changed while building: hand this one out, but do not keep it.
      if (this.#inputs.get(key) === input) {
        this.#hashes.set(key, doc.hash);
        this.#bytes.set(key, doc);
        while (this.#bytes.size > (this.#options.cacheSize ?? 4)) this.#bytes.delete(this.#bytes.keys().next().value!);
      }
      return doc;
    })();
    this.#building.set(key, build);
    try {
      return await build;
    } finally {
      if (this.#building.get(key) === build) this.#building.delete(key);
    }
  }
}

/**
 * Serves `GET /openapi/v3` and `GET /openapi/v3/<gv>[?hash=]` (undefined for other paths), with
 * kube-apiserver's caching: ETag and 304; a matching `hash` is immutable for a year; a stale one
 * redirects to the current URL.
 */
export async function serveOpenApiV3(service: OpenApiV3, url: URL, ifNoneMatch?: string | null): Promise<Response | undefined> {
  const path = url.pathname.replace(/\/+$/, "");
  if (path === "/openapi/v3") {
    const body = JSON.stringify(await service.index());
    const etag = `"${await sha512Hex(new TextEncoder().encode(body))}"`;
    const headers = { "Content-Type": "application/json", ETag: etag, "Cache-Control": "no-cache, private" };
    if (ifNoneMatch === etag) return new Response(null, { status: 304, headers });
    return new Response(body, { status: 200, headers });
  }
  if (!path.startsWith("/openapi/v3/")) return undefined;
  const key = path.slice("/openapi/v3/".length);
  const doc = await service.document(key);
  if (!doc) return undefined;
  const etag = `"${doc.hash}"`;
  const wanted = url.searchParams.get("hash");
  if (wanted !== null && wanted !== doc.hash) {
    return new Response(null, { status: 301, headers: { Location: `/openapi/v3/${key}?hash=${doc.hash}`, "Cache-Control": "no-cache, private" } });
  }
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    ETag: etag,
    "Cache-Control": wanted === null ? "no-cache, private" : "public, immutable, max-age=31536000",
  };
  if (ifNoneMatch === etag) return new Response(null, { status: 304, headers });
  return new Response(doc.bytes as Uint8Array<ArrayBuffer>, { status: 200, headers });
}
