/**
 * Processes as Linux's /proc shows them (pid, parent, command line), and stopping one: how the
 * containerd launcher ends a containerd left by a killed agent, and how `k3ts killall` finds a
 * node's k3ts, containerd and shims and ends them with their children. Reading /proc races with
 * processes that exit meanwhile; those are simply skipped.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
}

/** One process, or undefined when it does not exist (or is a zombie, which is as good as gone). */
export function readProcess(pid: number): ProcessInfo | undefined {
  try {
    // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state === "Z" || state === "X") return undefined;
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (argv.at(-1) === "") argv.pop();
    return { pid, ppid: Number(ppid), argv };
  } catch {
    return undefined;
  }
}

export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** `pid`'s children, grandchildren and so on, deepest first (so that killing in order leaves no orphan to re-parent). */
export function descendantsOf(pid: number, all: ProcessInfo[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const visit = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      visit(child);
      out.push(child);
    }
  };
  visit(pid);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the process is gone; false when it is still there after `ms`. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (readProcess(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** TERM, then KILL after `graceMs`; resolves to how it ended. */
export async function stopProcess(pid: number, graceMs: number): Promise<"exited" | "killed"> {
  signal(pid, "SIGTERM");
  if (await waitForExit(pid, graceMs)) return "exited";
  signal(pid, "SIGKILL");
  await waitForExit(pid, 5_000);
  return "killed";
}

/** KILL at once, the process's descendants first: containers do not get to clean up, as in k3s-killall.sh. */
export async function killTree(pid: number, all: ProcessInfo[]): Promise<void> {
  const pids = [...descendantsOf(pid, all), pid];
  for (const each of pids) signal(each, "SIGKILL");
  for (const each of pids) await waitForExit(each, 5_000);
}
