/**
 * The API server, assembled: PKI and tokens, the watch cache over the datastore, the catalog of
 * kinds, authentication (admin token, client certificates, ServiceAccount JWTs, anonymous) and
 * authorization (system:masters, then RBAC), the HTTP application and its HTTPS transport.
 * The kubeconfig is written once the server answers.
 */
import type { Datastore } from "../datastore/mod.ts";
import type { Logger } from "../plugins/mod.ts";
import { type ApiHandlers, createApiApp, type SubresourceHandler, type UserInfo as ApiUser, type VersionInfo } from "./api/app.ts";
import type { ApiServices } from "./api/handlers/context.ts";
import { type RunningServer, serveHttps } from "./api/serve.ts";
import { handlePodBinding } from "./api/handlers/pod-binding.ts";
import { reviewRoutes } from "./api/handlers/reviews.ts";
import { tokenRequestHandler } from "./api/handlers/token-request.ts";
import { openIdConfiguration, serviceAccountJwks } from "./auth/serviceaccount-jwt.ts";
import { handlePodEviction } from "./api/handlers/pod-eviction.ts";
import type { InflightLimits } from "./api/inflight.ts";
import { buildPredicate } from "./api/selection.ts";
import { serveOpenApiV3, OpenApiV3 } from "./api/openapi/document.ts";
import { syncOpenApiWithCatalog } from "./api/openapi/from-catalog.ts";
import { trackUpdate } from "./api/patch/apply/apply.ts";
import type { JsonObject } from "./api/patch/json-value.ts";
import { ApiError, badRequest, notFound, unauthorized } from "./api/status.ts";
import { checkBody } from "./registry/schema/field-validation.ts";
import { schemaFor } from "./registry/schema/for-resource.ts";
import { loadModelGraph } from "./registry/schema/model.ts";
import type { KubeObject } from "./storage/object.ts";
import { createAuthenticator } from "./auth/authenticate.ts";
import { chainAuthorizers, privilegedGroupAuthorizer } from "./auth/authorizer.ts";
import type { FileStore } from "./auth/file-store.ts";
import { loadOrCreatePki, type Pki } from "./auth/pki.ts";
import { rbacAuthorizer } from "./auth/rbac.ts";
import type { ClusterRole, ClusterRoleBinding, RbacProvider, Role, RoleBinding } from "./auth/rbac-types.ts";
import { createStaticTokenTable } from "./auth/static-tokens.ts";
import { loadOrCreateServerTokens, type ServerTokens } from "./auth/tokens.ts";
import { SYSTEM_ADMIN, SYSTEM_MASTERS, type UserInfo } from "./auth/user.ts";
import { ensureBootstrapPolicy } from "./bootstrap/rbac-policy.ts";
// Agents joining (server/join): /cacerts, node credentials, the node authorizer's graph
import { nodeAuthorizer } from "./auth/node-authorizer.ts";
import { BOOTSTRAP_NAMESPACE, type BootstrapSecret, bootstrapSecretName } from "./join/bootstrap-tokens.ts";
import { cacheNodeGraph } from "./join/node-graph.ts";
import { nodeTokenLookup } from "./join/node-tokens.ts";
import { nodeRestriction } from "./join/node-restriction.ts";
import { joinPathsAuthorizer, joinRoutes } from "./join/routes.ts";
import { InProcessClient } from "./client/in-process.ts";
import { builtinResources } from "./registry/builtin/mod.ts";
import { admitPodServiceAccount, type ServiceAccountJson } from "./registry/builtin/core-pod-service-account.ts";
// CRDs and namespace lifecycle (server/registry/crd, server/controllers)
import { namespaceFinalizeDefinition, namespaceFinalizeHandler } from "./controllers/namespace-finalize.ts";
import { NamespaceLifecycleController } from "./controllers/namespace-lifecycle.ts";
import { customResourceDefinitions } from "./registry/crd/definition.ts";
import { checkCustomResourceFields } from "./registry/crd/field-check.ts";
import { CrdRegistrar } from "./registry/crd/registrar.ts";
import { Catalog } from "./registry/catalog.ts";
import { forbiddenInTerminatingNamespace, ResourceStore, type ResourceStoreHooks } from "./registry/rest/resource-store.ts";
import { groupVersion, type ResourceDefinition } from "./registry/types.ts";
import { namespacePrefix, objectKey, resourcePrefix } from "./storage/keys.ts";
import { ObjectStore } from "./storage/object-store.ts";
import { WatchCache, type WatchCacheOptions } from "./storage/watch-cache.ts";
// Service IP and NodePort allocation, the `kubernetes` Service (server/services)
import { advertiseAddress } from "./services/kubernetes-service.ts";
import { ServiceNetworking } from "./services/service-networking.ts";
// Pod streams (log, exec, attach) and the metrics API, through the nodes' streams (streams/mod.ts)
import { NodeStreamsDirectory } from "../streams/mod.ts";
import { lazyRemoteNodeStreams } from "../streams/remote-lazy.ts";
import { podLogHandler } from "./api/handlers/pod-log.ts";
import { podStreamUpgrade, podStreamWithoutUpgrade } from "./api/handlers/pod-exec.ts";
import { directoryResolver } from "./api/handlers/pod-stream-target.ts";
import { podPortForwardUpgrade, podPortForwardWithoutUpgrade, portForwarderOf } from "./api/handlers/pod-portforward.ts";
import { metricsRoutes } from "./metrics/metrics-api.ts";

