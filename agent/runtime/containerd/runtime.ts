/**
 * The Runtime contract on containerd's CRI: each method is one CRI call through CriClient, with
 * the shapes translated (translate.ts), a missing object turned into RuntimeNotFoundError and a
 * failed pull into ImagePullError. Logs come from the CRI log files; exec and attach dial
 * containerd's stream server over SPDY (WebSocket as the fallback), port-forward over WebSocket.
 */
import {
  type AttachRequest, type AuthConfig, type Container, type ContainerConfig, type ContainerFilter, type ContainerStats,
  type ContainerStatus, type ExecRequest, type ExecSyncResponse, type Image, type ImageFsInfo, ImagePullError,
  type ImageSpec, type LogOptions, type PodSandbox, type PodSandboxConfig, type PodSandboxFilter, type PodSandboxStatus,
  type PortForwardStream, type Runtime, type RuntimeConfig, RuntimeNotFoundError, type RuntimeStatus, type StreamSession,
  type VersionResponse,
} from "../mod.ts";
import type { Logger } from "../../../plugins/mod.ts";
import { CriError, type CriClient } from "./cri-client.ts";
import { readCriLog } from "./cri-logs.ts";
import { dialSpdySession } from "./spdy-client.ts";
import { dialChannelSession, dialPortForward } from "./stream-client.ts";
import {
  containerConfigToCri, containerFilterToCri, containerFromCri, containerStatusFromCri, imageFromCri, nsToMs,
  sandboxConfigToCri, sandboxFilterToCri, sandboxFromCri, sandboxStatusFromCri, statsFromCri,
} from "./translate.ts";

export interface ContainerdRuntimeOptions {
  client: CriClient;
  log: Logger;
  /** Told the node's pod CIDR (UpdateRuntimeConfig): the CNI module's prepare, or the placeholder config. */
  onPodCidr?(podCidr: string): void | Promise<void>;
  /** Releases what the module holds beyond the client (its containerd keeps running for the next agent). */
  onClose?(): Promise<void>;
}

/** Runs `call`; a CRI NotFound becomes RuntimeNotFoundError(kind, id). */
async function found<T>(kind: "sandbox" | "container" | "image", id: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CriError && (error.notFound || /not found|does not exist/i.test(error.details))) throw new RuntimeNotFoundError(kind, id);
    throw error;
  }
}

/** Idempotent removal: a missing object is already gone. */
async function ignoreNotFound(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof CriError && (error.notFound || /not found|does not exist/i.test(error.details))) return;
    throw error;
  }
}

export class ContainerdRuntime implements Runtime {
  readonly #cri: CriClient;
  readonly #options: ContainerdRuntimeOptions;

  constructor(options: ContainerdRuntimeOptions) {
    this.#cri = options.client;
    this.#options = options;
  }

  async version(): Promise<VersionResponse> {
    const v = await this.#cri.version();
    return { version: v.version, runtimeName: v.runtimeName, runtimeVersion: v.runtimeVersion, runtimeApiVersion: v.runtimeApiVersion };
  }

