/**
 * The simulated runtime of one node: sandboxes get IPs from the node's pod CIDR (host-local
 * style), containers "run" as timers — until stopped, or until they exit after their run time
 * with their exit code (behaviour.ts) — and write a start line to an in-memory log; image pulls
 * succeed at once unless an annotation says otherwise. Nothing is executed. Lifecycle events are
 * published as CRI's GetContainerEvents does, so that the kubelet never has to poll.
 */
import { fakeHttpConnection } from "./http-responder.ts";
import {
  type AttachRequest,
  type AuthConfig,
  type Container,
  type ContainerConfig,
  type ContainerEvent,
  type ContainerFilter,
  type ContainerStats,
  type ContainerStatus,
  type ExecRequest,
  type ExecSyncResponse,
  type Image,
  type ImageFsInfo,
  ImagePullError,
  type ImageSpec,
  type LogOptions,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxStatus,
  type PortForwardStream,
  type Runtime,
  type RuntimeConfig,
  RuntimeNotFoundError,
  type RuntimeStatus,
  type StreamSession,
  type VersionResponse,
} from "../mod.ts";
import { containerBehaviour, IMAGE_PULL_ERROR_ANNOTATION } from "./behaviour.ts";
import { EventFanOut } from "./event-stream.ts";
import { normalizeImageName } from "../image-names.ts";
import { fakeImage } from "./images.ts";
import { HostLocalIpam } from "./ipam.ts";
import { MemoryLog } from "./logs.ts";
import { type FakeExecContext, type FakeFileSystem, newFakeFileSystem, runFakeCommand, startFakeProcess } from "./exec.ts";

export const FAKE_RUNTIME_VERSION = "0.1.0";

export interface FakeRuntimeOptions {
  /** How long run-to-completion containers run, in milliseconds (default 1000). */
  completionMs?: number;
  /** Images present without a pull (normalized or not): `busybox:local`. */
  preloadedImages?: readonly string[];
}

interface SandboxRecord {
  status: PodSandboxStatus;
  containers: Set<string>;
}

interface ContainerRecord {
  status: ContainerStatus;
  sandboxId: string;
  /** The line the container "prints" when it starts (all that is kept of its config: a scale run holds 30,000). */
  startLine: string;
  log: MemoryLog;
  timer?: ReturnType<typeof setTimeout>;
  exitAfterMs?: number;
  exitCode: number;
  ignoreSigterm: boolean;
  /** What exec sees (exec.ts), made on the first exec. */
  fs?: FakeFileSystem;
}

function newId(): string {
  return crypto.randomUUID().replaceAll("-", "") + crypto.randomUUID().replaceAll("-", "");
}

