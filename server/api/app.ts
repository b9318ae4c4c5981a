/**
 * The API server's HTTP application (hono): health and version, discovery, OpenAPI, and every
 * resource path, behind authentication and authorization. It is a plain fetch handler, so the
 * Node and Deno adapters (server/api/serve-*.ts) only have to carry bytes and TLS.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { aggregatedContentType, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, wantsAggregated } from "./discovery.ts";
import type { ApiServices, ResourceCall } from "./handlers/context.ts";
import { handlePatch } from "./handlers/patch.ts";
import { handleGet, handleList } from "./handlers/read.ts";
import { handleScale } from "./handlers/scale.ts";
import { handleWatch } from "./handlers/watch.ts";
import { handleCreate, handleDelete, handleDeleteCollection, handleUpdate } from "./handlers/write.ts";
import { InflightLimiter, type InflightLimits } from "./inflight.ts";
import { loadYaml } from "./lazy-yaml.ts";
import { RequestMetrics } from "./metrics.ts";
import { chooseResponseFormat } from "./negotiate.ts";
import { requestInfo, type RequestInfo, type ResourceRequestInfo } from "./request-info.ts";
import { watchOverWebSocket } from "./handlers/watch-websocket.ts";
import { errorResponse, respond } from "./respond.ts";
import type { AnyUpgradeAcceptance } from "./upgrade.ts";
import { ApiError, forbidden, methodNotSupported, notFound, unauthorized } from "./status.ts";

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What the transport knows about the caller (a verified client certificate). */
export interface PeerInfo {
  clientCertificate?: { commonName: string; organizations: string[] };
}

export interface AuthorizationDecision {
  allowed: boolean;
  reason?: string;
}

/** A handler for a subresource served elsewhere (pods/log, pods/exec, .../scale, ...). */
export type SubresourceHandler = (call: ResourceCall, user: UserInfo) => Promise<Response>;

export interface ApiAppOptions extends ApiServices {
  version: VersionInfo;
  /** host:port that clients reach this server at (for /api's serverAddressByClientCIDRs). */
  serverAddress: string;
  /** Who is calling; throws ApiError 401 for bad credentials; anonymous when none are given. */
  authenticate(request: Request, peer: PeerInfo | undefined): Promise<UserInfo>;
  authorize(user: UserInfo, info: RequestInfo): Promise<AuthorizationDecision>;
  /** Paths served outside the resource tree (OpenAPI, OIDC discovery), by exact path or prefix ending in `/`. */
  extraRoutes?: Record<string, (request: Request, user: UserInfo) => Promise<Response> | Response>;
  subresources?: Record<string, SubresourceHandler>;
  /** WebSocket subresources (pods/exec, pods/attach, pods/portforward), by `resource/subresource`. */
  upgrades?: Record<string, (request: Request, info: ResourceRequestInfo, user: UserInfo) => Promise<Response | AnyUpgradeAcceptance>>;
  /** Inflight limits (default 400 read-only, 200 mutating, as kube-apiserver). */
  inflight?: InflightLimits;
  /** Whether the server is ready for /readyz (the watch cache has loaded). */
  isReady(): boolean;
}

/** Paths anyone may read, as the system:public-info-viewer role grants. */
const PUBLIC_PATHS = new Set(["/version", "/version/", "/healthz", "/livez", "/readyz"]);

type AppEnv = { Bindings: { peer?: PeerInfo }; Variables: { user: UserInfo } };

export type FetchHandler = (request: Request, peer?: PeerInfo) => Promise<Response>;
/** Answers a WebSocket upgrade request: a Response refuses it, an acceptance runs it. */
export type UpgradeHandler = (request: Request, peer?: PeerInfo) => Promise<Response | AnyUpgradeAcceptance>;

export interface ApiHandlers {
  fetch: FetchHandler;
  upgrade: UpgradeHandler;
}

const PUBLIC_PREFIXES = ["/healthz/", "/livez/", "/readyz/"];

/** Authenticates the caller and authorizes the request: the user, or a 401/403 ApiError. */
async function admit(options: ApiAppOptions, request: Request, peer: PeerInfo | undefined): Promise<UserInfo> {
  const user = await options.authenticate(request, peer);
  const url = new URL(request.url);
  const path = url.pathname;
  if (PUBLIC_PATHS.has(path) || PUBLIC_PREFIXES.some((p) => path.startsWith(p))) return user;
  const info = requestInfo(request.method, path, url.searchParams);
  const decision = await options.authorize(user, info);
  if (!decision.allowed) {
    if (user.username === "system:anonymous") throw unauthorized();
    throw forbiddenFor(user, info, decision.reason);
  }
  return user;
}

