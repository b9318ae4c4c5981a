/**
 * A node's pod volumes, under `<data-dir>/agent/pods/<uid>/volumes/kubernetes.io~<type>/<name>`
 * as upstream lays them out: emptyDir (a tmpfs for medium Memory), hostPath (type-checked; the
 * host's path is mounted as it is), configMap, secret, downwardAPI and projected (written
 * atomically; secrets and projected volumes on a tmpfs of their own), persistentVolumeClaim
 * bound to a hostPath or local PV. Set up before the pod's first container; afterwards rewritten
 * every resync period (ConfigMap and Secret updates reach running pods, as with upstream's
 * TTL-cache strategy) and whenever a projected token is due for refresh. A pod that goes has its
 * tmpfs unmounted and its directory removed.
 */
import { mkdir, realpath, rm, stat, writeFile } from "node:fs/promises";
import { join, normalize } from "node:path";
import type { Client, KubeObject } from "../../../plugins/client.ts";
import type { Logger } from "../../../plugins/mod.ts";
import type { Mount } from "../../runtime/mod.ts";
import type { ApiObjects } from "../api-objects.ts";
import type { PodRuntimeFields } from "../downward-api.ts";
import { quantityValue } from "../resources.ts";
import type { Pod, PodContainer, Volume } from "../types.ts";
import { writeAtomically } from "./atomic-writer.ts";
import { mountTmpfs, unmountAll } from "./host-mounts.ts";
import { type ProjectionContext, volumePayload, VolumeError } from "./projections.ts";
import type { TokenManager } from "./token-manager.ts";

export interface VolumeManagerOptions {
  dataDir: string;
  objects: ApiObjects;
  tokens: TokenManager;
  client: Client;
  log: Logger;
  /** How often API-backed volumes are rewritten from the API (default 30 s). */
  resyncMs?: number;
}

const PLUGIN_DIRS: Record<string, string> = {
  emptyDir: "kubernetes.io~empty-dir",
  configMap: "kubernetes.io~configmap",
  secret: "kubernetes.io~secret",
  downwardAPI: "kubernetes.io~downward-api",
  projected: "kubernetes.io~projected",
};

const PROPAGATION = {
  None: "PROPAGATION_PRIVATE",
  HostToContainer: "PROPAGATION_HOST_TO_CONTAINER",
  Bidirectional: "PROPAGATION_BIDIRECTIONAL",
} as const;

/** API data volumes are always mounted read-only (upstream's ReadOnlyAPIDataVolumes). */
const API_DATA = new Set(["configMap", "secret", "downwardAPI", "projected"]);

function volumeType(v: Volume): string | undefined {
  return ["emptyDir", "hostPath", "configMap", "secret", "downwardAPI", "projected", "persistentVolumeClaim"].find((t) => v[t] !== undefined && v[t] !== null);
}

interface PodState {
  /** Host path of each volume by name. */
  paths: Map<string, string>;
  /** When the API-backed volumes are next rewritten (epoch ms). */
  due: number;
}

export class VolumeManager {
  readonly #o: VolumeManagerOptions;
  readonly #pods = new Map<string, PodState>();

  constructor(options: VolumeManagerOptions) {
    this.#o = options;
  }

