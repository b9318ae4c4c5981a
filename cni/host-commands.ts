/**
 * The one place the CNI modules shell out: `ip`, `iptables`, `iptables-restore` and `sysctl`.
 * Everything that changes the node's network goes through a HostCommands, so that a test can
 * point a whole module at a network namespace of its own (`netns`): iptables rules and sysctls
 * such as net.ipv4.ip_forward are per namespace, so nothing the test does reaches the host's.
 */
import { execFile } from "node:child_process";

export interface HostCommandsOptions {
  /** Run every command inside this named network namespace (`ip netns exec NAME ...`). */
  netns?: string;
  /** Each command's deadline (default 30 s). */
  timeoutMs?: number;
}

/** A command that failed: its argv, exit status and stderr, so that a log line says what went wrong. */
export class HostCommandError extends Error {
  readonly argv: readonly string[];
  readonly stderr: string;
  readonly code: number | string | undefined;
  constructor(argv: readonly string[], code: number | string | undefined, stderr: string) {
    super(`${argv.join(" ")} failed (${code ?? "killed"}): ${stderr.trim() || "no output"}`);
    this.name = "HostCommandError";
    this.argv = argv;
    this.stderr = stderr;
    this.code = code;
  }
}

export class HostCommands {
  readonly netns: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: HostCommandsOptions = {}) {
    this.netns = options.netns;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Runs argv (in the namespace, if any); resolves to stdout, rejects with HostCommandError. */
  run(argv: readonly string[], stdin?: string): Promise<string> {
    const full = this.netns ? ["ip", "netns", "exec", this.netns, ...argv] : [...argv];
    return new Promise((resolve, reject) => {
      const child = execFile(full[0]!, full.slice(1), { timeout: this.#timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new HostCommandError(full, (error as NodeJS.ErrnoException & { code?: number | string }).code, String(stderr)));
        else resolve(String(stdout));
      });
      // A command that exits before reading its stdin closes the pipe: the EPIPE that a write
      // then gets is the exit status's business (reported above), not a crash of k3ts.
      child.stdin?.on("error", () => {});
      // Always end stdin: a command that reads it must not wait for input that never comes.
      if (stdin === undefined) child.stdin?.end();
      else child.stdin?.end(stdin);
    });
  }

  ip(...args: string[]): Promise<string> {
    return this.run(["ip", ...args]);
  }

  /** `-w`: wait for the xtables lock instead of failing while kube-proxy-like writers hold it. */
  iptables(...args: string[]): Promise<string> {
    return this.run(["iptables", "-w", "5", ...args]);
  }

  /** Applies a ruleset without flushing the tables' other chains (`--noflush`). */
  async iptablesRestore(rules: string): Promise<void> {
    await this.run(["iptables-restore", "-w", "5", "--noflush"], rules);
  }

  /** The rules of one table, as iptables-save prints them. */
  iptablesSave(table: string): Promise<string> {
    return this.run(["iptables-save", "-t", table]);
  }

  /** A sysctl's value, or undefined when the key does not exist (a module not loaded). */
  async sysctl(key: string): Promise<string | undefined> {
    try {
      return (await this.run(["sysctl", "-n", key])).trim();
    } catch (error) {
      if (error instanceof HostCommandError && /cannot stat|No such file/i.test(error.stderr)) return undefined;
      throw error;
    }
  }

  async setSysctl(key: string, value: string): Promise<void> {
    await this.run(["sysctl", "-q", "-w", `${key}=${value}`]);
  }
}