function matchesLabels(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

export class FakeRuntime implements Runtime {
  readonly #completionMs: number;
  readonly #sandboxes = new Map<string, SandboxRecord>();
  readonly #containers = new Map<string, ContainerRecord>();
  readonly #images = new Map<string, Image>();
  readonly #events = new EventFanOut();
  #ipam: HostLocalIpam | undefined;
  #closed = false;

  constructor(options: FakeRuntimeOptions = {}) {
    this.#completionMs = options.completionMs ?? 1000;
    for (const name of options.preloadedImages ?? []) this.#images.set(normalizeImageName(name), fakeImage(name));
  }

  // --- version and status

  async version(): Promise<VersionResponse> {
    return { version: "0.1.0", runtimeName: "fake", runtimeVersion: FAKE_RUNTIME_VERSION, runtimeApiVersion: "v1" };
  }

  async status(): Promise<RuntimeStatus> {
    return {
      conditions: [
        { type: "RuntimeReady", status: true },
        this.#ipam
          ? { type: "NetworkReady", status: true }
          : { type: "NetworkReady", status: false, reason: "NetworkPluginNotReady", message: "network plugin is not ready: the node has no pod CIDR yet" },
      ],
    };
  }

  async updateRuntimeConfig(config: RuntimeConfig): Promise<void> {
    const cidr = config.networkConfig.podCidr.split(",")[0]?.trim();
    if (!cidr || this.#ipam?.cidr === cidr) return;
    this.#ipam = new HostLocalIpam(cidr);
  }

  // --- sandboxes

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    this.#check();
    if (!this.#ipam) throw new Error("failed to set up the pod network: the node has no pod CIDR yet (network plugin is not ready)");
    const id = newId();
    const ip = this.#ipam.allocate(id);
    const status: PodSandboxStatus = {
      id,
      metadata: { ...config.metadata },
      state: "SANDBOX_READY",
      createdAt: Date.now(),
      network: { ip, additionalIps: [] },
      labels: { ...config.labels },
      annotations: { ...config.annotations },
    };
    this.#sandboxes.set(id, { status, containers: new Set() });
    return id;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    const sandbox = this.#sandboxes.get(podSandboxId);
    if (!sandbox) return;
    await Promise.all([...sandbox.containers].map((c) => this.stopContainer(c, 0)));
    if (sandbox.status.state === "SANDBOX_READY") {
      sandbox.status.state = "SANDBOX_NOTREADY";
      if (sandbox.status.network) this.#ipam?.release(sandbox.status.network.ip);
    }
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    const sandbox = this.#sandboxes.get(podSandboxId);
    if (!sandbox) return;
    await this.stopPodSandbox(podSandboxId);
    for (const c of [...sandbox.containers]) await this.removeContainer(c);
    this.#sandboxes.delete(podSandboxId);
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const sandbox = this.#sandboxes.get(podSandboxId);
    if (!sandbox) throw new RuntimeNotFoundError("sandbox", podSandboxId);
    return structuredClone(sandbox.status);
  }

  async listPodSandbox(filter: PodSandboxFilter = {}): Promise<PodSandbox[]> {
    const out: PodSandbox[] = [];
    for (const { status: s } of this.#sandboxes.values()) {
      if (filter.id && s.id !== filter.id) continue;
      if (filter.state && s.state !== filter.state) continue;
      if (!matchesLabels(s.labels, filter.labelSelector)) continue;
      out.push({ id: s.id, metadata: { ...s.metadata }, state: s.state, createdAt: s.createdAt, labels: { ...s.labels }, annotations: { ...s.annotations } });
    }
    return out;
  }

  // --- containers

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    this.#check();
    const sandbox = this.#sandboxes.get(podSandboxId);
    if (!sandbox) throw new RuntimeNotFoundError("sandbox", podSandboxId);
    if (sandbox.status.state !== "SANDBOX_READY") throw new Error(`sandbox ${podSandboxId} is not ready`);
    const image = this.#images.get(normalizeImageName(config.image.image));
    if (!image) throw new Error(`failed to create containerd container: image ${JSON.stringify(config.image.image)} not found`);
    const id = newId();
    const behaviour = containerBehaviour(sandboxConfig.annotations, config.annotations, config.metadata.name, this.#completionMs);
    const status: ContainerStatus = {
      id,
      metadata: { ...config.metadata },
      state: "CONTAINER_CREATED",
      createdAt: Date.now(),
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      image: { image: normalizeImageName(config.image.image) },
      imageRef: image.repoDigests[0] ?? image.id,
      labels: { ...config.labels },
      annotations: { ...config.annotations },
      logPath: config.logPath,
    };
    const argv = [...(config.command ?? []), ...(config.args ?? [])];
    const startLine = `[fake runtime] container ${config.metadata.name} started from ${config.image.image}${argv.length ? `: ${argv.join(" ")}` : ""}`;
    this.#containers.set(id, { status, sandboxId: podSandboxId, startLine, log: new MemoryLog(), ...behaviour });
    sandbox.containers.add(id);
    this.#publish(id, "CONTAINER_CREATED_EVENT");
    return id;
  }

  async startContainer(containerId: string): Promise<void> {
    const c = this.#container(containerId);
    if (c.status.state !== "CONTAINER_CREATED") throw new Error(`container ${containerId} is in state ${c.status.state}, not created`);
    c.status.state = "CONTAINER_RUNNING";
    c.status.startedAt = Date.now();
    c.log.write(c.startLine);
    if (c.exitAfterMs !== undefined) c.timer = setTimeout(() => this.#exit(c, c.exitCode), c.exitAfterMs);
    this.#publish(containerId, "CONTAINER_STARTED_EVENT");
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const c = this.#containers.get(containerId);
    if (!c || c.status.state === "CONTAINER_EXITED") return;
    if (c.status.state === "CONTAINER_CREATED") return this.#exit(c, 0, "never started");
    if (c.ignoreSigterm && timeoutSeconds > 0) {
      // The "process" ignores TERM: it is killed when the grace period ends (or when it exits on its own).
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => {
          this.#exit(c, 137);
          resolve();
        }, timeoutSeconds * 1000);
        const poll = setInterval(() => {
          if (c.status.state === "CONTAINER_EXITED" || this.#closed) {
            clearTimeout(kill);
            clearInterval(poll);
            resolve();
          }
        }, 50);
      });
      return;
    }
    // A process that honours TERM exits at once, as a shell killed by it does (128 + 15).
    this.#exit(c, timeoutSeconds > 0 ? 143 : 137);
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = this.#containers.get(containerId);
    if (!c) return;
    if (c.timer) clearTimeout(c.timer);
    c.log.close();
    this.#containers.delete(containerId);
    this.#sandboxes.get(c.sandboxId)?.containers.delete(containerId);
    this.#publish(containerId, "CONTAINER_DELETED_EVENT", c.sandboxId);
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    return structuredClone(this.#container(containerId).status);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    const out: Container[] = [];
    for (const [id, c] of this.#containers) {
      if (filter.id && id !== filter.id) continue;
      if (filter.podSandboxId && c.sandboxId !== filter.podSandboxId) continue;
      if (filter.state && c.status.state !== filter.state) continue;
      if (!matchesLabels(c.status.labels, filter.labelSelector)) continue;
      const s = c.status;
      out.push({ id, podSandboxId: c.sandboxId, metadata: { ...s.metadata }, image: { ...s.image }, imageRef: s.imageRef, state: s.state, createdAt: s.createdAt, labels: { ...s.labels }, annotations: { ...s.annotations } });
    }
    return out;
  }

  containerEvents(signal: AbortSignal): AsyncIterable<ContainerEvent> {
    return this.#events.subscribe(signal);
  }

  // --- images

  async pullImage(image: ImageSpec, _auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    this.#check();
    const failure = sandboxConfig?.annotations[IMAGE_PULL_ERROR_ANNOTATION];
    if (failure !== undefined) throw new ImagePullError(`failed to pull and unpack image ${JSON.stringify(normalizeImageName(image.image))}: ${failure || "simulated failure"}`);
    const name = normalizeImageName(image.image);
    let found = this.#images.get(name);
    if (!found) {
      found = fakeImage(image.image);
      this.#images.set(name, found);
    }
    return found.repoDigests[0] ?? found.id;
  }

  async imageStatus(image: ImageSpec): Promise<Image | undefined> {
    const found = this.#images.get(normalizeImageName(image.image));
    return found && structuredClone(found);
  }

  async listImages(filter: { image?: ImageSpec } = {}): Promise<Image[]> {
    if (filter.image) {
      const one = await this.imageStatus(filter.image);
      return one ? [one] : [];
    }
    return [...this.#images.values()].map((i) => structuredClone(i));
  }

  async removeImage(image: ImageSpec): Promise<void> {
    this.#images.delete(normalizeImageName(image.image));
  }

  async imageFsInfo(): Promise<ImageFsInfo[]> {
    let used = 0;
    for (const i of this.#images.values()) used += i.size;
    return [{ timestamp: Date.now(), mountpoint: "/var/lib/k3ts/agent/fake", usedBytes: used, inodesUsed: this.#images.size }];
  }

  // --- streams

  async execSync(containerId: string, cmd: string[], _timeoutSeconds: number): Promise<ExecSyncResponse> {
    const c = this.#running(containerId);
    const { stdout, stderr, exitCode } = await runFakeCommand(cmd, this.#execContext(c));
    return { stdout: new TextEncoder().encode(stdout), stderr: new TextEncoder().encode(stderr), exitCode };
  }

  /** exec runs a tiny simulated shell (exec.ts): echo, cat, sh -c '...; exit N', hostname, ls, ... */
  async exec(request: ExecRequest): Promise<StreamSession> {
    const c = this.#running(request.containerId);
    return startFakeProcess(request.cmd, this.#execContext(c), request);
  }

  #execContext(c: ContainerRecord): FakeExecContext {
    const hostname = this.#sandboxes.get(c.sandboxId)?.status.metadata.name ?? "localhost";
    c.fs ??= newFakeFileSystem(hostname);
    return { hostname, fs: c.fs, log: (line) => c.log.write(line) };
  }

  async attach(request: AttachRequest): Promise<StreamSession> {
    const c = this.#running(request.containerId);
    const abort = new AbortController();
    return {
      stdout: request.stdout ? c.log.stream({ follow: true, tail: 0, signal: abort.signal }) : undefined,
      exit: new Promise((resolve) => {
        const poll = setInterval(() => {
          if (c.status.state === "CONTAINER_EXITED" || abort.signal.aborted) {
            clearInterval(poll);
            resolve(c.status.exitCode);
          }
        }, 100);
      }),
      close: () => abort.abort(),
    };
  }

  async portForward(podSandboxId: string, port: number): Promise<PortForwardStream> {
    const sandbox = this.#sandboxes.get(podSandboxId);
    if (!sandbox) throw new RuntimeNotFoundError("sandbox", podSandboxId);
    // Simulated pods have no network; the ports of an annotation answer HTTP in memory (http-responder.ts).
    return fakeHttpConnection(sandbox.status, port);
  }

  async logs(containerId: string, options?: LogOptions): Promise<ReadableStream<Uint8Array>> {
    return this.#container(containerId).log.stream(options);
  }

  // --- stats

  async containerStats(containerId: string): Promise<ContainerStats> {
    const c = this.#container(containerId);
    const runningMs = c.status.startedAt ? (c.status.finishedAt || Date.now()) - c.status.startedAt : 0;
    // A small, steady simulated load: 1 millicore and 4 MiB per container.
    return { containerId, timestamp: Date.now(), cpuUsageCoreNanoSeconds: runningMs * 1000, memoryWorkingSetBytes: c.status.state === "CONTAINER_RUNNING" ? 4 * 1024 * 1024 : 0, writableLayerUsedBytes: 4096 };
  }

  async listContainerStats(filter?: ContainerFilter): Promise<ContainerStats[]> {
    const list = await this.listContainers(filter);
    return Promise.all(list.map((c) => this.containerStats(c.id)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const c of this.#containers.values()) {
      if (c.timer) clearTimeout(c.timer);
      c.log.close();
    }
    this.#events.close();
  }

  // --- internals

  #check(): void {
    if (this.#closed) throw new Error("the fake runtime is closed");
  }

  #container(id: string): ContainerRecord {
    const c = this.#containers.get(id);
    if (!c) throw new RuntimeNotFoundError("container", id);
    return c;
  }

  #running(id: string): ContainerRecord {
    const c = this.#container(id);
    if (c.status.state !== "CONTAINER_RUNNING") throw new Error(`container ${id} is not running`);
    return c;
  }

  #exit(c: ContainerRecord, exitCode: number, message?: string): void {
    if (c.status.state === "CONTAINER_EXITED") return;
    if (c.timer) clearTimeout(c.timer);
    c.timer = undefined;
    c.status.state = "CONTAINER_EXITED";
    c.status.exitCode = exitCode;
    c.status.finishedAt = Date.now();
    c.status.reason = exitCode === 0 ? "Completed" : "Error";
    if (message) c.status.message = message;
    c.log.close();
    this.#publish(c.status.id, "CONTAINER_STOPPED_EVENT");
  }

  #publish(containerId: string, type: ContainerEvent["type"], sandboxId?: string): void {
    const podSandboxId = sandboxId ?? this.#containers.get(containerId)?.sandboxId ?? "";
    this.#events.publish({ containerId, type, createdAt: Date.now(), podSandboxId });
  }
}
