/**
 * Runs short host commands (mount, umount) through one long-lived /bin/sh instead of a child
 * process each. Starting a child forks the caller: with a server's or agent's 150 MiB of
 * mappings that blocks the event loop for 5-15 ms a command, and 30 pods starting at once mount
 * 30 tmpfs, then unmount them; the small shell forks for next to nothing. Commands run one at a
 * time, each under coreutils' `timeout`; the shell is started on first use, does not keep the
 * process alive, and is started again if it dies. A Node adapter; Deno runs it through its
 * node: compatibility.
 */
import { type ChildProcess, spawn } from "node:child_process";

/** A failed command: its exit status and what it printed. */
export class HostCommandError extends Error {
  readonly command: string;
  readonly status: number;
  constructor(command: string, status: number, output: string) {
    super(`${command}: ${output.trim() || `exit status ${status}`}`);
    this.name = "HostCommandError";
    this.command = command;
    this.status = status;
  }
}

const DONE = "k3ts-command-done";

/** A word for sh: single-quoted, with any single quote closed, escaped and reopened. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

interface Pending {
  id: number;
  text: string;
  resolve(): void;
  reject(error: Error): void;
}

export class CommandShell {
  readonly #timeoutSeconds: number;
  #shell: ChildProcess | undefined;
  #buffer = "";
  #next = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(timeoutSeconds = 30) {
    this.#timeoutSeconds = timeoutSeconds;
  }

  /** Runs `cmd args...`; rejects with HostCommandError when it exits non-zero or times out. */
  run(cmd: string, args: readonly string[]): Promise<void> {
    const text = [cmd, ...args].join(" ");
    return new Promise((resolve, reject) => {
      const id = this.#next++;
      this.#pending.set(id, {
        id,
        text,
        resolve: () => this.#settled(resolve),
        reject: (error) => this.#settled(() => reject(error)),
      });
      const line = [quote(cmd), ...args.map(quote)].join(" ");
      // Output and status come back on one line after the marker, newlines folded into spaces.
      const script = `out=$(timeout ${this.#timeoutSeconds} ${line} 2>&1 </dev/null); rc=$?; ` +
        `[ -n "$out" ] && out=$(printf %s "$out" | tr '\\n' ' '); printf '${DONE} ${id} %s %s\\n' "$rc" "$out"\n`;
      try {
        const shell = this.#ensureShell();
        this.#hold(shell, true);
        shell.stdin!.write(script);
      } catch (error) {
        const p = this.#pending.get(id);
        this.#pending.delete(id);
        p?.reject(error as Error);
      }
    });
  }

  /** A command is running: the shell's output keeps the process alive until it is back. */
  #hold(shell: ChildProcess, on: boolean): void {
    const stdout = shell.stdout as unknown as { ref?: () => void; unref?: () => void };
    if (on) {
      shell.ref();
      stdout.ref?.();
    } else {
      shell.unref();
      stdout.unref?.();
    }
  }

  #settled(done: () => void): void {
    if (this.#pending.size === 0 && this.#shell) this.#hold(this.#shell, false);
    done();
  }

  /** Ends the shell (pending commands fail). */
  close(): void {
    const shell = this.#shell;
    this.#shell = undefined;
    const failed = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of failed) p.reject(new HostCommandError(p.text, -1, "the command shell was closed"));
    shell?.kill();
  }

  #ensureShell(): ChildProcess {
    if (this.#shell) return this.#shell;
    const shell = spawn("/bin/sh", [], { stdio: ["pipe", "pipe", "ignore"] });
    this.#shell = shell;
    this.#buffer = "";
    shell.stdout!.setEncoding("utf8");
    shell.stdout!.on("data", (chunk: string) => this.#read(chunk));
    const gone = (error?: Error) => {
      if (this.#shell !== shell) return;
      this.#shell = undefined;
      const failed = [...this.#pending.values()];
      this.#pending.clear();
      for (const p of failed) p.reject(new HostCommandError(p.text, -1, `the command shell ended${error ? `: ${error.message}` : ""}`));
    };
    shell.on("error", gone);
    shell.on("exit", () => gone());
    shell.stdin!.on("error", () => {}); // an exit reports it
    // Idle, the shell waits for commands; it must not keep k3ts running.
    this.#hold(shell, false);
    (shell.stdin as unknown as { unref?: () => void }).unref?.();
    return shell;
  }

  #read(chunk: string): void {
    this.#buffer += chunk;
    let nl: number;
    while ((nl = this.#buffer.indexOf("\n")) >= 0) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      const m = new RegExp(`^${DONE} (\\d+) (\\d+) ?(.*)$`).exec(line);
      if (!m) continue;
      const p = this.#pending.get(Number(m[1]));
      if (!p) continue;
      this.#pending.delete(p.id);
      const status = Number(m[2]);
      if (status === 0) p.resolve();
      else p.reject(new HostCommandError(p.text, status, status === 124 ? `timed out after ${this.#timeoutSeconds} s` : m[3]!));
    }
  }
}
