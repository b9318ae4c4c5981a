/**
 * The containerd config.toml (version 2) the agent writes before it starts its own containerd,
 * after k3s's template: the CRI plugin with our pause image as sandbox_image, the snapshotter that
 * works here, CNI bin and conf dirs, runc with cgroupfs (systemd cgroups only when systemd is PID
 * 1), a stream server on loopback for exec/attach/port-forward, and every path under the data dir
 * so that this containerd never meets the system's. Registries (registries.yaml) are hosts.toml files
 * under `registryConfigPath` (registry-hosts.ts), their credentials `registry.configs` here.
 */
import type { RegistryAuth } from "./registries.ts";

export interface ContainerdConfig {
  /** containerd's root (content, snapshots, metadata). */
  root: string;
  /** containerd's state (task state, fifos). */
  state: string;
  /** The gRPC socket, CRI's endpoint. */
  socket: string;
  snapshotter: "overlayfs" | "native";
  sandboxImage: string;
  cniBinDir: string;
  cniConfDir: string;
  systemdCgroup: boolean;
  /** Keep containers' oom_score_adj at or above containerd's (when it may not lower scores). */
  restrictOomScoreAdj: boolean;
  /** The CRI stream server (exec, attach, port-forward): loopback only. */
  streamAddress: string;
  streamPort: number;
  /** The CRI registry `config_path`: a dir of `<registry>/hosts.toml` files. */
  registryConfigPath?: string;
  /** Host → credentials (registries.yaml's `configs.<host>.auth`). */
  registryAuths?: Record<string, RegistryAuth>;
}

/** A TOML basic string. */
function str(value: string): string {
  return JSON.stringify(value);
}

function strList(values: readonly string[]): string {
  return `[${values.map(str).join(", ")}]`;
}

/** Snapshotters, tracing and others that cannot run here or are not needed: fewer plugins, less memory and log noise. */
const DISABLED_PLUGINS = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
];

export function renderConfig(c: ContainerdConfig): string {
  const cri = `[plugins."io.containerd.grpc.v1.cri"]`;
  const lines = [
    "# Written by k3ts at every agent start; edits are overwritten.",
    "version = 2",
    `root = ${str(c.root)}`,
    `state = ${str(c.state)}`,
    `disabled_plugins = ${strList(DISABLED_PLUGINS)}`,
    "",
    "[grpc]",
    `  address = ${str(c.socket)}`,
    "",
    "[ttrpc]",
    `  address = ${str(`${c.socket}.ttrpc`)}`,
    "",
    // The opt plugin would otherwise install into the system's /opt/containerd.
    `[plugins."io.containerd.internal.v1.opt"]`,
    `  path = ${str(`${c.root}/opt`)}`,
    "",
    cri,
    `  sandbox_image = ${str(c.sandboxImage)}`,
    `  stream_server_address = ${str(c.streamAddress)}`,
    `  stream_server_port = ${str(String(c.streamPort))}`,
    "  enable_tls_streaming = false",
    "  enable_selinux = false",
    `  restrict_oom_score_adj = ${c.restrictOomScoreAdj}`,
    "",
    `${cri.slice(0, -1)}.containerd]`,
    `  snapshotter = ${str(c.snapshotter)}`,
    `  default_runtime_name = "runc"`,
    "",
    `${cri.slice(0, -1)}.containerd.runtimes.runc]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    "",
    `${cri.slice(0, -1)}.containerd.runtimes.runc.options]`,
    `  SystemdCgroup = ${c.systemdCgroup}`,
    "",
    `${cri.slice(0, -1)}.cni]`,
    `  bin_dir = ${str(c.cniBinDir)}`,
    `  conf_dir = ${str(c.cniConfDir)}`,
  ];
  if (c.registryConfigPath) lines.push("", `${cri.slice(0, -1)}.registry]`, `  config_path = ${str(c.registryConfigPath)}`);
  for (const [host, auth] of Object.entries(c.registryAuths ?? {})) {
    lines.push("", `${cri.slice(0, -1)}.registry.configs.${str(host)}.auth]`);
    for (const key of ["username", "password", "auth", "identitytoken"] as const) {
      const value = auth[key];
      if (value) lines.push(`  ${key} = ${str(value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
