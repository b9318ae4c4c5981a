/**
 * The k3ts command and the composition root: the only file that knows the built-in modules'
 * names and where they live, and that wires the loader, the server and the agent together.
 *
 *   k3ts server [flags]   the control plane (see server/start.ts)
 *   k3ts agent [flags]    a node that joins a server (see agent/start.ts)
 *   k3ts token ...        agent join tokens that expire (see server/token-command.ts)
 *   k3ts killall          stop a node and everything it left running (see agent/killall/)
 *   k3ts version          k3ts's version and the runtime's
 *
 * Runs under Node (bin/k3ts.js calls main) and Deno (`deno run -A main.ts`).
 */
import { existsSync, readFileSync } from "node:fs";
import type { startServerAgent } from "./agent/in-process.ts";
import { commandHelp, parseCommandLine, topLevelHelp } from "./plugins/cli.ts";
import { isUserFacingError } from "./plugins/errors.ts";
import type { Command } from "./plugins/flags.ts";
import * as platform from "./plugins/platform.ts";
import type { BuiltinModules } from "./plugins/resolve.ts";
import { didYouMean } from "./plugins/suggest.ts";

/** `.ts` when running the source, `.js` when running the build in dist/. */
const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const here = (path: string) => new URL(`${path}${extension}`, import.meta.url).href;

/** The modules a manifest can name by a bare name: `use: sqlite`. */
export const BUILTIN_MODULES: BuiltinModules = {
  sqlite: here("./datastore/sqlite/plugin"),
  postgres: here("./datastore/postgres/plugin"),
  fake: here("./agent/runtime/fake/plugin"),
  containerd: here("./agent/runtime/containerd/plugin"),
  bridge: here("./cni/bridge/plugin"),
};

/**
 * The server's in-process agent, loaded when the server starts one (a runtime module is set):
 * a server without an agent does not hold the kubelet's ~50 modules (about 1.5 MiB of RSS).
 */
const startInProcessAgent: typeof startServerAgent = async (ctx) => (await import("./agent/in-process.ts")).startServerAgent(ctx);

const COMMANDS = ["server", "agent", "token", "killall", "version"] as const;

export interface MainIO {
  out(text: string): void;
  err(text: string): void;
}

const consoleIO: MainIO = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** Runs one k3ts command; resolves to the process exit code. */
export async function main(argv: string[], io: MainIO = consoleIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    io.out(topLevelHelp());
    return 0;
  }
  if (first === "version" || first === "--version" || first === "-v") {
    io.out(versionText());
    return 0;
  }
  if (first === "token") return runToken(rest, io);
  if (first === "killall") return runKillall(rest, io);
  if (first !== "server" && first !== "agent") {
    const what = first.startsWith("-") ? "flag" : "command";
    io.err(`k3ts: unknown ${what} ${JSON.stringify(first)}${didYouMean(first, COMMANDS)}; commands: ${COMMANDS.join(", ")} (see k3ts --help)`);
    return 1;
  }
  const command: Command = first;
  try {
    const parsed = parseCommandLine(command, rest);
    if (parsed.help) {
      io.out(commandHelp(command));
      return 0;
    }
    // Plugins that `import ... from "k3ts"` get this k3ts (see platform.provideHostApi).
    await platform.provideHostApi(here("./mod"));
    const options = { commandLine: parsed.values, builtins: BUILTIN_MODULES, cwd: platform.workingDirectory(), version: packageVersion(), startAgent: startInProcessAgent };
    // The server's or agent's modules load after this, so that their loading runs without the
    // optimizing compilers too (the agent's without the baseline compiler either: see
    // pauseOptimizingCompilers); server/start.ts and agent/start.ts resume them once up.
    platform.pauseOptimizingCompilers({ baseline: command === "agent" });
    try {
      if (command === "server") {
        const { runServer } = await import("./server/start.ts");
        return await runServer(options);
      }
      const { startAgent } = await import("./agent/start.ts");
      return await startAgent(options, io);
    } finally {
      platform.resumeOptimizingCompilers();
    }
  } catch (error) {
    if (isUserFacingError(error)) {
      io.err(`k3ts ${command}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** `k3ts killall`: loaded only for this command. */
async function runKillall(args: string[], io: MainIO): Promise<number> {
  const { runKillallCommand } = await import("./agent/killall/command.ts");
  try {
    return await runKillallCommand(args, io);
  } catch (error) {
    if (!isUserFacingError(error)) throw error;
    io.err(`k3ts killall: ${error.message}`);
    return 1;
  }
}

/** `k3ts token create|list|delete`, on a remote Client with the admin kubeconfig (loaded only for this command). */
async function runToken(args: string[], io: MainIO): Promise<number> {
  const [{ runTokenCommand }, { RemoteClient }, { Transport }] = await Promise.all([
    import("./server/token-command.ts"),
    import("./agent/client/remote.ts"),
    import("./agent/client/transport.ts"),
  ]);
  try {
    return await runTokenCommand(args, {
      ...io,
      connect({ server, ca, token }) {
        const transport = new Transport({ servers: [server], ca, token, userAgent: "k3ts-token" });
        return Object.assign(new RemoteClient({ transport, fieldManager: "k3ts-token" }), { close: () => transport.close() });
      },
    });
  } catch (error) {
    if (isUserFacingError(error)) {
      io.err(`k3ts token: ${error.message}`);
      return 1;
    }
    // Refusals and unreachable servers are the user's to see, without a stack trace.
    const e = error as { code?: unknown; message?: string };
    if (e && (typeof e.code === "number" || typeof e.code === "string")) {
      io.err(`k3ts token: ${e.message}`);
      return 1;
    }
    throw error;
  }
}

export function versionText(): string {
  return `k3ts v${packageVersion()} (${platform.runtimeVersion()})`;
}

/**
 * The version in k3ts's package.json: beside main.ts in a checkout, one level up from the
 * build in dist/. Read rather than imported, so that the build needs no copy of package.json
 * inside dist/ (which Node would then take for the package's own).
 */
function packageVersion(): string {
  for (const candidate of ["./package.json", "../package.json"]) {
    const url = new URL(candidate, import.meta.url);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "k3ts" && pkg.version) return pkg.version;
  }
  return "unknown";
}

// `deno run -A main.ts …` (and `node main.ts` on Nodes that set import.meta.main).
if ((import.meta as { main?: boolean }).main) {
  platform.exit(await main(platform.commandLineArgs()));
}
