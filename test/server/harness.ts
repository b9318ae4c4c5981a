/**
 * A real API server for tests: SQLite in a temporary directory, HTTPS on a free loopback port,
 * an admin kubeconfig on disk, and helpers that run the real kubectl against it.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Datastore } from "../../datastore/mod.ts";
import { openSqliteDatastore } from "../../datastore/sqlite/store.ts";
import { silentLogger } from "../../plugins/logger.ts";
import { type ApiServer, type ApiServerOptions, startApiServer } from "../../server/api-server.ts";
import { nodeFileStore } from "../../server/auth/node-file-store.ts";

export interface TestServer {
  server: ApiServer;
  /** The SQLite datastore under the server (tests compact it). */
  datastore: Datastore;
  url: string;
  dir: string;
  kubeconfigPath: string;
  token: string;
  /** Runs kubectl; resolves with its output and exit code (never rejects on a non-zero exit). */
  kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Runs kubectl and resolves with its trimmed stdout; rejects with its stderr when it fails. */
  kubectlOk(...args: string[]): Promise<string>;
  /** An authenticated HTTPS request that trusts the server's CA. */
  request(method: string, path: string, options?: { body?: string | Uint8Array; headers?: Record<string, string> }): Promise<{ status: number; headers: Record<string, string>; body: Buffer }>;
  stop(): Promise<void>;
}

export const TEST_VERSION: ApiServerOptions["version"] = {
  major: "1", minor: "32", gitVersion: "v1.32.0+k3ts", gitCommit: "test", gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z", goVersion: "n/a", compiler: "k3ts", platform: "linux/amd64",
};

export async function startTestServer(overrides: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "k3ts-api-"));
  const datastore = await openSqliteDatastore({ path: join(dir, "state.db") });
  const server = await startApiServer({
    datastore,
    log: silentLogger,
    tlsFiles: nodeFileStore(join(dir, "tls")),
    tokenFiles: nodeFileStore(dir),
    port: 0,
    bindAddress: "127.0.0.1",
    hostname: "localhost",
    version: TEST_VERSION,
    ...overrides,
  });
  const url = `https://127.0.0.1:${server.port}`;
  const kubeconfigPath = join(dir, "kubeconfig.yaml");
  await writeFile(kubeconfigPath, server.kubeconfig(url), { mode: 0o600 });
  const token = server.tokens.admin;
  const kubectl = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile("kubectl", ["--request-timeout=20s", ...args], { env: { ...process.env, KUBECONFIG: kubeconfigPath, KUBECACHEDIR: join(dir, "kube-cache") }, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  return {
    server,
    datastore,
    url,
    dir,
    kubeconfigPath,
    token,
    kubectl,
    async kubectlOk(...args) {
      const r = await kubectl(...args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
      return r.stdout.trim();
    },
    request: (method, path, options = {}) =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(options.headers ?? {}) };
        const req = httpsRequest(url + path, { method, headers, ca: server.pki.serverCa.certPem }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        });
        req.on("error", reject);
        if (options.body !== undefined) req.end(options.body);
        else req.end();
      }),
    async stop() {
      await server.stop();
      await datastore.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