  podDir(uid: string): string {
    return join(this.#o.dataDir, "agent", "pods", uid);
  }

  /** Whether the pod's volumes are set up. */
  ready(uid: string): boolean {
    return this.#pods.has(uid);
  }

  /**
   * Sets up the pod's volumes (the first time; throws VolumeError when one cannot be), or
   * refreshes them when due. Returns when to call again (epoch ms).
   */
  async sync(pod: Pod, rt: PodRuntimeFields): Promise<number> {
    const uid = pod.metadata.uid!;
    const state = this.#pods.get(uid);
    const now = Date.now();
    if (state && now < state.due) return state.due;
    try {
      const next = await this.#setUp(pod, rt, state);
      return next;
    } catch (err) {
      if (!state) throw err;
      // A running pod keeps its last good files; try again at the next period.
      this.#o.log.warn("volume refresh failed", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: String((err as Error).message ?? err) });
      state.due = now + (this.#o.resyncMs ?? 30_000);
      return state.due;
    }
  }

  async #setUp(pod: Pod, rt: PodRuntimeFields, previous: PodState | undefined): Promise<number> {
    const uid = pod.metadata.uid!;
    const base = join(this.podDir(uid), "volumes");
    const paths = new Map<string, string>();
    const ctx: ProjectionContext = { pod, objects: this.#o.objects, tokens: this.#o.tokens, runtime: rt };
    const gid = pod.spec.securityContext?.fsGroup;
    for (const v of pod.spec.volumes ?? []) {
      const type = volumeType(v);
      if (type === "hostPath") {
        paths.set(v.name, await this.#hostPath(v.hostPath!));
        continue;
      }
      if (type === "persistentVolumeClaim") {
        paths.set(v.name, await this.#claimPath(pod, v));
        continue;
      }
      if (!type) throw new VolumeError(`volume ${JSON.stringify(v.name)}: this node supports emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim (hostPath or local PVs)`);
      const dir = join(base, PLUGIN_DIRS[type], v.name);
      paths.set(v.name, dir);
      if (type === "emptyDir") {
        if (previous) continue;
        await mkdir(dir, { recursive: true, mode: 0o777 });
        if (v.emptyDir?.medium === "Memory") await mountTmpfs(dir, quantityValue(v.emptyDir.sizeLimit) || undefined);
        continue;
      }
      const payload = (await volumePayload(v, ctx))!;
      await mkdir(dir, { recursive: true, mode: 0o755 });
      if (!previous && (type === "secret" || type === "projected")) {
        // Secrets stay off the disk; a host where mounting fails (no CAP_SYS_ADMIN) still works.
        await mountTmpfs(dir).catch((err) => this.#o.log.debug("tmpfs for volume not mounted; using the disk", { volume: v.name, error: String(err) }));
      }
      await writeAtomically(dir, payload, gid);
    }
    const due = Math.min(Date.now() + (this.#o.resyncMs ?? 30_000), ctx.refreshAt ?? Infinity);
    this.#pods.set(uid, { paths, due });
    return due;
  }

  async #hostPath(source: NonNullable<Volume["hostPath"]>): Promise<string> {
    const path = source.path;
    const type = source.type ?? "";
    const info = await stat(path).catch(() => undefined);
    const fail = (what: string) => {
      throw new VolumeError(`hostPath type check failed: ${path} is not ${what}`);
    };
    switch (type) {
      case "":
        break;
      case "DirectoryOrCreate":
        if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
        else if (!info.isDirectory()) fail("a directory");
        break;
      case "FileOrCreate":
        if (!info) {
          await mkdir(join(path, ".."), { recursive: true });
          await writeFile(path, "", { mode: 0o644 });
        } else if (!info.isFile()) fail("a file");
        break;
      case "Directory":
        if (!info?.isDirectory()) fail("a directory");
        break;
      case "File":
        if (!info?.isFile()) fail("a file");
        break;
      case "Socket":
        if (!info?.isSocket()) fail("a socket");
        break;
      case "CharDevice":
        if (!info?.isCharacterDevice()) fail("a character device");
        break;
      case "BlockDevice":
        if (!info?.isBlockDevice()) fail("a block device");
        break;
      default:
        throw new VolumeError(`hostPath type ${JSON.stringify(type)} is not supported`);
    }
    return path;
  }

  /** A claim's PV, when it is a hostPath or local volume (the local-path provisioner's kind). */
  async #claimPath(pod: Pod, v: Volume): Promise<string> {
    const claimName = (v.persistentVolumeClaim as { claimName?: string }).claimName ?? "";
    const claim = await this.#o.client.resource<KubeObject & { spec?: { volumeName?: string } }>({ apiVersion: "v1", resource: "persistentvolumeclaims" }).get(claimName, pod.metadata.namespace);
    if (!claim) throw new VolumeError(`persistentvolumeclaim "${claimName}" not found`);
    const pvName = claim.spec?.volumeName;
    if (!pvName) throw new VolumeError(`persistentvolumeclaim "${claimName}" is not bound`);
    const pv = await this.#o.client.resource<KubeObject & { spec?: { hostPath?: { path: string; type?: string }; local?: { path: string } } }>({ apiVersion: "v1", resource: "persistentvolumes" }).get(pvName);
    const spec = pv?.spec;
    if (spec?.hostPath) return this.#hostPath({ path: spec.hostPath.path, type: spec.hostPath.type || "DirectoryOrCreate" });
    if (spec?.local) return spec.local.path;
    throw new VolumeError(`persistentvolume "${pvName}" is neither hostPath nor local: no volume plugin on this node mounts it`);
  }

  /** The CRI mounts of `container` (after `sync` set the pod up). */
  async mounts(pod: Pod, container: PodContainer): Promise<Mount[]> {
    const state = this.#pods.get(pod.metadata.uid!);
    const out: Mount[] = [];
    for (const m of container.volumeMounts ?? []) {
      const hostPath = state?.paths.get(m.name);
      const volume = pod.spec.volumes?.find((v) => v.name === m.name);
      if (!hostPath || !volume) throw new VolumeError(`volume ${JSON.stringify(m.name)} of container ${container.name} is not set up`);
      let path = hostPath;
      if (m.subPath) path = await this.#subPath(hostPath, m.subPath);
      out.push({
        containerPath: m.mountPath,
        hostPath: path,
        readonly: m.readOnly === true || API_DATA.has(volumeType(volume) ?? ""),
        propagation: PROPAGATION[m.mountPropagation ?? "None"] ?? "PROPAGATION_PRIVATE",
      });
    }
    return out;
  }

  /** A subPath inside the volume: relative, without `..`, and (symlinks resolved) still inside it. */
  async #subPath(volumePath: string, subPath: string): Promise<string> {
    if (subPath.startsWith("/") || normalize(subPath).split("/").includes("..")) throw new VolumeError(`subPath ${JSON.stringify(subPath)} must be a relative path without '..'`);
    const path = join(volumePath, subPath);
    if (!(await stat(path).catch(() => undefined))) await mkdir(path, { recursive: true, mode: 0o777 });
    const [real, root] = await Promise.all([realpath(path), realpath(volumePath)]);
    if (real !== root && !real.startsWith(root + "/")) throw new VolumeError(`subPath ${JSON.stringify(subPath)} leaves its volume`);
    return real;
  }

  /** Unmounts and removes the pod's directory. */
  async tearDown(uid: string): Promise<void> {
    this.#pods.delete(uid);
    this.#o.tokens.forgetPod(uid);
    const dir = this.podDir(uid);
    // Never remove a directory that still has a mount in it: rm would follow into the mount.
    await unmountAll(dir);
    await rm(dir, { recursive: true, force: true });
  }
}
