/**
 * What the host offers containerd: whether overlayfs mounts work under a given directory (the
 * overlay snapshotter needs it; on an overlay root, as in many containers, it does not), and
 * whether systemd is PID 1 (then runc should use systemd cgroups, as the kubelet would).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** True when the kernel knows overlay and a test mount under `dir` succeeds (root only). */
export function overlayWorks(dir: string): boolean {
  let filesystems = "";
  try {
    filesystems = readFileSync("/proc/filesystems", "utf8");
  } catch {
    return false;
  }
  // The module may still be loadable when not listed; the test mount below settles it either way.
  mkdirSync(dir, { recursive: true });
  const base = mkdtempSync(join(dir, "overlay-check-"));
  try {
    for (const d of ["lower", "upper", "work", "merged"]) mkdirSync(join(base, d));
    const mount = spawnSync("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${base}/lower,upperdir=${base}/upper,workdir=${base}/work`, `${base}/merged`], { encoding: "utf8" });
    if (mount.status !== 0) return false;
    spawnSync("umount", [`${base}/merged`]);
    return true;
  } catch {
    return filesystems.includes("\toverlay\n");
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** True when PID 1 is systemd (cgroups are then systemd's to manage). */
export function systemdIsInit(): boolean {
  try {
    return readFileSync("/proc/1/comm", "utf8").trim() === "systemd";
  } catch {
    return false;
  }
}

/** CAP_SYS_RESOURCE's bit in the capability sets. */
const CAP_SYS_RESOURCE = 24n;

/**
 * True when this process may lower oom_score_adj (it holds CAP_SYS_RESOURCE). Without it — in
 * some VMs and containers — runc cannot give the pause process CRI's -998 and every sandbox
 * fails ("failed to update /proc/self/oom_score_adj: Permission denied"), so containerd must be
 * told to keep scores at or above its own (restrict_oom_score_adj, as k3s does rootless).
 */
export function canLowerOomScore(): boolean {
  try {
    const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith("CapEff:"));
    if (!line) return false;
    return ((BigInt(`0x${line.split(":")[1]!.trim()}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;
  } catch {
    return false;
  }
}
