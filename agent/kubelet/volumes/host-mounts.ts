/**
 * The host's mount table, the one place the kubelet mounts anything itself: tmpfs for
 * emptyDir medium Memory and for secret-bearing volumes (as upstream keeps Secrets off disk),
 * and the unmounts before a pod's directory is removed (through command-shell.ts). A Node adapter (/proc);
 * Deno runs it through its node: compatibility.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { CommandShell } from "./command-shell.ts";

/** mount and umount go through one small shell: a child process each would fork the whole kubelet. */
const shell = new CommandShell();

function run(cmd: string, args: string[]): Promise<void> {
  return shell.run(cmd, args);
}

/** Mount points at or under `dir`, deepest first (from /proc/self/mountinfo; octal escapes decoded). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  const base = dir.replace(/\/+$/, "");
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const point = line.split(" ")[4];
    if (!point) continue;
    const decoded = point.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (decoded === base || decoded.startsWith(base + "/")) out.push(decoded);
  }
  return out.sort((a, b) => b.length - a.length);
}

/**
 * Whether a filesystem of its own is mounted at `dir` (a tmpfs always has its own device): two
 * stat calls rather than the whole mount table, which holds every container's mounts and which
 * the kernel is slow to produce while many pods start.
 */
export async function isMountPoint(dir: string): Promise<boolean> {
  const [self, parent] = await Promise.all([stat(dir), stat(join(dir, ".."))]);
  return self.dev !== parent.dev;
}

/** Mounts a tmpfs at `dir` (size in bytes when limited), unless one is mounted there already. */
export async function mountTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  if (await isMountPoint(dir)) return;
  const options = ["mode=0777", ...(sizeBytes ? [`size=${sizeBytes}`] : [])].join(",");
  await run("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
}

/** Unmounts everything at or under `dir`; throws if something stays mounted (the caller must not delete it then). */
export async function unmountAll(dir: string): Promise<void> {
  for (const point of await mountsUnder(dir)) await run("umount", [point]).catch(() => run("umount", ["-l", point]));
  const left = await mountsUnder(dir);
  if (left.length) throw new Error(`still mounted under ${dir}: ${left.join(", ")}`);
}
