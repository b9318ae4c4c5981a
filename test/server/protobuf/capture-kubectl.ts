/**
 * Records the protobuf request bodies that a real kubectl sends, as fixtures for decode tests:
 *
 *   node test/server/protobuf/capture-kubectl.ts [kubectl]
 *
 * A plain-HTTP server on 127.0.0.1 answers legacy discovery (enough for kubectl's typed clients
 * and REST mapper) and every write with a minimal JSON object, and keeps each POST body. For
 * each command it writes test/fixtures/protobuf/<name>.bin (the body as kubectl sent it) and
 * <name>.dry-run.json (`--dry-run=client -o json` of the same command: Go's own JSON of the
 * object, the oracle the decoded body is compared with).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FIXTURES = new URL("../../fixtures/protobuf/", import.meta.url);

/** name -> kubectl arguments (the object is created in namespace "demo"). */
export const COMMANDS: Record<string, string[]> = {
  namespace: ["create", "namespace", "demo"],
  configmap: ["create", "configmap", "settings", "--from-literal=mode=fast", "--from-literal=empty="],
  secret: ["create", "secret", "generic", "creds", "--from-literal=password=s3cr3t"],
  deployment: ["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80"],
  job: ["create", "job", "hello", "--image=busybox", "--", "sh", "-c", "echo"],
  "service-nodeport": ["create", "service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080"],
  "run-pod": ["run", "sleeper", "--image=busybox", "--restart=Never", "--labels=app=sleeper", "--", "sleep", "1"],
  cronjob: ["create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"],
  role: ["create", "role", "reader", "--verb=get,list", "--resource=pods,configmaps"],
  rolebinding: ["create", "rolebinding", "read", "--role=reader", "--user=ann", "--serviceaccount=demo:bot"],
  pdb: ["create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=50%"],
  quota: ["create", "quota", "small", "--hard=cpu=1,memory=1Gi,pods=10"],
  ingress: ["create", "ingress", "site", "--class=traefik", "--rule=example.com/api*=api:8080,tls=site-cert"],
  priorityclass: ["create", "priorityclass", "high", "--value=1000", "--description=important"],
  token: ["create", "token", "bot", "--duration=10m", "--audience=api"],
};

/** Commands whose --dry-run=client prints nothing useful (create token has no dry run). */
const NO_DRY_RUN = new Set(["token"]);

const RESOURCES: Record<string, { group: string; version: string; list: [string, string, boolean][] }> = {
  core: {
    group: "", version: "v1", list: [
      ["namespaces", "Namespace", false], ["configmaps", "ConfigMap", true], ["secrets", "Secret", true],
      ["services", "Service", true], ["pods", "Pod", true], ["serviceaccounts", "ServiceAccount", true],
      ["serviceaccounts/token", "TokenRequest", true], ["resourcequotas", "ResourceQuota", true],
    ],
  },
  apps: { group: "apps", version: "v1", list: [["deployments", "Deployment", true]] },
  batch: { group: "batch", version: "v1", list: [["jobs", "Job", true], ["cronjobs", "CronJob", true]] },
  rbac: {
    group: "rbac.authorization.k8s.io", version: "v1",
    list: [["roles", "Role", true], ["rolebindings", "RoleBinding", true]],
  },
  policy: { group: "policy", version: "v1", list: [["poddisruptionbudgets", "PodDisruptionBudget", true]] },
  networking: { group: "networking.k8s.io", version: "v1", list: [["ingresses", "Ingress", true]] },
  scheduling: { group: "scheduling.k8s.io", version: "v1", list: [["priorityclasses", "PriorityClass", false]] },
  authentication: { group: "authentication.k8s.io", version: "v1", list: [] },
};

function resourceList(r: (typeof RESOURCES)[string]) {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: r.group ? `${r.group}/${r.version}` : r.version,
    resources: r.list.map(([name, kind, namespaced]) => ({
      name, singularName: "", namespaced, kind, verbs: ["create", "get", "list", "delete"],
    })),
  };
}

