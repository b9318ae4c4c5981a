/**
 * What `kubectl exec` runs in a simulated container: a tiny shell over a small in-memory file
 * system, enough for tests and demos — not a real shell. Per container:
 *
 *   echo [-n] ARGS...        printf FORMAT ARGS (only %s and \n)
 *   cat [FILE...]            no FILE: stdin to stdout until stdin ends
 *   ls [DIR]                 hostname, pwd, env, true, false, sleep N, test -f|-d|-e|-s PATH
 *   mkdir [-p] DIR, rm [-f] FILE, touch FILE
 *   exit [N]
 *   sh -c 'SCRIPT'           commands separated by ; && || and newlines, quotes, $VAR, $?,
 *                            redirections > and >> to the file system; > /proc/1/fd/1 (or 2)
 *                            appends to the container's log, as writing to PID 1's stdout would
 *   sh                       without -c: reads the script from stdin, line by line (a prompt with a TTY)
 *
 * Anything else fails with 127 ("sh: X: not found"), as a shell would. The file system starts
 * with /etc/hostname, /etc/hosts, /etc/resolv.conf and empty /tmp, /data, /bin; what a command
 * writes stays for the container's life. No tar: `kubectl cp` needs a real runtime.
 */
import type { StreamSession } from "../mod.ts";

export interface FakeFileSystem {
  files: Map<string, string>;
  dirs: Set<string>;
}

export function newFakeFileSystem(hostname: string): FakeFileSystem {
  return {
    files: new Map([
      ["/etc/hostname", `${hostname}\n`],
      ["/etc/hosts", `127.0.0.1\tlocalhost\n`],
      ["/etc/resolv.conf", "nameserver 10.43.0.10\n"],
    ]),
    dirs: new Set(["/", "/etc", "/tmp", "/data", "/bin", "/proc", "/var"]),
  };
}

export interface FakeExecContext {
  hostname: string;
  fs: FakeFileSystem;
  env?: Record<string, string>;
  /** Appends a line to the container's log (a redirection to /proc/1/fd/1 or 2). */
  log?(line: string): void;
}

interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin?: ReadableStreamDefaultReader<Uint8Array>;
  tty: boolean;
  signal: AbortSignal;
}

class Exit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/** Starts a simulated command; its streams are those the request asked for. */
export function startFakeProcess(argv: string[], ctx: FakeExecContext, want: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): StreamSession {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  const stdin = want.stdin ? new TransformStream<Uint8Array, Uint8Array>() : undefined;
  const stdout = new TransformStream<Uint8Array, Uint8Array>();
  const stderr = want.tty ? undefined : new TransformStream<Uint8Array, Uint8Array>();
  const outWriter = stdout.writable.getWriter();
  const errWriter = stderr ? stderr.writable.getWriter() : outWriter;
  const write = (w: WritableStreamDefaultWriter<Uint8Array>, text: string) => {
    if (text) void w.write(encoder.encode(want.tty ? text.replaceAll("\n", "\r\n") : text)).catch(() => {});
  };
  const io: Io = { out: (t) => write(outWriter, t), err: (t) => write(errWriter, t), stdin: stdin?.readable.getReader(), tty: want.tty, signal: abort.signal };
  const exit = (async () => {
    try {
      return await runArgv(argv, ctx, io, { last: 0 });
    } catch (err) {
      if (err instanceof Exit) return err.code;
      io.err(`${String((err as Error)?.message ?? err)}\n`);
      return 1;
    } finally {
      void outWriter.close().catch(() => {});
      if (errWriter !== outWriter) void errWriter.close().catch(() => {});
      void io.stdin?.cancel().catch(() => {});
    }
  })();
  return {
    stdin: stdin?.writable,
    stdout: want.stdout || want.tty ? stdout.readable : drain(stdout.readable),
    stderr: stderr && want.stderr ? stderr.readable : stderr ? drain(stderr.readable) : undefined,
    resize() {},
    exit,
    close: () => abort.abort(),
  };
}

/** Reads a stream the client did not ask for, so that writes to it never block; gives nothing. */
function drain(stream: ReadableStream<Uint8Array>): undefined {
  void stream.pipeTo(new WritableStream()).catch(() => {});
  return undefined;
}

/** Runs a command to completion without streams (execSync, exec probes). */
export async function runFakeCommand(argv: string[], ctx: FakeExecContext): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = "";
  let stderr = "";
  const io: Io = { out: (t) => (stdout += t), err: (t) => (stderr += t), tty: false, signal: new AbortController().signal };
  let exitCode: number;
  try {
    exitCode = await runArgv(argv, ctx, io, { last: 0 });
  } catch (err) {
    if (err instanceof Exit) exitCode = err.code;
    else {
      stderr += String((err as Error)?.message ?? err);
      exitCode = 1;
    }
  }
  return { stdout, stderr, exitCode };
}