export function createApiApp(options: ApiAppOptions): ApiHandlers {
  const app = new Hono<AppEnv>();

  app.onError((err) => {
    if (!(err instanceof ApiError)) options.log.error("request failed", { error: err });
    return errorResponse(err);
  });
  app.notFound(() => respond(new ApiError(404, "NotFound", "the server could not find the requested resource", {}).toStatus(), 404));

  const limiter = new InflightLimiter(options.inflight);
  const metrics = new RequestMetrics();
  app.use("*", async (c, next) => {
    const started = performance.now();
    const url = new URL(c.req.url);
    const release = limiter.acquire(c.req.method, url);
    try {
      c.set("user", await admit(options, c.req.raw, c.env?.peer));
      await next();
    } finally {
      release();
      metrics.observe(c.req.method, requestInfo(c.req.method, url.pathname, url.searchParams), c.req.header("content-type") ?? null, (performance.now() - started) / 1000);
    }
  });
  // kube-apiserver's /metrics (request durations only); RBAC decides who reads it.
  app.get("/metrics", () => metrics.response());

  const ok = (c: Context) => c.text("ok");
  for (const p of ["/healthz", "/livez"]) {
    app.get(p, ok);
    app.get(`${p}/ping`, ok);
  }
  app.get("/readyz", (c) => (options.isReady() ? c.text("ok") : c.text("[-]watch-cache not ready\nreadyz check failed", 500)));
  app.get("/version", (c) => c.json(options.version));

  app.get("/api", (c) => {
    const aggregated = wantsAggregated(c.req.header("accept") ?? null);
    if (aggregated) return jsonAs(aggregatedDiscovery(options.catalog, true, aggregated), aggregatedContentType(aggregated));
    return c.json(apiVersions(options.serverAddress));
  });
  app.get("/apis", (c) => {
    const aggregated = wantsAggregated(c.req.header("accept") ?? null);
    if (aggregated) return jsonAs(aggregatedDiscovery(options.catalog, false, aggregated), aggregatedContentType(aggregated));
    return c.json(apiGroupList(options.catalog));
  });
  app.get("/api/v1", (c) => c.json(apiResourceList(options.catalog, "", "v1") as object));
  app.get("/apis/:group", (c) => {
    const doc = apiGroup(options.catalog, c.req.param("group"));
    if (!doc) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
    return c.json(doc as object);
  });
  app.get("/apis/:group/:version", (c) => {
    const doc = apiResourceList(options.catalog, c.req.param("group"), c.req.param("version"));
    if (!doc) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
    return c.json(doc as object);
  });

  for (const [path, handler] of Object.entries(options.extraRoutes ?? {})) {
    const route = path.endsWith("/") ? `${path}*` : path;
    app.all(route, (c) => handler(c.req.raw, c.get("user")));
  }

  const resource = (c: Context<AppEnv>) => {
    const url = new URL(c.req.url);
    const info = requestInfo(c.req.method, url.pathname, url.searchParams);
    if (!info.isResourceRequest) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
    return dispatch(options, c.req.raw, url, info, c.get("user"));
  };
  app.all("/api/v1/*", resource);
  app.all("/apis/:group/:version/*", resource);

  // hono's bindings carry the peer from the transport to the middleware.
  const fetchHandler: FetchHandler = async (request, peer) => app.fetch(request, { peer }) as Promise<Response>;

  const upgrade: UpgradeHandler = async (request, peer) => {
    try {
      const user = await admit(options, request, peer);
      const url = new URL(request.url);
      // A SPDY upgrade is a POST (verb create, as upstream authorizes pods/exec and pods/portforward).
      const info = requestInfo(request.method === "POST" ? "POST" : "GET", url.pathname, url.searchParams);
      if (!info.isResourceRequest) throw new ApiError(400, "BadRequest", "this path does not take a WebSocket");
      // A WebSocket GET of a collection is a watch, whether or not ?watch is given.
      const handler = info.subresource ? options.upgrades?.[`${info.resource}/${info.subresource}`] : undefined;
      if (handler) return await handler(request, info, user);
      const watchInfo = { ...info, verb: info.name && !url.searchParams.has("watch") ? "get" : "watch" };
      if (watchInfo.verb !== "watch") throw new ApiError(400, "BadRequest", "only watches and streaming subresources take a WebSocket");
      const response = await dispatch(options, request, url, { ...watchInfo, verb: "watch" }, user);
      if (response.status !== 200 || !response.body) return response;
      return watchOverWebSocket(request, response);
    } catch (err) {
      if (!(err instanceof ApiError)) options.log.error("upgrade failed", { error: err });
      return errorResponse(err);
    }
  };
  return { fetch: fetchHandler, upgrade };
}

