/**
 * The `k3ts killall` command line: `[-d|--data-dir DIR]` (else K3TS_DATA_DIR, else the default
 * data dir), as root. Prints what it did; exits 1 when a step failed.
 */
import { resolve } from "node:path";
import { ConfigError } from "../../plugins/errors.ts";
import { defaultValue, findFlag } from "../../plugins/flags.ts";
import * as platform from "../../plugins/platform.ts";
import { killall } from "./killall.ts";

export const KILLALL_HELP = [
  "Usage: k3ts killall [flags]",
  "",
  "Stops the k3ts node of a data dir and everything it left running, as k3s-killall.sh does:",
  "the k3ts process, its pods' containers and sandboxes (with their network namespaces, veths",
  "and IP leases), its containerd and shims, the mounts under the data dir, the pod bridge and",
  "the K3TS-POSTROUTING masquerade chain. The data dir itself is kept. Needs root.",
  "",
  "  -d, --data-dir DIR   the node's data dir (default: K3TS_DATA_DIR, else /var/lib/k3ts as root)",
].join("\n");

export interface KillallIO {
  out(text: string): void;
  err(text: string): void;
}

function parseDataDir(args: string[]): { help: boolean; dataDir?: string } {
  let dataDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-h" || arg === "--help") return { help: true };
    const [name, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (name !== "-d" && name !== "--data-dir") throw new ConfigError(`unknown ${arg.startsWith("-") ? "flag" : "argument"} ${JSON.stringify(arg)} (see k3ts killall --help)`);
    dataDir = inline ?? args[++i];
    if (!dataDir) throw new ConfigError(`${name} needs a value`);
  }
  return { help: false, dataDir };
}

export async function runKillallCommand(args: string[], io: KillallIO): Promise<number> {
  const { help, dataDir: given } = parseDataDir(args);
  if (help) {
    io.out(KILLALL_HELP);
    return 0;
  }
  if (!platform.isRoot()) throw new ConfigError("must run as root (it stops containers and changes the node's network)");
  const dataDir = resolve(platform.workingDirectory(), given ?? platform.environment().K3TS_DATA_DIR ??
    (defaultValue(findFlag("data-dir")!, { isRoot: true, homeDir: platform.homeDirectory() }) as string));
  const ok = await killall({ dataDir, report: (line) => io.out(line) });
  io.out(ok ? `k3ts killall: done (${dataDir})` : `k3ts killall: finished with errors (${dataDir})`);
  return ok ? 0 : 1;
}
