/**
 * A typed CRI client (runtime.v1 RuntimeService and ImageService) over gRPC on a unix socket,
 * with @grpc/grpc-js (pure JavaScript, so it runs under Node and Deno alike) and our own
 * cri.proto subset loaded at runtime by @grpc/proto-loader (no generated code to keep in step).
 *
 * Every call has a deadline, and failures come back as CriError naming the method, the gRPC
 * status and containerd's message, so that a log line says what went wrong where.
 */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type {
  CriAuthConfig, CriContainer, CriContainerConfig, CriContainerFilter, CriContainerStats, CriContainerStatus,
  CriExecSyncResponse, CriFilesystemUsage, CriImage, CriImageSpec, CriLinuxContainerResources, CriPodSandbox,
  CriPodSandboxConfig, CriPodSandboxFilter, CriPodSandboxStatus, CriStatusResponse, CriVersionResponse,
} from "./cri-types.ts";

/** The CRI API version the client announces in Version. */
export const CRI_API_VERSION = "v1";

/** Default deadline of a call; long ones (pulls, stops with a grace period) pass their own. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** ExecSync may return up to 16 MiB per stream (CRI caps it there); grpc's default is 4 MiB. */
const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

/** A failed CRI call: which method, gRPC's status code and name, and the runtime's message. */
export class CriError extends Error {
  readonly method: string;
  readonly code: number;
  readonly codeName: string;
  readonly details: string;
  constructor(method: string, code: number, details: string) {
    const codeName = grpc.status[code] ?? `code ${code}`;
    super(`CRI ${method}: ${codeName}: ${details}`);
    this.name = "CriError";
    this.method = method;
    this.code = code;
    this.codeName = codeName;
    this.details = details;
  }
  get notFound(): boolean {
    return this.code === grpc.status.NOT_FOUND;
  }
  /** The runtime is not there (socket missing, containerd down) or did not answer in time. */
  get unavailable(): boolean {
    return this.code === grpc.status.UNAVAILABLE || this.code === grpc.status.DEADLINE_EXCEEDED;
  }
}

export interface CallOptions {
  timeoutMs?: number;
}

type GrpcMethod = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response: unknown) => void) => grpc.ClientUnaryCall;

let loaded: grpc.GrpcObject | undefined;

/** Loads cri.proto once per process. */
function criPackage(): grpc.GrpcObject {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(fileURLToPath(new URL("./cri.proto", import.meta.url)), {
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  loaded = grpc.loadPackageDefinition(definition);
  return loaded;
}

/** `unix:///run/x.sock`, `unix:/run/x.sock` or a bare path, as grpc-js wants it. */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith("unix:")) return endpoint;
  if (endpoint.startsWith("/")) return `unix://${endpoint}`;
  return endpoint;
}

export class CriClient {
  readonly endpoint: string;
  readonly #runtime: grpc.Client;
  readonly #images: grpc.Client;

  constructor(endpoint: string) {
    this.endpoint = endpoint;
    const pkg = criPackage() as unknown as { runtime: { v1: Record<string, grpc.ServiceClientConstructor> } };
    const v1 = pkg.runtime.v1;
    const channelOptions: grpc.ChannelOptions = {
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    };
    const target = grpcTarget(endpoint);
    this.#runtime = new v1.RuntimeService!(target, grpc.credentials.createInsecure(), channelOptions);
    // The image service shares the runtime client's channel (one connection to containerd).
    this.#images = new v1.ImageService!(target, grpc.credentials.createInsecure(), { ...channelOptions, channelOverride: this.#runtime.getChannel() } as grpc.ChannelOptions);
  }

  close(): void {
    this.#images.close();
    this.#runtime.close();
  }

  #call<T>(client: grpc.Client, method: string, request: object, options?: CallOptions): Promise<T> {
    const fn = (client as unknown as Record<string, GrpcMethod>)[method];
    if (typeof fn !== "function") return Promise.reject(new Error(`CRI ${method}: not in cri.proto`));
    const deadline = Date.now() + (options?.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return new Promise<T>((resolve, reject) => {
      fn.call(client, request, new grpc.Metadata(), { deadline }, (error, response) => {
        if (error) reject(new CriError(method, error.code ?? grpc.status.UNKNOWN, error.details || error.message));
        else resolve(response as T);
      });
    });
  }