function jsonAs(value: unknown, contentType: string): Response {
  return new Response(JSON.stringify(value), { status: 200, headers: { "Content-Type": contentType, Vary: "Accept", "Cache-Control": "public" } });
}

function forbiddenFor(user: UserInfo, info: RequestInfo, reason?: string): ApiError {
  let message: string;
  if (info.isResourceRequest) {
    const res = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
    const scope = info.namespace ? ` in the namespace "${info.namespace}"` : " at the cluster scope";
    const named = info.name ? ` "${info.name}"` : "";
    message = `${info.resource}${info.apiGroup ? `.${info.apiGroup}` : ""}${named} is forbidden: User "${user.username}" cannot ${info.verb} resource "${res}" in API group "${info.apiGroup}"${scope}`;
  } else {
    message = `forbidden: User "${user.username}" cannot ${info.verb} path "${info.path}"`;
  }
  if (reason) message += `: ${reason}`;
  return forbidden(message, info.isResourceRequest ? { name: info.name || undefined, group: info.apiGroup, kind: info.resource } : undefined);
}

async function dispatch(options: ApiAppOptions, request: Request, url: URL, info: ResourceRequestInfo, user: UserInfo): Promise<Response> {
  const def = options.catalog.get(info.apiGroup, info.apiVersion, info.resource);
  if (!def) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  const qualified = { group: def.group, resource: def.resource };
  if (def.namespaced && !info.namespace && info.name) {
    throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  }
  if (!def.namespaced && info.namespace && def.resource !== "namespaces") throw notFound(qualified, info.name || info.resource);
  const transforms = info.verb === "get" || info.verb === "list" || info.verb === "watch";
  const format = chooseResponseFormat(request.headers.get("accept"), transforms && !info.subresource);
  if (format.encoding === "yaml") await loadYaml();
  const call: ResourceCall = {
    request,
    url,
    query: url.searchParams,
    info,
    def,
    store: options.storeFor(def),
    format,
    services: options,
  };
  const allowed = (verb: string) => {
    if (!def.verbs.includes(verb as never)) throw methodNotSupported(qualified, verb);
  };

  if (info.subresource) {
    if (info.subresource === "status" && def.statusSubresource) {
      if (info.verb === "get") return handleGet(call);
      if (info.verb === "update") return handleUpdate(call, "status");
      if (info.verb === "patch") return handlePatch(call);
      throw methodNotSupported(qualified, info.verb);
    }
    if (info.subresource === "scale" && def.scale) return handleScale(call);
    const declared = def.otherSubresources?.find((sub) => sub.name === info.subresource);
    if (declared && !declared.verbs.includes(info.verb as never)) {
      throw methodNotSupported({ group: def.group, resource: `${def.resource}/${info.subresource}` }, info.verb);
    }
    const handler = options.subresources?.[`${def.resource}/${info.subresource}`];
    if (handler) return handler(call, user);
    throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  }

  switch (info.verb) {
    case "get":
      allowed("get");
      return handleGet(call);
    case "list":
      allowed("list");
      return handleList(call);
    case "watch":
      allowed("watch");
      return handleWatch(call);
    case "create":
      allowed("create");
      return handleCreate(call);
    case "update":
      allowed("update");
      return handleUpdate(call, "");
    case "patch":
      allowed("patch");
      return handlePatch(call);
    case "delete":
      allowed("delete");
      return handleDelete(call);
    case "deletecollection":
      allowed("deletecollection");
      return handleDeleteCollection(call);
    default:
      throw methodNotSupported(qualified, info.verb);
  }
}