export interface ApiServerOptions {
  datastore: Datastore;
  log: Logger;
  /** Where the PKI and tokens live (<data-dir>/server/tls and <data-dir>/server). */
  tlsFiles: FileStore;
  tokenFiles: FileStore;
  port: number;
  bindAddress: string;
  hostname: string;
  addresses?: string[];
  tlsSans?: string[];
  clusterDomain?: string;
  serviceCidr?: string;
  /** --cluster-cidr: told to joining agents (their bridge CNI masquerades what leaves it). */
  clusterCidr?: string;
  /** --service-node-port-range ("30000-32767" by default). */
  serviceNodePortRange?: string;
  /** --token: the server token's password (or a full K10 token). */
  token?: string;
  version: VersionInfo;
  /** Sizes of the watch cache's event window (tests make it small to provoke 410s). */
  watchCache?: WatchCacheOptions;
  /** Inflight request limits (tests lower them). */
  inflight?: InflightLimits;
  /** Subresource handlers from other parts (patch, scale, pod streams). */
  subresources?: Record<string, SubresourceHandler>;
  /** How nodes' kubelets are reached for logs, exec, attach and stats (default: a new directory, in-process nodes only). */
  nodeStreams?: NodeStreamsDirectory;
}

export interface ApiServer {
  port: number;
  pki: Pki;
  tokens: ServerTokens;
  catalog: Catalog;
  cache: WatchCache;
  objects: ObjectStore;
  handler: ApiHandlers;
  storeFor(def: ResourceDefinition): ResourceStore;
  /** The in-process Client (controllers, scheduler, in-process agent); `client.as(name)` for another field manager. */
  client: InProcessClient;
  /** The store of a served resource by group and plural name. */
  resource(group: string, resource: string): ResourceStore;
  /** An admin kubeconfig for `server` (https://host:port). */
  kubeconfig(server: string): string;
  /** Where in-process nodes register their streams (logs, exec, attach, stats). */
  nodeStreams: NodeStreamsDirectory;
  stop(): Promise<void>;
}

