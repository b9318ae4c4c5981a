/**
 * The runtime a node gets when containerd cannot run here (not installed, not root): DESIGN.md
 * wants the control plane up and the node NotReady with the reason and the command that fixes
 * it, never pods faked. status() says so (RuntimeReady false); every pod operation fails with the
 * same message.
 */
import type { Runtime, RuntimeStatus, VersionResponse } from "../mod.ts";

export const INSTALL_HINT = "install it with scripts/setup-debian.sh (apt-get install containerd runc containernetworking-plugins iptables busybox-static) and run k3ts as root";

export function unavailableRuntime(reason: string): Runtime {
  const message = `containerd is not available: ${reason}; ${INSTALL_HINT}`;
  const fail = (): Promise<never> => Promise.reject(new Error(message));
  const version = async (): Promise<VersionResponse> => ({ version: "0.1.0", runtimeName: "containerd", runtimeVersion: "unavailable", runtimeApiVersion: "v1" });
  const status = async (): Promise<RuntimeStatus> => ({
    conditions: [
      { type: "RuntimeReady", status: false, reason: "ContainerdUnavailable", message },
      { type: "NetworkReady", status: false, reason: "ContainerdUnavailable", message },
    ],
  });
  return {
    version,
    status,
    updateRuntimeConfig: async () => {},
    runPodSandbox: fail,
    stopPodSandbox: async () => {},
    removePodSandbox: async () => {},
    podSandboxStatus: fail,
    listPodSandbox: async () => [],
    createContainer: fail,
    startContainer: fail,
    stopContainer: async () => {},
    removeContainer: async () => {},
    containerStatus: fail,
    listContainers: async () => [],
    pullImage: fail,
    imageStatus: async () => undefined,
    listImages: async () => [],
    removeImage: async () => {},
    imageFsInfo: async () => [],
    execSync: fail,
    exec: fail,
    attach: fail,
    portForward: fail,
    logs: fail,
    containerStats: fail,
    listContainerStats: async () => [],
    close: async () => {},
  };
}