interface ShellState {
  last: number;
}

function resolvePath(path: string): string {
  const parts: string[] = [];
  for (const p of (path.startsWith("/") ? path : `/${path}`).split("/")) {
    if (!p || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return `/${parts.join("/")}`;
}

function parent(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array> | undefined, each: (text: string) => void, signal: AbortSignal): Promise<void> {
  if (!reader) return;
  const decoder = new TextDecoder();
  while (!signal.aborted) {
    const { value, done } = await reader.read();
    if (done) break;
    each(decoder.decode(value, { stream: true }));
  }
}

async function runArgv(argv: string[], ctx: FakeExecContext, io: Io, state: ShellState): Promise<number> {
  const [cmd, ...args] = argv;
  const fs = ctx.fs;
  switch (cmd) {
    case undefined:
      return 0;
    case "echo": {
      const noNewline = args[0] === "-n";
      io.out(`${(noNewline ? args.slice(1) : args).join(" ")}${noNewline ? "" : "\n"}`);
      return 0;
    }
    case "printf": {
      let i = 1;
      io.out((args[0] ?? "").replace(/%s/g, () => args[i++] ?? "").replace(/\\n/g, "\n"));
      return 0;
    }
    case "cat": {
      if (args.length === 0) {
        await readAll(io.stdin, io.out, io.signal);
        return 0;
      }
      let code = 0;
      for (const a of args) {
        const content = fs.files.get(resolvePath(a));
        if (content === undefined) {
          io.err(`cat: can't open '${a}': ${fs.dirs.has(resolvePath(a)) ? "Is a directory" : "No such file or directory"}\n`);
          code = 1;
        } else io.out(content);
      }
      return code;
    }
    case "ls": {
      const dir = resolvePath(args.find((a) => !a.startsWith("-")) ?? "/");
      if (fs.files.has(dir)) {
        io.out(`${dir}\n`);
        return 0;
      }
      if (!fs.dirs.has(dir)) {
        io.err(`ls: ${dir}: No such file or directory\n`);
        return 1;
      }
      const prefix = dir === "/" ? "/" : `${dir}/`;
      const names = [...fs.dirs, ...fs.files.keys()].filter((p) => p !== dir && p.startsWith(prefix) && !p.slice(prefix.length).includes("/")).map((p) => p.slice(prefix.length)).sort();
      if (names.length) io.out(`${names.join("\n")}\n`);
      return 0;
    }
    case "hostname":
      io.out(`${ctx.hostname}\n`);
      return 0;
    case "pwd":
      io.out("/\n");
      return 0;
    case "env":
      io.out(Object.entries({ HOSTNAME: ctx.hostname, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ...ctx.env }).map(([k, v]) => `${k}=${v}\n`).join(""));
      return 0;
    case "true":
      return 0;
    case "false":
      return 1;
    case "sleep": {
      const ms = Math.min(Number(args[0] ?? 0) * 1000, 3_600_000);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Number.isFinite(ms) ? ms : 0);
        io.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
      });
      return io.signal.aborted ? 137 : 0;
    }
    case "test":
    case "[": {
      const [op, path] = args;
      const p = resolvePath(path ?? "");
      if (op === "-f") return fs.files.has(p) ? 0 : 1;
      if (op === "-d") return fs.dirs.has(p) ? 0 : 1;
      if (op === "-e") return fs.files.has(p) || fs.dirs.has(p) ? 0 : 1;
      if (op === "-s") return (fs.files.get(p)?.length ?? 0) > 0 ? 0 : 1;
      return 2;
    }
    case "mkdir":
      for (const a of args.filter((a) => !a.startsWith("-"))) {
        let p = resolvePath(a);
        while (p !== "/") {
          fs.dirs.add(p);
          p = parent(p);
        }
      }
      return 0;
    case "touch":
      for (const a of args) if (!fs.files.has(resolvePath(a))) fs.files.set(resolvePath(a), "");
      return 0;
    case "rm": {
      let code = 0;
      for (const a of args.filter((a) => !a.startsWith("-"))) {
        if (!fs.files.delete(resolvePath(a)) && !args.includes("-f")) {
          io.err(`rm: can't remove '${a}': No such file or directory\n`);
          code = 1;
        }
      }
      return code;
    }
    case "exit":
      throw new Exit(args[0] !== undefined ? Number(args[0]) & 255 : state.last);
    case "sh":
    case "/bin/sh":
    case "bash":
    case "/bin/bash": {
      const c = args.indexOf("-c");
      if (c >= 0) return runScript(args[c + 1] ?? "", ctx, io, state);
      // Interactive: the script comes from stdin, a line at a time.
      let buffered = "";
      if (io.tty) io.out("/ # ");
      let code = 0;
      await readAll(io.stdin, (text) => (buffered += text), io.signal).catch(() => {});
      for (const line of buffered.split(/\r?\n/)) code = await runScript(line, ctx, io, state);
      return code;
    }
    default:
      io.err(`sh: ${cmd}: not found\n`);
      return 127;
  }
}