const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { log } = options;
  const abort = new AbortController();
  const pki = await loadOrCreatePki(options.tlsFiles, {
    hostname: options.hostname,
    addresses: options.addresses,
    clusterDomain: options.clusterDomain,
    serviceCidr: options.serviceCidr,
    tlsSans: options.tlsSans,
  });
  const tokens = await loadOrCreateServerTokens(options.tokenFiles, { caBundle: pki.serverCa.certPem, token: options.token });

  const cache = new WatchCache(options.datastore, log.child("watch-cache"), options.watchCache);
  await cache.start();
  const objects = new ObjectStore(options.datastore, cache);
  const catalog = new Catalog();
  for (const def of builtinResources()) catalog.add(def);

  const stores = new Map<ResourceDefinition, ResourceStore>();
  const namespaceScope = { group: "", resource: "namespaces", namespaced: false };
  const hooks: ResourceStoreHooks = {
    async trackManagedFields(def, object, old, scope, subresource) {
      const schema = await schemaFor(def);
      const resetPaths = subresource === "" && def.statusSubresource ? [["f:status"]] : [];
      return trackUpdate(old as unknown as JsonObject | undefined, object as unknown as JsonObject, {
        manager: scope.fieldManager ?? "unknown",
        apiVersion: groupVersion(def),
        schema,
        subresource: subresource || undefined,
        resetPaths,
      }).object as unknown as KubeObject;
    },
    async checkNamespace(namespace: string, signal?: AbortSignal) {
      const ns = await objects.get(objectKey(namespaceScope, undefined, namespace), { signal });
      if (!ns) throw notFound({ group: "", resource: "namespaces" }, namespace);
      if (ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === "Terminating") {
        throw forbiddenInTerminatingNamespace(namespace);
      }
    },
  };
  // ServiceAccount admission: a new pod takes its ServiceAccount's imagePullSecrets and
  // automountServiceAccountToken (read from the watch cache, as upstream reads its lister).
  const serviceAccountScope = { group: "", resource: "serviceaccounts", namespaced: true };
  hooks.mutate = async (op, def, object, scope) => {
    if (def.group !== "" || def.resource !== "pods") return;
    const spec = object.spec as { serviceAccountName?: string } | undefined;
    const key = objectKey(serviceAccountScope, object.metadata.namespace, spec?.serviceAccountName || "default");
    const serviceAccount = await objects.get(key, { resourceVersion: "0", signal: scope.signal });
    admitPodServiceAccount(object, serviceAccount as ServiceAccountJson | undefined);
  };
  // --- agents joining (server/join/node-restriction.ts): NodeRestriction admission. Writes carry
  // no user (WriteScope), but they carry their request's AbortSignal: the user is remembered by
  // it at authentication. In-process writes have no request and are not restricted.
  const userBySignal = new WeakMap<AbortSignal, UserInfo>();
  hooks.admit = nodeRestriction((signal) => (signal ? userBySignal.get(signal) : undefined));
  // --- end of NodeRestriction
  // Service IP and NodePort allocation: in the Service write path (beginWrite/afterDelete), as
  // upstream's Service REST storage does, so that a create's response carries its clusterIP.
  const serviceNetworking = new ServiceNetworking({ objects, cache, serviceCidr: options.serviceCidr, nodePortRange: options.serviceNodePortRange, log: log.child("service-networking") });
  Object.assign(hooks, serviceNetworking.hooks());
  const storeFor = (def: ResourceDefinition): ResourceStore => {
    let s = stores.get(def);
    if (!s) {
      s = new ResourceStore(def, objects, hooks, def.nameCheck);
      stores.set(def, s);
    }
    return s;
  };
  const resource = (group: string, name: string): ResourceStore => {
    const def = catalog.all().find((d) => d.group === group && d.resource === name);
    if (!def) throw new Error(`no served resource ${name}${group ? `.${group}` : ""}`);
    return storeFor(def);
  };

  await ensureSystemNamespaces(storeFor(catalog.get("", "v1", "namespaces")!), log);
  await serviceNetworking.repair(); // before the first request: allocation records match the stored Services

  // CRDs and namespace lifecycle: controllers on the watch cache, started before the server
  // listens so that stored CRDs are served from the first request.
  const namespacesDef = catalog.get("", "v1", "namespaces")!;
  const namespaceFinalize = storeFor(namespaceFinalizeDefinition(namespacesDef));
  await new CrdRegistrar({ cache, catalog, storeFor, crds: customResourceDefinitions, log: log.child("crd-registrar") }).start(abort.signal);
  new NamespaceLifecycleController({ cache, catalog, storeFor, namespaces: namespacesDef, finalize: namespaceFinalize, log: log.child("namespace-controller") }).start(abort.signal);

  const staticTokens = await createStaticTokenTable([
    { token: tokens.admin, user: { username: SYSTEM_ADMIN, groups: [SYSTEM_MASTERS], extra: {} } },
  ]);
  // ServiceAccount tokens: signed with the server's key, valid while their account (and bound
  // pod or secret) still exists with the same uid — looked up in the watch cache.
  const issuer = `https://kubernetes.default.svc.${options.clusterDomain ?? "cluster.local"}`;
  const saSigner = { issuer, privateKey: pki.serviceAccountKeys.privateKey, publicKey: pki.serviceAccountKeys.publicKey };
  const live = (resource: string, namespace: string | undefined, name: string) => {
    const object = cache.get(objectKey({ group: "", resource, namespaced: namespace !== undefined }, namespace, name))?.object;
    return object && { uid: object.metadata.uid!, deletionTimestamp: object.metadata.deletionTimestamp };
  };
  // Node bearer tokens (server/join/node-tokens.ts) after the static ones: joined agents of a Deno server.
  const nodeTokens = nodeTokenLookup((ns, name) => cache.get(objectKey({ group: "", resource: "secrets", namespaced: true }, ns, name))?.object as unknown as { metadata: { name: string }; data?: Record<string, string> } | undefined);
  const authenticator = createAuthenticator({
    tokens: { ...staticTokens, lookup: async (token) => (await staticTokens.lookup(token)) ?? (await nodeTokens(token)) },
    anonymous: true,
    serviceAccounts: {
      verify: { issuers: [issuer], audiences: [issuer], publicKeys: [pki.serviceAccountKeys.publicKey] },
      lookups: {
        getServiceAccount: (ns, name) => live("serviceaccounts", ns, name),
        getPod: (ns, name) => live("pods", ns, name),
        getSecret: (ns, name) => live("secrets", ns, name),
        getNode: (name) => live("nodes", undefined, name),
      },
    },
  });
  const jwks = await serviceAccountJwks([pki.serviceAccountKeys.publicKey]);
  const oidc = openIdConfiguration({ issuer, publicKeys: [pki.serviceAccountKeys.publicKey] });
  const json = (value: unknown) => () => new Response(JSON.stringify(value), { headers: { "Content-Type": "application/json" } });
  const rbac = rbacAuthorizer(cacheRbacProvider(cache));
  // --- agents joining (server/join): the join paths are open (their handler checks the join
  // token), and node users (system:node:<name>) are decided by the node authorizer before RBAC.
  const authorizer = chainAuthorizers(privilegedGroupAuthorizer(), joinPathsAuthorizer, nodeAuthorizer(cacheNodeGraph(cache)), rbac);
  let inProcessClient: InProcessClient | undefined; // set once the server listens
  const join = joinRoutes({
    pki,
    tokens,
    client: () => {
      if (!inProcessClient) throw new ApiError(503, "ServiceUnavailable", "the server is starting; try again", {});
      return inProcessClient.as("k3ts-join");
    },
    bootstrapSecret: (id) => cache.get(objectKey({ group: "", resource: "secrets", namespaced: true }, BOOTSTRAP_NAMESPACE, bootstrapSecretName(id)))?.object as unknown as BootstrapSecret | undefined,
    log: log.child("join"),
    clusterCidr: options.clusterCidr,
    serviceCidr: options.serviceCidr,
  });
  // --- end of agents joining

  const openapi = new OpenApiV3({ graph: loadModelGraph, serverVersion: options.version.gitVersion });
  const stopOpenApiSync = syncOpenApiWithCatalog(openapi, catalog);
  const serveOpenApi = async (request: Request) =>
    (await serveOpenApiV3(openapi, new URL(request.url), request.headers.get("if-none-match"))) ??
      new Response(JSON.stringify(new ApiError(404, "NotFound", "the server could not find the requested resource", {}).toStatus()), { status: 404, headers: { "Content-Type": "application/json" } });

  const services: ApiServices = {
    catalog,
    storeFor,
    predicate: buildPredicate,
    log: log.child("api"),
    signal: abort.signal,
    async checkFields(def, object, json, mode) {
      if (!def.modelName && def.openAPIV3Schema) return checkCustomResourceFields(def, object, mode); // CRDs
      if (!def.modelName || json === undefined) return [];
      const checked = checkBody(await loadModelGraph(), def.modelName, json, object, mode, { kind: def.kind, version: def.version });
      if (checked.error) throw badRequest(checked.error);
      return [...checked.warnings];
    },
  };
  // --- pod streams and metrics (streams/mod.ts)
  // Nodes outside this process: their kubelet's HTTPS endpoint, with a client certificate of
  // the API server's (kube-apiserver-kubelet-client, system:masters), the kubelet's serving
  // certificate verified against the server CA.
  const nodeStreams = options.nodeStreams ?? new NodeStreamsDirectory(lazyRemoteNodeStreams(async () => {
    const client = await pki.issueClientCertificate("kube-apiserver-kubelet-client", [SYSTEM_MASTERS]);
    return { cert: client.certPem, key: client.keyPem, kubeletCa: pki.serverCa.certPem };
  }));
  const resolveNode = directoryResolver(nodeStreams);
  // --- end of pod streams and metrics
  const handler = createApiApp({
    ...services,
    version: options.version,
    serverAddress: `${options.hostname}:${options.port}`,
    inflight: options.inflight,
    subresources: {
      "namespaces/finalize": namespaceFinalizeHandler(namespaceFinalize), // namespace lifecycle
      "pods/binding": handlePodBinding,
      "serviceaccounts/token": tokenRequestHandler(() => saSigner),
      "pods/eviction": handlePodEviction,
      "pods/log": podLogHandler(resolveNode), // pod streams
      "pods/exec": podStreamWithoutUpgrade,
      "pods/attach": podStreamWithoutUpgrade,
      "pods/portforward": podPortForwardWithoutUpgrade, // port-forward
      ...options.subresources,
    },
    upgrades: {
      "pods/exec": podStreamUpgrade("exec", services, resolveNode),
      "pods/attach": podStreamUpgrade("attach", services, resolveNode),
      "pods/portforward": podPortForwardUpgrade(services, portForwarderOf(resolveNode)), // port-forward
    },
    extraRoutes: {
      "/openapi/v3": serveOpenApi,
      "/openapi/v3/": serveOpenApi,
      "/.well-known/openid-configuration": json(oidc),
      "/openid/v1/jwks": json(jwks),
      ...join, // agents joining (server/join)
      ...metricsRoutes({ services, resolve: resolveNode }), // metrics.k8s.io/v1beta1
      // Access and token reviews (kubectl auth can-i / whoami): answered, never stored.
      ...reviewRoutes({
        authorize: authorizer,
        apiAudiences: [issuer],
        async authenticateToken(token) {
          const r = await authenticator({ headers: new Headers({ authorization: `Bearer ${token}` }) });
          if (!r.ok) return { authenticated: false, error: r.reason };
          if (r.method === "anonymous") return { authenticated: false, error: "" };
          return { authenticated: true, user: r.user };
        },
      }),
    },
    isReady: () => cache.revision >= 0,
    async authenticate(request, peer) {
      const result = await authenticator({ headers: request.headers, clientCertificate: peer?.clientCertificate });
      if (!result.ok) {
        log.debug("authentication failed", { reason: result.reason });
        throw unauthorized();
      }
      if (request.method !== "GET") userBySignal.set(request.signal, result.user); // NodeRestriction (server/join)
      return result.user as ApiUser;
    },
    async authorize(user, info) {
      const decision = await authorizer({ user: { extra: {}, ...user }, ...info });
      return { allowed: decision.decision === "allow", reason: decision.decision === "deny" ? decision.reason : undefined };
    },
  });

  let running: RunningServer;
  try {
    running = await serveHttps(handler, {
      port: options.port,
      hostname: options.bindAddress,
      tls: { key: pki.serving.keyPem, cert: pki.serving.certPem + pki.serverCa.certPem, clientCA: pki.clientCa.certPem },
    });
  } catch (err) {
    cache.stop();
    throw new Error(`cannot listen on ${options.bindAddress}:${options.port}: ${(err as Error).message}`);
  }
  log.info("API server listening", { address: `https://${options.bindAddress}:${running.port}` });

  const client = new InProcessClient({
    catalog,
    storeFor,
    cache,
    predicate: buildPredicate,
    handlers: () => handler,
    token: tokens.admin,
    fieldManager: "k3ts",
  });
  inProcessClient = client; // agents joining (server/join)

  if (catalog.get("rbac.authorization.k8s.io", "v1", "clusterroles")) await ensureBootstrapPolicy(client.as("k3ts-bootstrap"), log);
  // The `kubernetes` Service (first cluster IP) and its endpoints at this server; repair events.
  await serviceNetworking.start(client.as("kube-apiserver"), { address: advertiseAddress(options.bindAddress, options.addresses), port: running.port }, abort.signal);

  return {
    port: running.port,
    client,
    pki,
    tokens,
    catalog,
    cache,
    objects,
    handler,
    storeFor,
    resource,
    kubeconfig: (server) => adminKubeconfig(server, pki.serverCa.certPem, tokens.admin),
    nodeStreams,
    async stop() {
      abort.abort();
      stopOpenApiSync();
      cache.stop();
      await running.close();
    },
  };
}

