/**
 * The containerd module against a real containerd (Debian's 1.6, as root): the launcher starts it
 * in a temp dir and CRI answers; the project's images import (once); a sandbox runs busybox
 * containers whose logs, exec (sync and streamed), port-forward, stop and removal work; and a
 * killed containerd is restarted. Network traffic stays inside the test's own bridge and pod
 * namespaces (a bridge of its own, a pod CIDR no one routes, registry mirrors on a dead loopback
 * port so that no pull can leave the machine).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importAirgapImages } from "../../../agent/runtime/containerd/airgap.ts";
import { CriClient } from "../../../agent/runtime/containerd/cri-client.ts";
import { ARCHIVE_FILES, BUSYBOX_IMAGE, DEFAULT_MTIME, imageDefinitions, PAUSE_IMAGE } from "../../../agent/runtime/containerd/images.ts";
import { ContainerdLauncher, type LauncherOptions } from "../../../agent/runtime/containerd/launcher.ts";
import { readProcess } from "../../../agent/processes.ts";
import { buildImage } from "../../../agent/runtime/containerd/oci-image.ts";
import { ContainerdRuntime } from "../../../agent/runtime/containerd/runtime.ts";
import type { ContainerConfig, PodSandboxConfig } from "../../../agent/runtime/mod.ts";
import { createLogger } from "../../../plugins/logger.ts";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const missing = ["/usr/bin/containerd", "/usr/bin/ctr", "/bin/busybox"].filter((p) => !existsSync(p));
const skipReason = !isRoot ? "needs root (CI runs as root)" : missing.length > 0 ? `missing ${missing.join(", ")}: run scripts/setup-debian.sh` : "";
if (skipReason) console.warn(`containerd tests skipped: ${skipReason}`);

const suffix = Math.floor(Math.random() * 1e6).toString(36);
const bridge = `k3t${suffix}`.slice(0, 15);
const subnet = `10.213.${Math.floor(Math.random() * 250)}.0/24`;

describe.skipIf(skipReason !== "")("containerd runtime (real containerd)", { timeout: 30_000 }, () => {
  let dir: string;
  let launcher: ContainerdLauncher;
  let launcherOptions: LauncherOptions;
  let runtime: ContainerdRuntime;
  let client: CriClient;
  const log = createLogger({ level: "warn" });
  const abort = new AbortController();

  beforeAll(async () => {
    // Short paths: unix socket paths are limited to 108 bytes.
    dir = mkdtempSync("/tmp/k3c-");
    const confDir = join(dir, "net.d");
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(confDir, "10-test.conflist"), JSON.stringify({
      cniVersion: "1.0.0",
      name: `k3ts-test-${suffix}`,
      plugins: [
        { type: "bridge", bridge, isGateway: true, ipMasq: false, ipam: { type: "host-local", ranges: [[{ subnet }]], dataDir: join(dir, "ipam") } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    }));
    launcherOptions = {
      dir: join(dir, "cd"),
      sandboxImage: PAUSE_IMAGE,
      cniBinDir: "/usr/lib/cni",
      cniConfDir: confDir,
      log,
      mirrors: { "docker.io": ["http://127.0.0.1:1"] },
      // Never fall back to the real docker.io: a test sends traffic to loopback only.
      disableDefaultRegistryEndpoint: true,
      restartBackoffMs: { min: 200, max: 1000 },
    };
    launcher = new ContainerdLauncher(launcherOptions);
    await launcher.start();
    client = new CriClient(launcher.socket);
    runtime = new ContainerdRuntime({ client, log });
  }, 90_000);

  afterAll(async () => {
    abort.abort();
    if (runtime) {
      for (const s of await runtime.listPodSandbox().catch(() => [])) {
        await runtime.stopPodSandbox(s.id).catch(() => {});
        await runtime.removePodSandbox(s.id).catch(() => {});
      }
      client.close();
    }
    await launcher?.stop();
    spawnSync("ip", ["link", "del", bridge]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it("starts containerd, and CRI Version answers", async () => {
    const v = await runtime.version();
    expect(v.runtimeName).toBe("containerd");
    expect(v.runtimeApiVersion).toBe("v1");
    const config = readFileSync(launcher.paths.config, "utf8");
    expect(config).toContain(`sandbox_image = "${PAUSE_IMAGE}"`);
    expect(existsSync(launcher.paths.log)).toBe(true);
    const status = await runtime.status();
    expect(status.conditions.find((c) => c.type === "RuntimeReady")?.status).toBe(true);
  });

  it("imports the built image archives once, and CRI resolves busybox:local", async () => {
    const imagesDir = join(dir, "images");
    mkdirSync(imagesDir);
    const defs = imageDefinitions();
    for (const key of ["busybox", "pause"] as const) writeFileSync(join(imagesDir, ARCHIVE_FILES[key]), buildImage(defs[key], DEFAULT_MTIME).archive);
    const options = { imagesDir, socket: launcher.socket, snapshotter: launcher.snapshotter, recordFile: join(dir, "airgap.json"), log, signal: abort.signal };
    const first = await importAirgapImages(options);
    expect(first.failed).toEqual([]);
    expect(first.imported.flatMap((i) => i.images).sort()).toEqual([BUSYBOX_IMAGE, PAUSE_IMAGE].sort());
    const second = await importAirgapImages(options);
    expect(second.imported).toEqual([]);
    expect(second.skipped.length).toBe(2);
    const image = await runtime.imageStatus({ image: "busybox:local" });
    expect(image?.repoTags).toContain(BUSYBOX_IMAGE);
    expect(image?.id).toBe(buildImage(defs.busybox, DEFAULT_MTIME).configDigest);
  });

  const sandbox: PodSandboxConfig = {
    metadata: { name: "hello", namespace: "test", uid: `uid-${suffix}`, attempt: 0 },
    hostname: "hello-host",
    logDirectory: "",
    dnsConfig: { servers: ["10.43.0.10"], searches: ["test.svc.cluster.local"], options: ["ndots:5"] },
    labels: { "io.kubernetes.pod.name": "hello", app: "hello" },
    annotations: { note: "kept" },
    linux: {},
  };
  let sandboxId = "";

  function container(name: string, command: string[]): ContainerConfig {
    return {
      metadata: { name, attempt: 0 },
      image: { image: "busybox:local" },
      command,
      envs: [{ key: "GREETING", value: "hi" }],
      labels: { "io.kubernetes.container.name": name },
      annotations: {},
      logPath: `${name}/0.log`,
      linux: { resources: { cpuShares: 256, memoryLimitInBytes: 64 * 1024 * 1024 } },
    };
  }

  async function waitForState(id: string, state: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await runtime.containerStatus(id)).state === state) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`container ${id} never reached ${state}`);
  }

  it("runs a sandbox and a container whose output lands in its log file", async () => {
    sandbox.logDirectory = join(dir, "pods", "hello");
    sandboxId = await runtime.runPodSandbox(sandbox);
    const status = await runtime.podSandboxStatus(sandboxId);
    expect(status.state).toBe("SANDBOX_READY");
    expect(status.annotations.note).toBe("kept");
    expect(status.network?.ip).toMatch(/^10\.213\./);
    const id = await runtime.createContainer(sandboxId, container("echo", ["sh", "-c", "echo hello; echo $GREETING $(hostname); grep -c nameserver /etc/resolv.conf"]), sandbox);
    await runtime.startContainer(id);
    await waitForState(id, "CONTAINER_EXITED");
    const cs = await runtime.containerStatus(id);
    expect(cs.exitCode).toBe(0);
    expect(cs.reason).toBe("Completed");
    expect(cs.logPath).toBe(join(sandbox.logDirectory, "echo/0.log"));
    const file = readFileSync(cs.logPath!, "utf8");
    expect(file).toMatch(/^\S+ stdout F hello$/m);
    const logs = await new Response(await runtime.logs(id)).text();
    expect(logs).toBe("hello\nhi hello-host\n1\n");
  });

  let runningId = "";

  it("exec sync returns output and the exit code", async () => {
    runningId = await runtime.createContainer(sandboxId, container("main", ["sh", "-c", "mkdir -p /www; echo served > /www/index.html; exec httpd -f -p 8080 -h /www"]), sandbox);
    await runtime.startContainer(runningId);
    await waitForState(runningId, "CONTAINER_RUNNING");
    // A container has a PID namespace of its own (Kubernetes' default), not the pod's.
    const pid1 = await runtime.execSync(runningId, ["cat", "/proc/1/cmdline"], 10);
    expect(new TextDecoder().decode(pid1.stdout)).toMatch(/^httpd\0/);
    const r = await runtime.execSync(runningId, ["sh", "-c", "echo out; echo err >&2; exit 7"], 10);
    expect(new TextDecoder().decode(r.stdout)).toBe("out\n");
    expect(new TextDecoder().decode(r.stderr)).toBe("err\n");
    expect(r.exitCode).toBe(7);
    const stats = await runtime.containerStats(runningId);
    expect(stats.containerId).toBe(runningId);
    expect(stats.memoryWorkingSetBytes).toBeGreaterThan(0);
  });

  it("exec streams stdout, stderr and the exit code through the stream server", async () => {
    const session = await runtime.exec({ containerId: runningId, cmd: ["sh", "-c", "echo streamed; echo oops >&2; exit 3"], tty: false, stdin: false, stdout: true, stderr: true });
    const [out, err, code] = await Promise.all([new Response(session.stdout).text(), new Response(session.stderr).text(), session.exit]);
    expect(out).toBe("streamed\n");
    expect(err).toBe("oops\n");
    expect(code).toBe(3);
  });

  it("exec passes stdin through, and a TTY session merges output", async () => {
    const session = await runtime.exec({ containerId: runningId, cmd: ["sh", "-c", "read line; echo got:$line"], tty: false, stdin: true, stdout: true, stderr: true });
    const writer = session.stdin!.getWriter();
    await writer.write(new TextEncoder().encode("ping\n"));
    const [out, code] = await Promise.all([new Response(session.stdout).text(), session.exit]);
    expect(out).toBe("got:ping\n");
    expect(code).toBe(0);
    const tty = await runtime.exec({ containerId: runningId, cmd: ["sh", "-c", "tty >/dev/null && echo is-a-tty; echo to-stderr >&2"], tty: true, stdin: false, stdout: true, stderr: false });
    expect(tty.stderr).toBeUndefined();
    const ttyOut = await new Response(tty.stdout).text();
    expect(ttyOut.replace(/\r/g, "")).toBe("is-a-tty\nto-stderr\n");
    expect(await tty.exit).toBe(0);
  });

  it("exec ends stdin while the command runs (kubectl cp, exec -i < file)", async () => {
    const session = await runtime.exec({ containerId: runningId, cmd: ["sh", "-c", "cat; echo after-eof"], tty: false, stdin: true, stdout: true, stderr: true });
    const writer = session.stdin!.getWriter();
    await writer.write(new TextEncoder().encode("line one\n"));
    await writer.close();
    const [out, code] = await Promise.all([new Response(session.stdout).text(), session.exit]);
    expect(out).toBe("line one\nafter-eof\n");
    expect(code).toBe(0);
  });

  it("attaches to a container with a TTY and stdin", async () => {
    const config = { ...container("shell", ["sh"]), stdin: true, tty: true };
    const id = await runtime.createContainer(sandboxId, config, sandbox);
    await runtime.startContainer(id);
    await waitForState(id, "CONTAINER_RUNNING");
    const session = await runtime.attach({ containerId: id, tty: true, stdin: true, stdout: true, stderr: false });
    const reader = session.stdout!.getReader();
    const writer = session.stdin!.getWriter();
    await writer.write(new TextEncoder().encode("echo attached-$((40+2)); exit 5\n"));
    let seen = "";
    while (!seen.includes("attached-42")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    expect(seen).toContain("attached-42");
    await waitForState(id, "CONTAINER_EXITED");
    expect((await runtime.containerStatus(id)).exitCode).toBe(5);
    session.close();
  });

  it("follows a running container's log until it stops", async () => {
    const id = await runtime.createContainer(sandboxId, container("ticker", ["sh", "-c", "for i in 1 2 3; do echo tick $i; sleep 0.3; done"]), sandbox);
    await runtime.startContainer(id);
    const logs = await new Response(await runtime.logs(id, { follow: true })).text();
    expect(logs).toBe("tick 1\ntick 2\ntick 3\n");
    expect(await new Response(await runtime.logs(id, { tail: 1 })).text()).toBe("tick 3\n");
  });

  it("port-forwards into the sandbox's network namespace", async () => {
    const stream = await runtime.portForward(sandboxId, 8080);
    const writer = stream.writable.getWriter();
    await writer.write(new TextEncoder().encode("GET /index.html HTTP/1.0\r\nHost: pod\r\n\r\n"));
    const reader = stream.readable.getReader();
    let response = "";
    const decoder = new TextDecoder();
    while (!response.includes("served")) {
      const { value, done } = await reader.read();
      if (done) break;
      response += decoder.decode(value, { stream: true });
    }
    stream.close();
    expect(response).toMatch(/^HTTP\/1\.[01] 200/);
    expect(response).toContain("served");
  });

  it("stops and removes containers and the sandbox", async () => {
    await runtime.stopContainer(runningId, 2);
    expect((await runtime.containerStatus(runningId)).state).toBe("CONTAINER_EXITED");
    await runtime.stopContainer(runningId, 2); // idempotent
    await runtime.stopPodSandbox(sandboxId);
    expect((await runtime.podSandboxStatus(sandboxId)).state).toBe("SANDBOX_NOTREADY");
    await runtime.removePodSandbox(sandboxId);
    await runtime.removePodSandbox(sandboxId); // idempotent
    expect(await runtime.listPodSandbox({ id: sandboxId })).toEqual([]);
    expect(await runtime.listContainers({ podSandboxId: sandboxId })).toEqual([]);
    await expect(runtime.containerStatus(runningId)).rejects.toMatchObject({ name: "RuntimeNotFoundError", kind: "container" });
  });

  it("restarts containerd when it dies", async () => {
    const before = launcher.pid!;
    process.kill(before, "SIGKILL");
    for (let i = 0; i < 300 && launcher.restarts === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(launcher.restarts).toBe(1);
    expect(launcher.pid).toBeDefined();
    expect(launcher.pid).not.toBe(before);
    const fresh = new CriClient(launcher.socket);
    const v = await fresh.version();
    fresh.close();
    expect(v.runtimeName).toBe("containerd");
    // The runtime's own client reconnects to the new containerd.
    expect((await runtime.version()).runtimeName).toBe("containerd");
  });

  it("ends the containerd that a killed agent left on its socket before starting its own", async () => {
    await launcher.stop();
    // What a SIGKILLed agent leaves: its containerd running, its pid in the pid file.
    const orphan = spawn("containerd", ["--config", launcher.paths.config], { stdio: "ignore", detached: true });
    writeFileSync(launcher.paths.pidFile, `${orphan.pid}\n`);
    const probe = new CriClient(launcher.socket);
    for (let i = 0; i < 100; i++) {
      if (await probe.version({ timeoutMs: 500 }).then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    probe.close();
    expect(readProcess(orphan.pid!)?.argv).toContain(launcher.paths.config);
    const second = new ContainerdLauncher(launcherOptions);
    try {
      await second.start();
      expect(readProcess(orphan.pid!)).toBeUndefined();
      expect(second.pid).toBeDefined();
      expect(second.pid).not.toBe(orphan.pid);
      const fresh = new CriClient(second.socket);
      expect((await fresh.version()).runtimeName).toBe("containerd");
      fresh.close();
    } finally {
      await second.stop();
    }
  });
});
