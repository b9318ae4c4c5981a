/**
 * The prober's contract: the readiness (and startup/liveness) of containers as the pod worker
 * and the status computation see it. The fake runtime's kubelet uses `runningIsReady` (a running
 * container is ready and started, probes or not: nothing runs that could answer them); the
 * containerd kubelet gets a prober that runs exec, httpGet, tcpSocket and grpc probes on their
 * periods and calls `onChange` when a result flips, so that the pod's status is recomputed.
 */
import type { Pod, PodContainer } from "./types.ts";

export interface ProbeTarget {
  pod: Pod;
  container: PodContainer;
  /** The runtime's ID of the running container (probes exec into it). */
  containerId: string;
  /** The pod's IP (httpGet and tcpSocket probes connect to it). */
  podIP?: string;
}

export interface Prober {
  /** A container started: begin probing it (replaces an earlier target of the same name). */
  started(target: ProbeTarget): void;
  /** The container stopped, or the pod went: stop probing. */
  stopped(podUid: string, containerName?: string): void;
  /** Readiness of a running container. */
  ready(podUid: string, containerName: string): boolean;
  /** Whether the startup probe passed (true without one). */
  startupPassed(podUid: string, containerName: string): boolean;
  /** Whether the liveness probe failed and the container must be restarted. */
  livenessFailed(podUid: string, containerName: string): boolean;
}

/** A prober for simulated pods: ready once running. */
export const runningIsReady: Prober = {
  started() {},
  stopped() {},
  ready: () => true,
  startupPassed: () => true,
  livenessFailed: () => false,
};