  async status(): Promise<RuntimeStatus> {
    const s = await this.#cri.status();
    return {
      conditions: (s.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason || undefined, message: c.message || undefined })),
    };
  }

  async updateRuntimeConfig(config: RuntimeConfig): Promise<void> {
    const podCidr = config.networkConfig.podCidr;
    await this.#options.onPodCidr?.(podCidr);
    await this.#cri.updateRuntimeConfig(podCidr);
  }

  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string> {
    return this.#cri.runPodSandbox(sandboxConfigToCri(config), runtimeHandler ?? "");
  }

  stopPodSandbox(podSandboxId: string): Promise<void> {
    return ignoreNotFound(() => this.#cri.stopPodSandbox(podSandboxId));
  }

  removePodSandbox(podSandboxId: string): Promise<void> {
    return ignoreNotFound(() => this.#cri.removePodSandbox(podSandboxId));
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const r = await found("sandbox", podSandboxId, () => this.#cri.podSandboxStatus(podSandboxId));
    return sandboxStatusFromCri(r.status);
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    return (await this.#cri.listPodSandbox(filter ? sandboxFilterToCri(filter) : undefined)).map(sandboxFromCri);
  }

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    return found("sandbox", podSandboxId, () => this.#cri.createContainer(podSandboxId, containerConfigToCri(config, sandboxConfig), sandboxConfigToCri(sandboxConfig)));
  }

  startContainer(containerId: string): Promise<void> {
    return found("container", containerId, () => this.#cri.startContainer(containerId));
  }

  stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    return ignoreNotFound(() => this.#cri.stopContainer(containerId, timeoutSeconds));
  }

  removeContainer(containerId: string): Promise<void> {
    return ignoreNotFound(() => this.#cri.removeContainer(containerId));
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const r = await found("container", containerId, () => this.#cri.containerStatus(containerId));
    return containerStatusFromCri(r.status);
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    return (await this.#cri.listContainers(filter ? containerFilterToCri(filter) : undefined)).map(containerFromCri);
  }

  async pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    try {
      return await this.#cri.pullImage({ image: image.image, annotations: image.annotations ?? {} }, auth, sandboxConfig ? sandboxConfigToCri(sandboxConfig) : undefined);
    } catch (error) {
      if (error instanceof CriError) throw new ImagePullError(`failed to pull image ${JSON.stringify(image.image)}: ${error.details}`);
      throw error;
    }
  }

  async imageStatus(image: ImageSpec): Promise<Image | undefined> {
    const i = await this.#cri.imageStatus({ image: image.image, annotations: image.annotations ?? {} });
    return i ? imageFromCri(i) : undefined;
  }

  async listImages(filter?: { image?: ImageSpec }): Promise<Image[]> {
    return (await this.#cri.listImages(filter?.image ? { image: filter.image.image } : undefined)).map(imageFromCri);
  }

  removeImage(image: ImageSpec): Promise<void> {
    return ignoreNotFound(() => this.#cri.removeImage({ image: image.image }));
  }

  async imageFsInfo(): Promise<ImageFsInfo[]> {
    return (await this.#cri.imageFsInfo()).map((f) => ({
      timestamp: nsToMs(f.timestamp),
      mountpoint: f.fsId?.mountpoint ?? "",
      usedBytes: f.usedBytes?.value ?? 0,
      inodesUsed: f.inodesUsed?.value ?? 0,
    }));
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    const r = await found("container", containerId, () => this.#cri.execSync(containerId, cmd, timeoutSeconds));
    return { stdout: new Uint8Array(r.stdout), stderr: new Uint8Array(r.stderr), exitCode: r.exitCode };
  }

  /**
   * A stream session: SPDY first (it can end stdin alone), the WebSocket channel protocol if the
   * stream server refuses it. Each try needs a fresh URL: CRI's tokens are single-use.
   */
  async #session(url: () => Promise<string>, options: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): Promise<StreamSession> {
    try {
      return await dialSpdySession(await url(), options);
    } catch (error) {
      this.#options.log.debug("SPDY stream session failed; trying WebSocket", { error });
      return dialChannelSession(await url(), options);
    }
  }

  exec(request: ExecRequest): Promise<StreamSession> {
    return this.#session(() => found("container", request.containerId, () => this.#cri.exec(request)), request);
  }

  async attach(request: AttachRequest): Promise<StreamSession> {
    const session = await this.#session(() => found("container", request.containerId, () => this.#cri.attach(request)), request);
    // The attach stream says nothing of the container's exit: ask CRI once the stream ends.
    const exit = session.exit.then(async () => {
      const status = await this.containerStatus(request.containerId);
      return status.exitCode;
    });
    return { ...session, exit };
  }

  async portForward(podSandboxId: string, port: number): Promise<PortForwardStream> {
    const url = await found("sandbox", podSandboxId, () => this.#cri.portForward(podSandboxId, [port]));
    return dialPortForward(url, port);
  }

  async logs(containerId: string, options: LogOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const status = await this.containerStatus(containerId);
    if (!status.logPath) return new ReadableStream({ start: (c) => c.close() });
    return readCriLog(status.logPath, options, async () => {
      try {
        return (await this.containerStatus(containerId)).state === "CONTAINER_RUNNING";
      } catch {
        return false;
      }
    });
  }

  async containerStats(containerId: string): Promise<ContainerStats> {
    return statsFromCri(await found("container", containerId, () => this.#cri.containerStats(containerId)));
  }

  async listContainerStats(filter?: ContainerFilter): Promise<ContainerStats[]> {
    const f = filter ? { id: filter.id ?? "", podSandboxId: filter.podSandboxId ?? "", labelSelector: filter.labelSelector ?? {} } : undefined;
    return (await this.#cri.listContainerStats(f)).map(statsFromCri);
  }

  async close(): Promise<void> {
    this.#cri.close();
    await this.#options.onClose?.();
  }
}
