/**
 * What a node reports about its machine (upstream's cadvisor MachineInfo and the node's
 * os-release): CPUs, memory, disk, OS and kernel. `hostMachine` reads this host through node:os
 * and node:fs (both also in Deno); `simulatedMachine` describes a simulated node (kwok's defaults:
 * 32 CPUs, 256 GiB), so that a thousand of them cost nothing to describe.
 */
import { readFileSync, statfsSync } from "node:fs";
import * as os from "node:os";

export interface MachineInfo {
  cpu: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  maxPods: number;
  os: string;
  arch: string;
  osImage: string;
  kernelVersion: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  /** The node's addresses: InternalIP first. */
  internalIPs: string[];
}

/** Node's process.arch as GOARCH names it. */
function goArch(arch: string): string {
  return ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" } as Record<string, string>)[arch] ?? arch;
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

function osImage(): string {
  const release = readTrimmed("/etc/os-release") ?? "";
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1];
  return pretty || `${os.type()} ${os.release()}`;
}

/** The first non-internal IPv4 address of this host, else loopback. */
export function hostIPv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === "IPv4") return a.address;
  }
  return "127.0.0.1";
}

export function hostMachine(options: { dataDir?: string; nodeIPs?: string[]; maxPods?: number } = {}): MachineInfo {
  let disk = 100 * 1024 ** 3;
  try {
    const s = statfsSync(options.dataDir ?? "/");
    disk = Number(s.blocks) * Number(s.bsize);
  } catch {
    // A runtime without statfs: a nominal 100 GiB rather than no figure at all.
  }
  const machineID = readTrimmed("/etc/machine-id") ?? crypto.randomUUID().replaceAll("-", "");
  return {
    cpu: os.availableParallelism?.() ?? os.cpus().length,
    memoryBytes: os.totalmem(),
    ephemeralStorageBytes: disk,
    maxPods: options.maxPods ?? 110,
    os: process.platform === "win32" ? "windows" : process.platform,
    arch: goArch(process.arch),
    osImage: osImage(),
    kernelVersion: os.release(),
    machineID,
    systemUUID: readTrimmed("/sys/class/dmi/id/product_uuid") ?? machineID,
    bootID: readTrimmed("/proc/sys/kernel/random/boot_id") ?? crypto.randomUUID(),
    internalIPs: options.nodeIPs?.length ? options.nodeIPs : [hostIPv4()],
  };
}

/** A simulated node's machine; `index` gives it an address of its own (in 10.254.0.0/16). */
export function simulatedMachine(index: number, host: MachineInfo): MachineInfo {
  const id = crypto.randomUUID().replaceAll("-", "");
  return {
    cpu: 32,
    memoryBytes: 256 * 1024 ** 3,
    ephemeralStorageBytes: 1024 ** 4,
    maxPods: 110,
    os: host.os,
    arch: host.arch,
    osImage: host.osImage,
    kernelVersion: host.kernelVersion,
    machineID: id,
    systemUUID: id,
    bootID: host.bootID,
    internalIPs: [`10.254.${(index >> 8) & 255}.${index & 255}`],
  };
}
