/**
 * A kubelet on a real containerd against a test API server: containerd started by the
 * containerd module's launcher in a temp dir, with a bridge and a pod CIDR of the test's own
 * (no route leads anywhere; registry mirrors on a dead loopback port so that nothing is pulled
 * from outside), the project's images imported, and a kubelet with real pods that can be
 * stopped and started again on the same containerd (adoption).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kubeletEvents } from "../../../agent/kubelet/events.ts";
import { Kubelet } from "../../../agent/kubelet/kubelet.ts";
import { KubeletSet } from "../../../agent/kubelet/kubelet-set.ts";
import { StatusWriter } from "../../../agent/kubelet/status-writer.ts";
import type { NodeJson, Pod } from "../../../agent/kubelet/types.ts";
import { importAirgapImages } from "../../../agent/runtime/containerd/airgap.ts";
import { CriClient } from "../../../agent/runtime/containerd/cri-client.ts";
import { ARCHIVE_FILES, DEFAULT_MTIME, imageDefinitions, PAUSE_IMAGE } from "../../../agent/runtime/containerd/images.ts";
import { ContainerdLauncher, type LauncherOptions } from "../../../agent/runtime/containerd/launcher.ts";
import { buildImage } from "../../../agent/runtime/containerd/oci-image.ts";
import { ContainerdRuntime } from "../../../agent/runtime/containerd/runtime.ts";
import type { Client } from "../../../plugins/client.ts";
import { createLogger } from "../../../plugins/logger.ts";
import { TEST_MACHINE } from "../agent-harness.ts";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const missing = ["/usr/bin/containerd", "/usr/bin/ctr", "/bin/busybox", "/usr/lib/cni/bridge"].filter((p) => !existsSync(p));
export const skipReason = !isRoot ? "needs root (CI runs as root)" : missing.length > 0 ? `missing ${missing.join(", ")}: run scripts/setup-debian.sh` : "";

export const NODE = "kr-node";
const log = createLogger({ level: "warn" });

export interface RealKubelet {
  kubelet: Kubelet;
  stop(): void;
}

export class RealNode {
  readonly dir: string;
  readonly subnet: string;
  readonly bridge: string;
  launcher!: ContainerdLauncher;
  runtime!: ContainerdRuntime;
  #cri!: CriClient;

  constructor() {
    const suffix = Math.floor(Math.random() * 1e6).toString(36);
    // Short paths: unix socket paths are limited to 108 bytes.
    this.dir = mkdtempSync("/tmp/k3kr-");
    this.bridge = `k3r${suffix}`.slice(0, 15);
    this.subnet = `10.214.${Math.floor(Math.random() * 250)}.0/24`;
  }

  /** `launcher`: options on top of the harness's (registries, for one). */
  async start(launcher: Partial<LauncherOptions> = {}): Promise<void> {
    const confDir = join(this.dir, "net.d");
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(confDir, "10-test.conflist"), JSON.stringify({
      cniVersion: "1.0.0",
      name: `k3ts-kr-${this.bridge}`,
      plugins: [
        { type: "bridge", bridge: this.bridge, isGateway: true, ipMasq: false, ipam: { type: "host-local", ranges: [[{ subnet: this.subnet }]], dataDir: join(this.dir, "ipam") } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    }));
    this.launcher = new ContainerdLauncher({
      dir: join(this.dir, "cd"),
      sandboxImage: PAUSE_IMAGE,
      cniBinDir: "/usr/lib/cni",
      cniConfDir: confDir,
      log,
      mirrors: { "docker.io": ["http://127.0.0.1:1"] },
      // Never fall back to the real docker.io: a test sends traffic to loopback only.
      disableDefaultRegistryEndpoint: true,
      restartBackoffMs: { min: 200, max: 1000 },
      ...launcher,
    });
    await this.launcher.start();
    const imagesDir = join(this.dir, "images");
    mkdirSync(imagesDir);
    const defs = imageDefinitions();
    for (const key of ["busybox", "pause"] as const) writeFileSync(join(imagesDir, ARCHIVE_FILES[key]), buildImage(defs[key], DEFAULT_MTIME).archive);
    const abort = new AbortController();
    const imported = await importAirgapImages({ imagesDir, socket: this.launcher.socket, snapshotter: this.launcher.snapshotter, recordFile: join(this.dir, "airgap.json"), log, signal: abort.signal });
    if (imported.failed.length) throw new Error(`image import failed: ${JSON.stringify(imported.failed)}`);
    this.#cri = new CriClient(this.launcher.socket);
    this.runtime = new ContainerdRuntime({ client: this.#cri, log });
  }

  /** A kubelet for this node on `client`; stop() aborts it (its containers keep running). */
  async kubelet(client: Client, options: { volumeResyncMs?: number } = {}): Promise<RealKubelet> {
    const abort = new AbortController();
    const pods = client.informer<Pod>({ apiVersion: "v1", resource: "pods" }, { fieldSelector: `spec.nodeName=${NODE}` });
    const status = new StatusWriter({ client, log, current: (ns, name) => pods.get(name, ns) });
    const kubelet = new Kubelet({
      identity: { name: NODE, machine: TEST_MACHINE, labels: {}, taints: [] },
      client,
      runtime: this.runtime,
      status,
      events: kubeletEvents(client, NODE, log),
      log,
      backOff: { initialMs: 500, maxMs: 2000 },
      timings: { leaseRenewMs: 1000, statusCheckMs: 500, statusReportMs: 5000, relistMs: 500 },
      realPods: { dataDir: join(this.dir, "data"), clusterDns: ["10.214.255.10"], clusterDomain: "cluster.local", volumeResyncMs: options.volumeResyncMs },
    });
    await kubelet.start(abort.signal);
    await client.resource<NodeJson>({ apiVersion: "v1", resource: "nodes" }).patch(NODE, { spec: { podCIDR: this.subnet, podCIDRs: [this.subnet] } }, { type: "merge" });
    const set = new KubeletSet(client);
    set.add(kubelet);
    await set.start(abort.signal);
    return {
      kubelet,
      stop() {
        abort.abort();
        status.stop();
      },
    };
  }

  async stop(): Promise<void> {
    if (this.runtime) {
      for (const s of await this.runtime.listPodSandbox().catch(() => [])) {
        await this.runtime.stopPodSandbox(s.id).catch(() => {});
        await this.runtime.removePodSandbox(s.id).catch(() => {});
      }
      this.#cri.close();
    }
    await this.launcher?.stop();
    spawnSync("ip", ["link", "del", this.bridge]);
    // Volumes of pods that were not cleaned up may still hold tmpfs mounts: unmount before removing.
    const mounts = spawnSync("sh", ["-c", `grep -o ' ${this.dir}[^ ]*' /proc/self/mountinfo | sort -r`], { encoding: "utf8" }).stdout.split("\n").map((s) => s.trim()).filter(Boolean);
    for (const m of mounts) spawnSync("umount", ["-l", m]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