  #rt<T>(method: string, request: object, options?: CallOptions): Promise<T> {
    return this.#call<T>(this.#runtime, method, request, options);
  }

  #img<T>(method: string, request: object, options?: CallOptions): Promise<T> {
    return this.#call<T>(this.#images, method, request, options);
  }

  // ---- RuntimeService

  version(options?: CallOptions): Promise<CriVersionResponse> {
    return this.#rt("Version", { version: CRI_API_VERSION }, options);
  }

  status(verbose = false, options?: CallOptions): Promise<CriStatusResponse> {
    return this.#rt("Status", { verbose }, options);
  }

  async updateRuntimeConfig(podCidr: string, options?: CallOptions): Promise<void> {
    await this.#rt("UpdateRuntimeConfig", { runtimeConfig: { networkConfig: { podCidr } } }, options);
  }

  async runPodSandbox(config: CriPodSandboxConfig, runtimeHandler = "", options?: CallOptions): Promise<string> {
    // Sandbox start includes the CNI ADD and the pause image's start: give it longer.
    const r = await this.#rt<{ podSandboxId: string }>("RunPodSandbox", { config, runtimeHandler }, { timeoutMs: 4 * 60_000, ...options });
    return r.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string, options?: CallOptions): Promise<void> {
    await this.#rt("StopPodSandbox", { podSandboxId }, { timeoutMs: 4 * 60_000, ...options });
  }

  async removePodSandbox(podSandboxId: string, options?: CallOptions): Promise<void> {
    await this.#rt("RemovePodSandbox", { podSandboxId }, { timeoutMs: 4 * 60_000, ...options });
  }

  async podSandboxStatus(podSandboxId: string, verbose = false, options?: CallOptions): Promise<{ status: CriPodSandboxStatus; info: Record<string, string> }> {
    const r = await this.#rt<{ status: CriPodSandboxStatus | null; info: Record<string, string> }>("PodSandboxStatus", { podSandboxId, verbose }, options);
    if (!r.status) throw new CriError("PodSandboxStatus", grpc.status.NOT_FOUND, `no status for sandbox ${podSandboxId}`);
    return { status: r.status, info: r.info };
  }

  async listPodSandbox(filter?: CriPodSandboxFilter, options?: CallOptions): Promise<CriPodSandbox[]> {
    const r = await this.#rt<{ items: CriPodSandbox[] }>("ListPodSandbox", filter ? { filter } : {}, options);
    return r.items;
  }

  async createContainer(podSandboxId: string, config: CriContainerConfig, sandboxConfig: CriPodSandboxConfig, options?: CallOptions): Promise<string> {
    const r = await this.#rt<{ containerId: string }>("CreateContainer", { podSandboxId, config, sandboxConfig }, { timeoutMs: 4 * 60_000, ...options });
    return r.containerId;
  }

  async startContainer(containerId: string, options?: CallOptions): Promise<void> {
    await this.#rt("StartContainer", { containerId }, { timeoutMs: 2 * 60_000, ...options });
  }

  /** TERM, then KILL after `timeoutSeconds`; the call's own deadline leaves room for both. */
  async stopContainer(containerId: string, timeoutSeconds: number, options?: CallOptions): Promise<void> {
    await this.#rt("StopContainer", { containerId, timeout: timeoutSeconds }, { timeoutMs: (timeoutSeconds + 30) * 1000, ...options });
  }

  async removeContainer(containerId: string, options?: CallOptions): Promise<void> {
    await this.#rt("RemoveContainer", { containerId }, { timeoutMs: 2 * 60_000, ...options });
  }

  async listContainers(filter?: CriContainerFilter, options?: CallOptions): Promise<CriContainer[]> {
    const r = await this.#rt<{ containers: CriContainer[] }>("ListContainers", filter ? { filter } : {}, options);
    return r.containers;
  }

  async containerStatus(containerId: string, verbose = false, options?: CallOptions): Promise<{ status: CriContainerStatus; info: Record<string, string> }> {
    const r = await this.#rt<{ status: CriContainerStatus | null; info: Record<string, string> }>("ContainerStatus", { containerId, verbose }, options);
    if (!r.status) throw new CriError("ContainerStatus", grpc.status.NOT_FOUND, `no status for container ${containerId}`);
    return { status: r.status, info: r.info };
  }

  async updateContainerResources(containerId: string, linux: CriLinuxContainerResources, options?: CallOptions): Promise<void> {
    await this.#rt("UpdateContainerResources", { containerId, linux }, options);
  }

  async reopenContainerLog(containerId: string, options?: CallOptions): Promise<void> {
    await this.#rt("ReopenContainerLog", { containerId }, options);
  }

  /** Runs `cmd` in the container; `timeoutSeconds` 0 means no limit on the command (the call still has one). */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number, options?: CallOptions): Promise<CriExecSyncResponse> {
    const timeoutMs = timeoutSeconds > 0 ? (timeoutSeconds + 10) * 1000 : 24 * 3600_000;
    return this.#rt("ExecSync", { containerId, cmd, timeout: timeoutSeconds }, { timeoutMs, ...options });
  }

  async exec(request: { containerId: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }, options?: CallOptions): Promise<string> {
    const r = await this.#rt<{ url: string }>("Exec", request, options);
    return r.url;
  }

  async attach(request: { containerId: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }, options?: CallOptions): Promise<string> {
    const r = await this.#rt<{ url: string }>("Attach", request, options);
    return r.url;
  }

  async portForward(podSandboxId: string, ports: number[], options?: CallOptions): Promise<string> {
    const r = await this.#rt<{ url: string }>("PortForward", { podSandboxId, port: ports }, options);
    return r.url;
  }

  async containerStats(containerId: string, options?: CallOptions): Promise<CriContainerStats> {
    const r = await this.#rt<{ stats: CriContainerStats | null }>("ContainerStats", { containerId }, options);
    if (!r.stats) throw new CriError("ContainerStats", grpc.status.NOT_FOUND, `no stats for container ${containerId}`);
    return r.stats;
  }

  async listContainerStats(filter?: { id?: string; podSandboxId?: string; labelSelector?: Record<string, string> }, options?: CallOptions): Promise<CriContainerStats[]> {
    const r = await this.#rt<{ stats: CriContainerStats[] }>("ListContainerStats", filter ? { filter } : {}, options);
    return r.stats;
  }

  // ---- ImageService

  async listImages(image?: CriImageSpec, options?: CallOptions): Promise<CriImage[]> {
    const r = await this.#img<{ images: CriImage[] }>("ListImages", image ? { filter: { image } } : {}, options);
    return r.images;
  }

  /** The image, or undefined when the runtime does not have it. */
  async imageStatus(image: CriImageSpec, options?: CallOptions): Promise<CriImage | undefined> {
    const r = await this.#img<{ image: CriImage | null }>("ImageStatus", { image }, options);
    return r.image ?? undefined;
  }

  async pullImage(image: CriImageSpec, auth?: CriAuthConfig, sandboxConfig?: CriPodSandboxConfig, options?: CallOptions): Promise<string> {
    const r = await this.#img<{ imageRef: string }>("PullImage", { image, auth, sandboxConfig }, { timeoutMs: 30 * 60_000, ...options });
    return r.imageRef;
  }

  async removeImage(image: CriImageSpec, options?: CallOptions): Promise<void> {
    await this.#img("RemoveImage", { image }, { timeoutMs: 2 * 60_000, ...options });
  }

  async imageFsInfo(options?: CallOptions): Promise<CriFilesystemUsage[]> {
    const r = await this.#img<{ imageFilesystems: CriFilesystemUsage[] }>("ImageFsInfo", {}, options);
    return r.imageFilesystems;
  }
}