function discovery(path: string): unknown {
  if (path === "/api") return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
  if (path === "/apis") {
    return {
      kind: "APIGroupList", apiVersion: "v1",
      groups: Object.values(RESOURCES).filter((r) => r.group).map((r) => ({
        name: r.group,
        versions: [{ groupVersion: `${r.group}/${r.version}`, version: r.version }],
        preferredVersion: { groupVersion: `${r.group}/${r.version}`, version: r.version },
      })),
    };
  }
  for (const r of Object.values(RESOURCES)) {
    if (path === (r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`)) return resourceList(r);
  }
  if (path === "/version") return { major: "1", minor: "32", gitVersion: "v1.32.0" };
  return undefined;
}

/** A minimal object of the kind the POST path creates. */
function answerFor(path: string): unknown {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))\/(?:namespaces\/[^/]+\/)?([^/]+)(?:\/[^/]+\/([^/]+))?$/.exec(path);
  const apiVersion = m?.[1] ?? m?.[2] ?? "v1";
  const resource = m?.[4] ? `${m[3]}/${m[4]}` : m?.[3] ?? "";
  const kind = Object.values(RESOURCES).flatMap((r) => r.list).find(([name]) => name === resource)?.[1] ?? "Namespace";
  if (kind === "TokenRequest") {
    return { apiVersion: "authentication.k8s.io/v1", kind, metadata: { name: "bot" }, status: { token: "captured" } };
  }
  return { apiVersion, kind, metadata: { name: "captured" } };
}

interface Captured { contentType: string; path: string; body: Buffer }

function serve(captured: Captured[]) {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0]!;
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "GET") {
        const doc = discovery(path);
        return doc ? send(200, doc) : send(404, { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 });
      }
      captured.push({ contentType: String(req.headers["content-type"]), path, body: Buffer.concat(chunks) });
      // kubectl prints "<kind>/<name> created" from the answer; a token request prints its token.
      send(201, answerFor(path));
    });
  });
}

async function main(kubectl: string): Promise<void> {
  const captured: Captured[] = [];
  const server = serve(captured);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const home = mkdtempSync(join(tmpdir(), "k3ts-capture-"));
  const kubeconfig = join(home, "config");
  writeFileSync(kubeconfig, [
    "apiVersion: v1", "kind: Config", "current-context: c",
    `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}"}}]`,
    "contexts: [{name: c, context: {cluster: c, user: u, namespace: demo}}]",
    "users: [{name: u, user: {}}]", "",
  ].join("\n"));
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: home };
  mkdirSync(FIXTURES, { recursive: true });
  try {
    for (const [name, args] of Object.entries(COMMANDS)) {
      const before = captured.length;
      // Async: the server that kubectl talks to runs on this process's event loop.
      const run = async (extra: string[]) => {
        // Flags go before a "--" that starts the container's command.
        const dash = args.includes("--") ? args.indexOf("--") : args.length;
        const argv = [...args.slice(0, dash), "--cache-dir", join(home, "cache"), ...extra, ...args.slice(dash)];
        return (await exec(kubectl, argv, { env, encoding: "utf8", timeout: 30_000 })).stdout;
      };
      const printed = await run([]);
      const sent = captured.slice(before);
      if (sent.length !== 1) throw new Error(`${name}: expected one write, saw ${sent.length} (${printed})`);
      const { contentType, path, body } = sent[0]!;
      console.log(`${name}: ${path} ${contentType} ${body.length} bytes`);
      // kubectl run builds its Pod unstructured and sends JSON: nothing to record for it.
      if (!contentType.startsWith("application/vnd.kubernetes.protobuf")) continue;
      writeFileSync(new URL(`${name}.bin`, FIXTURES), body);
      if (!NO_DRY_RUN.has(name)) {
        const json = await run(["--dry-run=client", "-o", "json"]);
        writeFileSync(new URL(`${name}.dry-run.json`, FIXTURES), JSON.stringify(JSON.parse(json), null, 2) + "\n");
      }
    }
  } finally {
    server.close();
  }
}

const exec = promisify(execFile);

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv[2] ?? "kubectl");