async function ensureSystemNamespaces(namespaces: ResourceStore, log: Logger): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await namespaces.get(undefined, name);
    } catch {
      try {
        await namespaces.create(undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
        log.info("created namespace", { name });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    }
  }
}

/** RBAC reads roles and bindings from the watch cache: no datastore round trip per request. */
function cacheRbacProvider(cache: WatchCache): RbacProvider {
  const rbac = (resource: string) => ({ group: "rbac.authorization.k8s.io", resource, namespaced: resource.startsWith("role") });
  const objects = <T>(prefix: string) => cache.list(prefix).map((e) => e.object as unknown as T);
  return {
    getRole: (ns, name) => cache.get(objectKey(rbac("roles"), ns, name))?.object as unknown as Role | undefined,
    getClusterRole: (name) => cache.get(objectKey(rbac("clusterroles"), undefined, name))?.object as unknown as ClusterRole | undefined,
    listClusterRoles: () => objects<ClusterRole>(resourcePrefix(rbac("clusterroles"))),
    listClusterRoleBindings: () => objects<ClusterRoleBinding>(resourcePrefix(rbac("clusterrolebindings"))),
    listRoleBindings: (ns) => objects<RoleBinding>(namespacePrefix(rbac("rolebindings"), ns)),
  };
}

/** The admin kubeconfig: the cluster CA, and the admin bearer token (works on Node and Deno alike). */
export function adminKubeconfig(server: string, caPem: string, token: string): string {
  const ca = btoa(caPem);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: default",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    "users:",
    "- name: default",
    "  user:",
    `    token: ${token}`,
    "contexts:",
    "- name: default",
    "  context:",
    "    cluster: default",
    "    user: default",
    "current-context: default",
    "preferences: {}",
    "",
  ].join("\n");
}

