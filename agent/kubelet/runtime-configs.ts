/**
 * A pod's spec as the runtime receives it: the sandbox config (metadata, hostname, log directory,
 * host ports, labels and annotations) and each container's config (image, command, env with
 * plain values, log path, the kubelet's labels and annotations), after upstream's
 * kuberuntime_sandbox.go and kuberuntime_container.go. What needs the API (env from ConfigMaps
 * and Secrets, volumes) is resolved by the containerd kubelet, not here.
 */
import { type ContainerConfig, type PodSandboxConfig, type PortMapping, RUN_TO_COMPLETION_ANNOTATION } from "../runtime/mod.ts";
import type { Pod, PodContainer } from "./types.ts";

export function podLabels(pod: Pod): Record<string, string> {
  return {
    ...pod.metadata.labels,
    "io.kubernetes.pod.name": pod.metadata.name!,
    "io.kubernetes.pod.namespace": pod.metadata.namespace!,
    "io.kubernetes.pod.uid": pod.metadata.uid!,
  };
}

export function sandboxConfig(pod: Pod, attempt = 0): PodSandboxConfig {
  const m = pod.metadata;
  const ports: PortMapping[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) ports.push({ protocol: p.protocol ?? "TCP", containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP });
    }
  }
  return {
    metadata: { name: m.name!, namespace: m.namespace!, uid: m.uid!, attempt },
    hostname: pod.spec.hostname ?? m.name!,
    logDirectory: `/var/log/pods/${m.namespace}_${m.name}_${m.uid}`,
    portMappings: ports,
    labels: podLabels(pod),
    annotations: { ...m.annotations },
    linux: pod.spec.hostNetwork ? { securityContext: { namespaceOptions: { network: "NODE" } } } : undefined,
  };
}

export function containerConfig(pod: Pod, container: PodContainer, attempt: number, init: boolean): ContainerConfig {
  const restartPolicy = pod.spec.restartPolicy ?? "Always";
  const runsToCompletion = (init && container.restartPolicy !== "Always") || (!init && restartPolicy !== "Always");
  return {
    metadata: { name: container.name, attempt },
    image: { image: container.image ?? "" },
    command: container.command,
    args: container.args,
    workingDir: container.workingDir,
    envs: (container.env ?? []).filter((e) => e.value !== undefined || e.valueFrom === undefined).map((e) => ({ key: e.name, value: e.value ?? "" })),
    labels: { ...podLabels(pod), "io.kubernetes.container.name": container.name },
    annotations: {
      "io.kubernetes.container.restartCount": String(attempt),
      "io.kubernetes.pod.terminationGracePeriod": String(pod.spec.terminationGracePeriodSeconds ?? 30),
      [RUN_TO_COMPLETION_ANNOTATION]: String(runsToCompletion),
    },
    logPath: `${container.name}/${attempt}.log`,
    stdin: container.stdin,
    stdinOnce: container.stdinOnce,
    tty: container.tty,
  };
}

/** The pull policy the API defaults to: Always for :latest or untagged images, else IfNotPresent. */
export function pullPolicy(container: PodContainer): "Always" | "IfNotPresent" | "Never" {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  const image = container.image ?? "";
  if (image.includes("@")) return "IfNotPresent";
  const last = image.slice(image.lastIndexOf("/") + 1);
  const tag = last.includes(":") ? last.slice(last.indexOf(":") + 1) : "latest";
  return tag === "latest" ? "Always" : "IfNotPresent";
}
