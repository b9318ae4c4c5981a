/**
 * A private instance of Debian's docker-registry (distribution 2.8) for tests: its own config
 * file, storage in a temp dir (or another instance's, to serve the same images without pushing
 * them again), listening on 127.0.0.1 on a free port, optionally behind htpasswd basic auth and
 * on TLS; access log in a file the test can read. stop() ends it (by its pid) and removes its dir.
 *
 * The htpasswd file needs bcrypt, which node:crypto lacks: perl's crypt() calls libc's (libxcrypt
 * on Debian 12), which knows `$2b$`; perl-base is an essential Debian package.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "../../cli/spawn.ts";

export const REGISTRY_BINARY = "/usr/bin/docker-registry";

export interface TestRegistry {
  port: number;
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` (https with TLS) */
  url: string;
  /** The storage dir, for another instance to share. */
  storage: string;
  /** The registry's access log so far: one `"METHOD /path HTTP/1.1" status` line per request. */
  requests(): string[];
  stop(): Promise<void>;
}

/** An htpasswd line with a bcrypt hash ($2b$, cost 5: enough for a test). */
export function htpasswdLine(username: string, password: string): string {
  const alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  // 22 salt characters; the last one carries only 2 bits, so pick it from those bcrypt keeps.
  const salt = [...randomBytes(21)].map((b) => alphabet[b % 64]).join("") + ".Oeu"[randomBytes(1)[0]! % 4];
  const result = spawnSync("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, `$2b$05$${salt}`], { encoding: "utf8" });
  if (result.status !== 0 || !result.stdout.startsWith("$2b$")) throw new Error(`bcrypt through perl's crypt() failed: ${result.stderr || result.stdout}`);
  return `${username}:${result.stdout}\n`;
}

export interface RegistryOptions {
  auth?: { username: string; password: string };
  /** PEM files of the serving certificate and its key. */
  tls?: { certFile: string; keyFile: string };
  /** Serve another instance's storage. */
  storage?: string;
}

/** True once something accepts TCP connections on 127.0.0.1:port. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync("/tmp/k3reg-");
  const port = await freePort();
  const storage = options.storage ?? join(dir, "storage");
  const config = [
    "version: 0.1",
    "log:",
    "  level: warn",
    "  formatter: text",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${storage}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: 127.0.0.1:${port}`,
  ];
  if (options.tls) config.push("  tls:", `    certificate: ${options.tls.certFile}`, `    key: ${options.tls.keyFile}`);
  if (options.auth) {
    writeFileSync(join(dir, "htpasswd"), htpasswdLine(options.auth.username, options.auth.password));
    config.push("auth:", "  htpasswd:", "    realm: k3ts-test", `    path: ${join(dir, "htpasswd")}`);
  }
  writeFileSync(join(dir, "config.yml"), `${config.join("\n")}\n`);
  const logFile = join(dir, "registry.log");
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(REGISTRY_BINARY, ["serve", join(dir, "config.yml")], { stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const registry: TestRegistry = {
    port,
    host: `127.0.0.1:${port}`,
    url,
    storage,
    requests: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "").split("\n").filter((line) => /^\S+ - \S+ \[/.test(line)),
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, "SIGTERM");
        const killed = setTimeout(() => child.pid !== undefined && process.kill(child.pid, "SIGKILL"), 5000);
        await exited;
        clearTimeout(killed);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // Ready when /v2/ answers (200, or 401 behind auth; with TLS, whose CA fetch does not know, when
  // the port accepts); bounded: 100 tries, 100 ms apart.
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (options.tls ? await accepting(port) : [200, 401].includes(await fetch(`${url}/v2/`).then((r) => r.status, () => 0))) return registry;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const output = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
  await registry.stop();
  throw new Error(`docker-registry did not answer on ${url}: ${output.slice(-2000)}`);
}
