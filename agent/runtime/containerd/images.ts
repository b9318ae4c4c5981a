/**
 * The project's two images, built from Debian's static busybox (busybox-static):
 * - `busybox:local` (containerd's name: docker.io/library/busybox:local, which is what CRI makes
 *   of the `busybox:local` a pod names): /bin/busybox with a symlink for every applet, /etc/passwd
 *   and /etc/group with root and nobody, and /tmp.
 * - the pause image (the sandbox_image of the containerd config), under a `localhost/` name so
 *   that if it is ever missing, containerd's attempt to pull it goes to loopback and fails fast
 *   instead of leaving the machine.
 *
 * The pause process: busybox's ash as PID 1, waiting on a sleeping child. It exits 0 on TERM or
 * INT (a PID 1 without handlers would ignore them and cost the grace period), and its `wait`
 * reaps any child, so orphans in a shared PID namespace do not pile up as zombies. That is what
 * Kubernetes' pause.c does; using busybox instead of a compiled pause keeps the build free of a
 * C toolchain, and the layer with /bin/busybox is the very blob busybox:local starts with, so the
 * node stores it once.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { type ImageDefinition, ociArchitecture } from "./oci-image.ts";
import type { TarEntry } from "./tar.ts";

export const BUSYBOX_IMAGE = "docker.io/library/busybox:local";
export const PAUSE_IMAGE = "localhost/k3ts/pause:local";

/** Fixed modification time of every file in the images (2024-01-01T00:00:00Z); SOURCE_DATE_EPOCH overrides. */
export const DEFAULT_MTIME = 1_704_067_200;

const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export const PAUSE_SCRIPT = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait; done";

const text = (s: string) => new TextEncoder().encode(s);

/** The applets' install paths (`usr/bin/env`, ...), from `busybox --list-full`. */
export function busyboxApplets(busybox: string): string[] {
  const result = spawnSync(busybox, ["--list-full"], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${busybox} --list-full failed: ${result.stderr || result.error?.message}`);
  return result.stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "" && l !== "bin/busybox").sort();
}

function busyboxLayer(binary: Uint8Array): TarEntry[] {
  return [
    { type: "dir", path: "bin/", mode: 0o755 },
    { type: "file", path: "bin/busybox", mode: 0o755, data: binary },
  ];
}

export function imageDefinitions(options: { busybox?: string; arch?: string } = {}): { busybox: ImageDefinition; pause: ImageDefinition } {
  const path = options.busybox ?? "/bin/busybox";
  const binary = readFileSync(path);
  const architecture = options.arch ?? ociArchitecture(process.arch);
  const applets = busyboxApplets(path);
  const dirs = [...new Set(applets.map((a) => a.slice(0, a.lastIndexOf("/") + 1)))]
    .flatMap((d) => (d === "usr/bin/" || d === "usr/sbin/" ? ["usr/", d] : [d]))
    .filter((d) => d !== "bin/");
  const base: TarEntry[] = [
    ...[...new Set([...dirs, "etc/", "home/", "var/", "usr/"])].sort().map((d): TarEntry => ({ type: "dir", path: d, mode: 0o755 })),
    { type: "dir", path: "root/", mode: 0o700 },
    { type: "dir", path: "tmp/", mode: 0o1777 },
    { type: "file", path: "etc/passwd", mode: 0o644, data: text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n") },
    { type: "file", path: "etc/group", mode: 0o644, data: text("root:x:0:\nnobody:x:65534:\n") },
    ...applets.map((a): TarEntry => ({ type: "symlink", path: a, target: "/bin/busybox" })),
  ];
  const busyboxLayerSpec = { entries: busyboxLayer(binary), createdBy: "COPY busybox-static /bin/busybox" };
  return {
    busybox: {
      name: BUSYBOX_IMAGE,
      architecture,
      layers: [busyboxLayerSpec, { entries: base, createdBy: `busybox --list-full: ${applets.length} applet links, /etc/passwd, /etc/group, /tmp` }],
      config: { Cmd: ["sh"], Env: [PATH_ENV], WorkingDir: "/" },
    },
    pause: {
      name: PAUSE_IMAGE,
      architecture,
      layers: [busyboxLayerSpec],
      config: { Entrypoint: ["/bin/busybox", "sh", "-c", PAUSE_SCRIPT], Env: [PATH_ENV], WorkingDir: "/" },
    },
  };
}

/** The archive file names under build/images/ (and in <data-dir>/agent/images/). */
export const ARCHIVE_FILES = { busybox: "busybox-local.tar", pause: "k3ts-pause.tar" } as const;
