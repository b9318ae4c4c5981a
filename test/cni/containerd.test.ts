/**
 * The bridge module with a real containerd (Debian's 1.6, as root): containerd starts with the
 * module's empty conf dir (NetworkReady false: no network config yet), the kubelet's pod CIDR
 * reaches the module through UpdateRuntimeConfig, the conflist written then is picked up by
 * containerd's conf-dir watcher without a restart, and a pod sandbox gets an address in the pod
 * CIDR, reachable from the node, released when the sandbox goes.
 *
 * Network safety: containerd runs inside a network namespace of the test's own (nsenter --net:
 * only the network namespace changes, so cgroups and mounts are the host's as usual), so the
 * bridge, pods' veths, masquerade rules and sysctls live there. The pod CIDR exists only there,
 * the namespace has no route out, and deleting it takes everything with it. Registry mirrors
 * point at a dead loopback port, so no pull can leave the machine.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importAirgapImages } from "../../agent/runtime/containerd/airgap.ts";
import { CriClient } from "../../agent/runtime/containerd/cri-client.ts";
import { ARCHIVE_FILES, DEFAULT_MTIME, imageDefinitions, PAUSE_IMAGE } from "../../agent/runtime/containerd/images.ts";
import { ContainerdLauncher } from "../../agent/runtime/containerd/launcher.ts";
import { buildImage } from "../../agent/runtime/containerd/oci-image.ts";
import { ContainerdRuntime } from "../../agent/runtime/containerd/runtime.ts";
import type { PodSandboxConfig, RuntimeStatus } from "../../agent/runtime/mod.ts";
import { BridgeCni } from "../../cni/bridge/bridge-cni.ts";
import { HostCommands } from "../../cni/host-commands.ts";
import { createLogger } from "../../plugins/logger.ts";
import { Namespaces, networkSkipReason, sh, succeeds, suffix } from "./netns.ts";

const skipReason = networkSkipReason(["/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/nsenter"]);
if (skipReason) console.warn(`CNI containerd tests skipped: ${skipReason}`);

const id = suffix();
const third = 1 + Math.floor(Math.random() * 250);
const podCidr = `10.250.${third}.0/24`;
const gateway = `10.250.${third}.1`;

function networkReady(status: RuntimeStatus): boolean | undefined {
  return status.conditions.find((c) => c.type === "NetworkReady")?.status;
}

describe.skipIf(skipReason !== "")("bridge CNI with a real containerd", { timeout: 30_000 }, () => {
  const namespaces = new Namespaces();
  const node = `k3d-${id}`;
  const log = createLogger({ level: "warn" });
  let dir: string;
  let cni: BridgeCni;
  let launcher: ContainerdLauncher;
  let client: CriClient;
  let runtime: ContainerdRuntime;

  beforeAll(async () => {
    // Short paths: unix socket paths are limited to 108 bytes.
    dir = mkdtempSync("/tmp/k3n-");
    namespaces.add(node);
    cni = new BridgeCni({ dataDir: dir, clusterCidr: "10.250.0.0/16", host: new HostCommands({ netns: node }), log });
    // containerd in the test's namespace: a wrapper the launcher runs as its binary.
    const wrapper = join(dir, "containerd-in-netns");
    writeFileSync(wrapper, `#!/bin/sh\nexec nsenter --net=/run/netns/${node} /usr/bin/containerd "$@"\n`);
    chmodSync(wrapper, 0o755);
    launcher = new ContainerdLauncher({
      dir: join(dir, "cd"),
      binary: wrapper,
      sandboxImage: PAUSE_IMAGE,
      cniBinDir: cni.binDir,
      cniConfDir: cni.confDir,
      log,
      mirrors: { "docker.io": ["http://127.0.0.1:1"] },
      // Never fall back to the real docker.io: a test sends traffic to loopback only.
      disableDefaultRegistryEndpoint: true,
      restartBackoffMs: { min: 200, max: 1000 },
    });
    await launcher.start();
    client = new CriClient(launcher.socket);
    // As the containerd module wires it: the pod CIDR from UpdateRuntimeConfig goes to the CNI module.
    runtime = new ContainerdRuntime({ client, log, onPodCidr: async (podCidr) => void (await cni.prepare({ podCidr, nodeName: "test-node" })) });
    const imagesDir = join(dir, "images");
    mkdirSync(imagesDir);
    writeFileSync(join(imagesDir, ARCHIVE_FILES.pause), buildImage(imageDefinitions().pause, DEFAULT_MTIME).archive);
    const imported = await importAirgapImages({ imagesDir, socket: launcher.socket, snapshotter: launcher.snapshotter, recordFile: join(dir, "airgap.json"), log, signal: AbortSignal.timeout(60_000) });
    expect(imported.failed).toEqual([]);
  }, 90_000);

  afterAll(async () => {
    if (runtime) {
      for (const s of await runtime.listPodSandbox().catch(() => [])) {
        await runtime.stopPodSandbox(s.id).catch(() => {});
        await runtime.removePodSandbox(s.id).catch(() => {});
      }
      client.close();
    }
    await launcher?.stop();
    namespaces.deleteAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it("runs containerd on the module's conf and bin dirs, not ready for pods until the pod CIDR is known", async () => {
    const config = readFileSync(launcher.paths.config, "utf8");
    expect(config).toContain(`conf_dir = "${cni.confDir}"`);
    expect(config).toContain(`bin_dir = "/usr/lib/cni"`);
    expect(readdirSync(cni.confDir)).toEqual([]);
    expect(networkReady(await runtime.status())).toBe(false);
  });

  it("picks up the conflist written after containerd started (UpdateRuntimeConfig -> prepare)", async () => {
    const started = Date.now();
    await runtime.updateRuntimeConfig({ networkConfig: { podCidr } });
    expect(readdirSync(cni.confDir)).toEqual(["10-k3ts.conflist"]);
    // containerd's conf-dir watcher reloads on its own; bounded wait.
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      ready = networkReady(await runtime.status()) === true;
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready).toBe(true);
    console.info(`containerd saw the new conflist after ${Date.now() - started} ms`);
  });

  it("gives a pod sandbox an address in the pod CIDR, reachable from the node, released on removal", async () => {
    const sandbox: PodSandboxConfig = {
      metadata: { name: "net", namespace: "test", uid: `uid-${id}`, attempt: 0 },
      hostname: "net",
      logDirectory: join(dir, "pods", "net"),
      labels: {},
      annotations: {},
      linux: {},
    };
    const sandboxId = await runtime.runPodSandbox(sandbox);
    const status = await runtime.podSandboxStatus(sandboxId);
    const ip = status.network?.ip ?? "";
    expect(ip).toMatch(new RegExp(`^10\\.250\\.${third}\\.\\d+$`));
    expect(sh(["ip", "-4", "-o", "addr", "show", "dev", "cni0"], node)).toContain(`${gateway}/24`);
    expect(succeeds(["busybox", "ping", "-c", "2", "-W", "1", ip], node)).toBe(true);
    // The host namespace never saw the pod CIDR.
    expect(spawnSync("ip", ["-4", "-o", "addr", "show"], { encoding: "utf8" }).stdout).not.toContain(gateway);
    const leases = () => readdirSync(join(cni.ipamDir, "k3ts")).filter((f) => f.startsWith("10.250."));
    expect(leases()).toEqual([ip]);
    await runtime.stopPodSandbox(sandboxId);
    await runtime.removePodSandbox(sandboxId);
    expect(leases()).toEqual([]);
  });
});
