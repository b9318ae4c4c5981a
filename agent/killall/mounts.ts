/**
 * The mounts under a directory, from /proc/self/mountinfo, and unmounting them deepest first:
 * pod volumes (tmpfs for secrets and Memory emptyDirs, bind mounts), containers' overlay root
 * file systems and sandboxes' /dev/shm all live under a node's data dir.
 */
import { readFileSync } from "node:fs";

/** mountinfo escapes space, tab, newline and backslash in paths as octal (\040 …). */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Mount points at or below `dir`, deepest first, each once. */
export function mountsUnder(dir: string, mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  const base = dir.replace(/\/+$/, "");
  const found = new Set<string>();
  for (const line of mountinfo.split("\n")) {
    const field = line.split(" ")[4];
    if (field === undefined) continue;
    const path = unescapeMountPath(field);
    if (path === base || path.startsWith(`${base}/`)) found.add(path);
  }
  return [...found].sort((a, b) => b.split("/").length - a.split("/").length || b.localeCompare(a));
}
