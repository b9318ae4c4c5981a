/**
 * The `containerd` runtime module: `modules: {runtime: {use: containerd}}` or `--runtime
 * containerd`. As k3s does, it starts and configures its own containerd under
 * `<data-dir>/agent/containerd/` (or uses an existing one: `--container-runtime-endpoint`, or
 * `with: {endpoint}`), imports the airgap images of `<data-dir>/agent/images/`, makes sure the
 * pause image is there, and speaks CRI to it.
 *
 * with:
 *   endpoint: unix:///run/containerd/containerd.sock   use this containerd; start none
 *   snapshotter: overlayfs | native                      instead of probing for overlay
 *   podCidr: 10.42.0.0/24                                the placeholder CNI config's range until the node's is known
 *   mirrors: {docker.io: [http://127.0.0.1:5000]}        registry mirrors (as registries.yaml's `mirrors`)
 *   privateRegistry: /etc/k3ts/registries.yaml           k3s's registries.yaml (--private-registry; that file by default as root)
 *   disableDefaultRegistryEndpoint: true                  never fall back to a mirrored registry itself
 *   cniBinDir: /usr/lib/cni                               where the CNI plugins are
 *
 * The pod network: the CNI module's (modules.cni, started before this one) conf and bin dirs, and
 * its `prepare` once the node's pod CIDR is known. Without a CNI module, a placeholder bridge
 * config (cni-placeholder.ts) under the data dir.
 */
import { join } from "node:path";
import * as v from "valibot";
import { type Cni, isCni } from "../../../cni/mod.ts";
import { definePlugin, type Logger } from "../../../plugins/mod.ts";
import type { Runtime, RuntimeFactory, RuntimeNode, RuntimeProvides } from "../mod.ts";
import { importAirgapImages } from "./airgap.ts";
import { ensurePlaceholder } from "./cni-placeholder.ts";
import { ContainerdLauncher, waitForCri } from "./launcher.ts";
import { PAUSE_IMAGE } from "./images.ts";
import { DEFAULT_REGISTRIES_FILE, loadRegistries, type Registries } from "./registries.ts";
import { ensureLocalImages } from "./local-images.ts";
import { ContainerdRuntime } from "./runtime.ts";
import { unavailableRuntime } from "./unavailable.ts";

const configSchema = v.optional(
  v.strictObject({
    endpoint: v.optional(v.pipe(v.string(), v.minLength(1))),
    snapshotter: v.optional(v.picklist(["overlayfs", "native"])),
    podCidr: v.optional(v.pipe(v.string(), v.regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, "expected an IPv4 CIDR"))),
    mirrors: v.optional(v.record(v.string(), v.array(v.pipe(v.string(), v.url())))),
    cniBinDir: v.optional(v.string()),
    privateRegistry: v.optional(v.pipe(v.string(), v.minLength(1))),
    disableDefaultRegistryEndpoint: v.optional(v.boolean()),
  }),
  {},
);

export type ContainerdModuleConfig = v.InferOutput<typeof configSchema>;

/** Where the module keeps its files under the node's data dir (after k3s's layout). */
export function containerdPaths(dataDir: string) {
  return {
    containerdDir: join(dataDir, "agent", "containerd"),
    imagesDir: join(dataDir, "agent", "images"),
    cniConfDir: join(dataDir, "agent", "etc", "cni", "net.d"),
    cniIpamDir: join(dataDir, "agent", "cni", "networks"),
  };
}

const DEFAULT_POD_CIDR = "10.42.0.0/24";

export interface ContainerdFactoryOptions {
  dataDir: string;
  config: ContainerdModuleConfig;
  log: Logger;
  /** The CNI module's network, when there is one. */
  cni?: Cni;
  /** registries.yaml, read and checked by the caller (so that a bad file stops the start). */
  registries?: Registries;
}

