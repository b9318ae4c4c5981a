/**
 * PodSetup for real containers: DNS from --cluster-dns/--cluster-domain and the host's
 * resolv.conf; volumes on the node's disk (volumes/manager.ts); each container's env (env.ts),
 * command and args with $(VAR) expanded, mounts, Linux resources (resources.ts) and security
 * context (security-context.ts); lifecycle hooks (lifecycle.ts).
 */
import { readFileSync } from "node:fs";
import type { Client } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import type { ContainerConfig, PodSandboxConfig, Runtime } from "../runtime/mod.ts";
import { apiObjects } from "./api-objects.ts";
import { podDnsConfig } from "./dns.ts";
import type { PodRuntimeFields } from "./downward-api.ts";
import { containerEnv, expandCommand } from "./env.ts";
import { runHandler, runPreStop } from "./lifecycle.ts";
import type { HookContext, PodSetup } from "./pod-setup.ts";
import { linuxResources } from "./resources.ts";
import { linuxSecurityContext } from "./security-context.ts";
import type { Pod, PodContainer } from "./types.ts";
import { VolumeManager } from "./volumes/manager.ts";
import { TokenManager } from "./volumes/token-manager.ts";

export interface RealPodOptions {
  /** The agent's data dir: volumes go under <dataDir>/agent/pods/<uid>/volumes. */
  dataDir: string;
  /** --cluster-dns (comma-separated for dual-stack); empty: pods get the host's resolv.conf. */
  clusterDns: string[];
  /** --cluster-domain. */
  clusterDomain: string;
  /** The host's resolv.conf (default /etc/resolv.conf). */
  resolvConf?: string;
  /** How often API-backed volumes are rewritten (default 30 s). */
  volumeResyncMs?: number;
}

export interface RealPodContext {
  client: Client;
  runtime: Runtime;
  log: Logger;
  hostIPs(): string[];
  node: { cpuCores: number; memoryBytes: number };
  signal: AbortSignal;
}

export class RealPodSetup implements PodSetup {
  readonly volumes: VolumeManager;
  readonly #o: RealPodOptions;
  readonly #ctx: RealPodContext;
  readonly #objects;
  #hostResolv: string | undefined;

  constructor(options: RealPodOptions, ctx: RealPodContext) {
    this.#o = options;
    this.#ctx = ctx;
    this.#objects = apiObjects(ctx.client);
    this.volumes = new VolumeManager({
      dataDir: options.dataDir,
      objects: this.#objects,
      tokens: new TokenManager(ctx.client),
      client: ctx.client,
      log: ctx.log,
      resyncMs: options.volumeResyncMs,
    });
  }

  #fields(podIPs: string[]): PodRuntimeFields {
    return { podIPs, hostIPs: this.#ctx.hostIPs(), nodeCpuCores: this.#ctx.node.cpuCores, nodeMemoryBytes: this.#ctx.node.memoryBytes };
  }

  sandbox(pod: Pod, base: PodSandboxConfig): PodSandboxConfig {
    if (this.#hostResolv === undefined) {
      try {
        this.#hostResolv = readFileSync(this.#o.resolvConf ?? "/etc/resolv.conf", "utf8");
      } catch {
        this.#hostResolv = "";
      }
    }
    const dnsConfig = podDnsConfig(pod, { servers: this.#o.clusterDns, domain: this.#o.clusterDomain, hostResolvConf: this.#hostResolv });
    return { ...base, dnsConfig };
  }

  prepare(pod: Pod, podIPs: string[]): Promise<number | undefined> {
    return this.volumes.sync(pod, this.#fields(podIPs));
  }

  async container(pod: Pod, container: PodContainer, base: ContainerConfig, podIPs: string[]): Promise<ContainerConfig> {
    const envs = await containerEnv(pod, container, this.#objects, this.#fields(podIPs));
    return {
      ...base,
      command: expandCommand(container.command, envs),
      args: expandCommand(container.args, envs),
      envs,
      mounts: await this.volumes.mounts(pod, container),
      linux: {
        resources: linuxResources(pod, container, this.#ctx.node.memoryBytes),
        securityContext: linuxSecurityContext(pod, container),
      },
    };
  }

  async postStart(t: HookContext): Promise<string | undefined> {
    const handler = t.container.lifecycle?.postStart;
    if (!handler) return undefined;
    const grace = t.pod.spec.terminationGracePeriodSeconds ?? 30;
    const r = await runHandler({ runtime: this.#ctx.runtime, ...t }, handler, Math.max(grace, 30), this.#ctx.signal);
    return r.ok ? undefined : (r.output ?? "postStart hook failed");
  }

  async preStop(t: HookContext, graceSeconds: number): Promise<number> {
    const { left, result } = await runPreStop({ runtime: this.#ctx.runtime, ...t }, graceSeconds, this.#ctx.signal);
    if (result && !result.ok) this.#ctx.log.info("preStop hook failed", { pod: `${t.pod.metadata.namespace}/${t.pod.metadata.name}`, container: t.container.name, error: result.output });
    return left;
  }

  cleanup(podUid: string): Promise<void> {
    return this.volumes.tearDown(podUid);
  }
}
