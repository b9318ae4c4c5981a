/**
 * What a pod needs beyond the runtime calls the pod worker makes itself: the sandbox's DNS, the
 * pod's volumes, each container's full config (env from the API, mounts, resources, security
 * context) and its lifecycle hooks, and the clean-up of all that. Simulated nodes use
 * `plainSetup` (configs as runtime-configs.ts makes them, nothing on disk); real runtimes use
 * RealPodSetup (real-pod-setup.ts).
 */
import type { ContainerConfig, PodSandboxConfig } from "../runtime/mod.ts";
import type { Pod, PodContainer } from "./types.ts";

/** Where a container runs, for the hooks. */
export interface HookContext {
  pod: Pod;
  container: PodContainer;
  containerId: string;
  podIP?: string;
}

export interface PodSetup {
  /** The sandbox config, from the base that runtime-configs.ts makes. */
  sandbox(pod: Pod, base: PodSandboxConfig): PodSandboxConfig;
  /**
   * Sets the pod's volumes up (the first time: throws when it cannot be done yet, and the pod
   * waits) or refreshes them when due. Returns when to call again (epoch ms), if ever.
   */
  prepare(pod: Pod, podIPs: string[]): Promise<number | undefined>;
  /** A container's config, from the base that runtime-configs.ts makes; throws ContainerConfigError. */
  container(pod: Pod, container: PodContainer, base: ContainerConfig, podIPs: string[]): Promise<ContainerConfig>;
  /** Runs the postStart hook; a message when it failed (the container is then killed). */
  postStart(target: HookContext): Promise<string | undefined>;
  /** Runs the preStop hook within `graceSeconds`; returns the seconds left for TERM..KILL. */
  preStop(target: HookContext, graceSeconds: number): Promise<number>;
  /** The pod is gone: remove what prepare made. */
  cleanup(podUid: string): Promise<void>;
}

export const plainSetup: PodSetup = {
  sandbox: (_pod, base) => base,
  prepare: () => Promise.resolve(undefined),
  container: (_pod, _c, base) => Promise.resolve(base),
  postStart: () => Promise.resolve(undefined),
  preStop: (_t, grace) => Promise.resolve(grace),
  cleanup: () => Promise.resolve(),
};
