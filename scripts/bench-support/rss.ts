/** A process's resident set (VmRSS) in MiB, from /proc (Linux). */
import { readFileSync } from "node:fs";

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}