/** Splits a script into words and operators: quotes, $VAR and $? expansion. */
function tokenize(script: string, ctx: FakeExecContext, state: ShellState): string[] {
  const tokens: string[] = [];
  let word: string | undefined;
  const env: Record<string, string> = { HOSTNAME: ctx.hostname, HOME: "/root", ...ctx.env };
  const expand = (s: string, i: number): [string, number] => {
    if (s[i + 1] === "?") return [String(state.last), i + 2];
    const m = /^\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(s.slice(i + 1));
    if (!m) return ["$", i + 1];
    return [env[m[1]] ?? "", i + 1 + m[0].length];
  };
  for (let i = 0; i < script.length;) {
    const ch = script[i];
    if (ch === " " || ch === "\t") {
      if (word !== undefined) tokens.push(word);
      word = undefined;
      i++;
    } else if (ch === "\n" || ch === ";" || ch === "&" || ch === "|" || ch === ">") {
      if (word !== undefined) tokens.push(word);
      word = undefined;
      const two = script.slice(i, i + 2);
      const op = two === "&&" || two === "||" || two === ">>" ? two : ch === "\n" ? ";" : ch;
      tokens.push(`\u0000${op}`);
      i += op.length === 2 ? 2 : 1;
    } else if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      word = (word ?? "") + script.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? script.length : end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      let text = "";
      while (j < script.length && script[j] !== '"') {
        if (script[j] === "$") {
          const [v, next] = expand(script, j);
          text += v;
          j = next;
        } else if (script[j] === "\\" && j + 1 < script.length) {
          text += script[j + 1];
          j += 2;
        } else text += script[j++];
      }
      word = (word ?? "") + text;
      i = j + 1;
    } else if (ch === "$") {
      const [v, next] = expand(script, i);
      word = (word ?? "") + v;
      i = next;
    } else if (ch === "#" && word === undefined) {
      while (i < script.length && script[i] !== "\n") i++;
    } else {
      word = (word ?? "") + ch;
      i++;
    }
  }
  if (word !== undefined) tokens.push(word);
  return tokens;
}

async function runScript(script: string, ctx: FakeExecContext, io: Io, state: ShellState): Promise<number> {
  const tokens = tokenize(script, ctx, state);
  let argv: string[] = [];
  let skip = false;
  const run = async () => {
    if (!skip && argv.length) {
      let redirect: { path: string; append: boolean } | undefined;
      const i = argv.findIndex((a) => a === "\u0000>" || a === "\u0000>>");
      if (i >= 0) {
        redirect = { path: resolvePath(argv[i + 1] ?? ""), append: argv[i] === "\u0000>>" };
        argv = argv.slice(0, i);
      }
      if (redirect) {
        let captured = "";
        const inner: Io = { ...io, out: (t) => (captured += t) };
        try {
          state.last = await runArgv(argv, ctx, inner, state);
        } finally {
          if (redirect.path === "/proc/1/fd/1" || redirect.path === "/proc/1/fd/2") {
            for (const line of captured.replace(/\n$/, "").split("\n")) ctx.log?.(line);
          } else if (!ctx.fs.dirs.has(parent(redirect.path))) {
            io.err(`sh: can't create ${redirect.path}: nonexistent directory\n`);
            state.last = 1;
          } else ctx.fs.files.set(redirect.path, (redirect.append ? ctx.fs.files.get(redirect.path) ?? "" : "") + captured);
        }
      } else state.last = await runArgv(argv, ctx, io, state);
    }
    argv = [];
  };
  for (const t of tokens) {
    if (t === "\u0000;" || t === "\u0000&") {
      await run();
      skip = false;
    } else if (t === "\u0000&&") {
      await run();
      skip = state.last !== 0;
    } else if (t === "\u0000||") {
      await run();
      skip = state.last === 0;
    } else if (t === "\u0000|") {
      // Pipes are not simulated: the left side's output is dropped, the right side runs on its own.
      const inner: Io = { ...io, out: () => {} };
      if (!skip && argv.length) state.last = await runArgv(argv, ctx, inner, state);
      argv = [];
    } else argv.push(t);
  }
  await run();
  return state.last;
}