/** The factory: one containerd per process (a real node), opened once. */
export function containerdRuntimeFactory(options: ContainerdFactoryOptions): RuntimeFactory & { stop(): Promise<void> } {
  const { dataDir, config, cni } = options;
  const paths = containerdPaths(dataDir);
  const cniConfDir = cni?.confDir ?? paths.cniConfDir;
  const cniBinDir = cni?.binDir ?? config.cniBinDir ?? "/usr/lib/cni";
  let launcher: ContainerdLauncher | undefined;
  return {
    name: "containerd",
    simulatesNodes: false,
    async open(node: RuntimeNode): Promise<Runtime> {
      if (launcher) throw new Error("the containerd runtime serves one node per process");
      const log = node.log;
      let socket: string;
      let snapshotter: string = config.snapshotter ?? "overlayfs";
      const placeholder = (cidr: string) => {
        if (!cni && !config.endpoint && ensurePlaceholder(cniConfDir, cidr, paths.cniIpamDir)) log.debug("placeholder CNI config written", { podCidr: cidr });
      };
      const podCidrKnown = async (podCidr: string) => {
        if (!cni) return placeholder(podCidr);
        const prepared = await cni.prepare({ podCidr, nodeName: node.name });
        if (prepared.changed) log.info("pod network prepared", { cni: cni.name, podCidr, file: prepared.confFile });
      };
      if (config.endpoint) {
        socket = config.endpoint.replace(/^unix:\/\//, "");
        log.info("using an existing containerd", { endpoint: config.endpoint });
        if (options.registries) log.warn("registries.yaml is not applied to an existing containerd: configure its registries there");
      } else {
        const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
        if (!isRoot) {
          log.error("containerd needs root: the node stays NotReady");
          return unavailableRuntime("k3ts runs without root, and containerd needs it");
        }
        placeholder(config.podCidr ?? DEFAULT_POD_CIDR);
        launcher = new ContainerdLauncher({
          dir: paths.containerdDir,
          sandboxImage: PAUSE_IMAGE,
          cniBinDir,
          cniConfDir,
          snapshotter: config.snapshotter,
          mirrors: config.mirrors,
          registries: options.registries,
          disableDefaultRegistryEndpoint: config.disableDefaultRegistryEndpoint,
          log: log.child("containerd"),
        });
        try {
          await launcher.start();
        } catch (error) {
          await launcher.stop();
          launcher = undefined;
          log.error("containerd did not start: the node stays NotReady", { error });
          return unavailableRuntime((error as Error).message);
        }
        socket = launcher.socket;
        snapshotter = launcher.snapshotter;
      }
      const client = await waitForCri(socket, 60_000, node.signal);
      await importAirgapImages({
        imagesDir: paths.imagesDir,
        socket,
        snapshotter,
        recordFile: join(paths.containerdDir, "airgap-imported.json"),
        log,
        signal: node.signal,
      });
      await ensureLocalImages({ client, socket, snapshotter, workDir: join(paths.containerdDir, "generated-images"), log, signal: node.signal })
        .catch((error: unknown) => log.warn("could not provide the local images", { error }));
      const started = launcher;
      return new ContainerdRuntime({
        client,
        log,
        onPodCidr: podCidrKnown,
        onClose: async () => {
          await started?.stop();
          if (launcher === started) launcher = undefined;
        },
      });
    },
    async stop() {
      await launcher?.stop();
      launcher = undefined;
    },
  };
}

/** The file --private-registry names (it must exist), else /etc/k3ts/registries.yaml as root when present. */
export function readRegistries(config: ContainerdModuleConfig): Registries | undefined {
  if (config.privateRegistry) return loadRegistries(config.privateRegistry, { required: true });
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  return isRoot ? loadRegistries(DEFAULT_REGISTRIES_FILE, { required: false }) : undefined;
}

export default definePlugin<ContainerdModuleConfig, RuntimeProvides>({
  name: "containerd",
  provides: ["runtime"],
  config: configSchema,
  setup(ctx, config) {
    const cni = ctx.provided.get("cni");
    if (cni !== undefined && !isCni(cni)) ctx.log.warn("the cni module provided no usable CNI (confDir, binDir, prepare): using the placeholder network");
    const registries = readRegistries(config);
    if (registries) ctx.log.info("private registry configuration read", { mirrors: Object.keys(registries.mirrors).join(","), configs: Object.keys(registries.configs).join(",") });
    const factory = containerdRuntimeFactory({ dataDir: ctx.rootDataDir, config, log: ctx.log, cni: isCni(cni) ? cni : undefined, registries });
    return { provides: { runtime: factory }, stop: () => factory.stop() };
  },
});
